import { hostname, platform, release } from 'node:os'
import type { ClassifyThresholds } from '../../analyse/threads/classify.js'
import { toolVersion } from '../../version.js'
import { BundleWriter } from './bundle-writer.js'
import { collectJvmSources } from './jvm-sources.js'
import {
  type BundleManifest,
  bundleSchema,
  type SourceEntry,
  type SourceName,
  skippedSource,
} from './manifest.js'

/**
 * `kafka-doctor diagnose`'s collection: every source that applies runs at the same time over the
 * run's duration — thread samples and a short profile of the JVM (with a pid), lag sampled as a
 * watch, every broker's own metadata at the start and at the end, and a packet capture (when asked
 * and permitted) — each writing its files into the bundle. A source that cannot run is recorded in
 * the manifest with the reason, and the others go on: the manifest is written whatever happened.
 */

export interface CollectBundleOptions {
  out: string
  /** `--bootstrap-server` as given; absent: no cluster, lag or capture sources. */
  bootstrap?: string
  commandConfig?: string
  groups: readonly string[]
  topics: readonly string[]
  pid?: number
  /** The run's length: the lag watch and the cluster's second look span it (default 30 s). */
  durationMs: number
  /** `--capture` length; absent: no capture. */
  captureMs?: number
  interface?: string
  snaplen?: number
  /** Per-request bound against the cluster. */
  timeoutMs: number
  /** Profile length (default: 10 s or the duration, whichever is shorter). */
  profileMs?: number
  thresholds?: ClassifyThresholds
  /** The command line, for the manifest (no secrets: `--command-config` is a file name). */
  command: readonly string[]
  onProgress?: (message: string) => void
  signal?: AbortSignal
}

export interface CollectedBundle {
  dir: string
  manifest: BundleManifest
  writer: BundleWriter
}

export async function collectBundle(options: CollectBundleOptions): Promise<CollectedBundle> {
  const writer = await BundleWriter.create(options.out)
  const start = new Date()
  const progress = options.onProgress ?? (() => {})
  const sources: Partial<Record<SourceName, SourceEntry>> = {}

  const jvm = async () => {
    if (options.pid === undefined) {
      const reason = 'no --pid given: the JVM was not sampled'
      sources.threads = skippedSource('per-thread CPU and thread dumps', reason)
      sources.profile = skippedSource('sampling profile by thread dumps', reason)
      return
    }
    const result = await collectJvmSources(writer, {
      pid: options.pid,
      profileMs: options.profileMs ?? Math.min(10_000, options.durationMs),
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
      onProgress: progress,
      ...(options.signal ? { signal: options.signal } : {}),
    })
    sources.threads = result.threads
    sources.profile = result.profile
  }

  await Promise.all([jvm()])

  const noCluster = 'no --bootstrap-server given'
  const manifest: BundleManifest = {
    schema: bundleSchema,
    tool: { name: 'kafka-doctor', version: toolVersion },
    host: { hostname: hostname(), platform: platform(), release: release(), node: process.version },
    createdAt: start.toISOString(),
    timeRange: { start: start.toISOString(), end: new Date().toISOString() },
    command: [...options.command],
    target: {
      bootstrap: options.bootstrap ?? null,
      groups: [...options.groups],
      topics: [...options.topics],
      pid: options.pid ?? null,
      interface: options.captureMs !== undefined ? (options.interface ?? null) : null,
    },
    sources: {
      threads: sources.threads ?? skippedSource('per-thread CPU and thread dumps', 'not run'),
      profile: sources.profile ?? skippedSource('sampling profile by thread dumps', 'not run'),
      cluster:
        sources.cluster ??
        skippedSource(
          'Metadata from every broker',
          options.bootstrap ? 'not available in this build' : noCluster,
        ),
      lag:
        sources.lag ??
        skippedSource('lag watch', options.bootstrap ? 'not available in this build' : noCluster),
      capture:
        sources.capture ??
        skippedSource(
          'packet capture',
          options.captureMs === undefined ? 'no --capture given' : 'not available in this build',
        ),
    },
    outputs: [],
  }
  await writer.writeManifest(manifest)
  return { dir: writer.dir, manifest, writer }
}
