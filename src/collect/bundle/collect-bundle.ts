import { hostname, platform, release } from 'node:os'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ClassifyThresholds } from '../../analyse/threads/classify.js'
import { parseBootstrapServers } from '../../net/address.js'
import { readClientConfig } from '../../net/client-config.js'
import { toolVersion } from '../../version.js'
import type { ClusterPhase } from './bundle-files.js'
import { BundleWriter } from './bundle-writer.js'
import { collectCaptureSource } from './capture-source.js'
import { collectClusterPhase } from './cluster-source.js'
import { collectJvmSources } from './jvm-sources.js'
import { collectLagSource, lagInterval } from './lag-source.js'
import {
  type BundleManifest,
  bundleSchema,
  type SourceEntry,
  type SourceName,
  skippedSource,
} from './manifest.js'
import { errorOf, runSource } from './source-run.js'

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
  /** The consumers' client ids (`--client-id`), to tell them from other clients in the capture. */
  clientIds?: readonly string[]
  pid?: number
  /** The run's length: the lag watch and the cluster's second look span it (default 30 s). */
  durationMs: number
  /** `--capture` length; absent: no capture. */
  captureMs?: number
  interface?: string
  /** Keep the whole capture in the bundle (record payloads included). */
  showPayloads?: boolean
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
  // A --command-config kafka-doctor cannot honour (TLS, SASL for now) stops the run before anything.
  const clientId = await clientIdOf(options)
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

  // The cluster is looked at for the groups' topics (unrelated topics' health is not this consumer's
  // problem): the first lag snapshot names them, within a few seconds; without it, every topic.
  let topicsNamed: (topics: string[]) => void = () => {}
  const groupTopics = new Promise<string[]>((resolve) => {
    topicsNamed = resolve
  })
  const cluster = async () => {
    if (!options.bootstrap) return
    const topics =
      options.topics.length > 0
        ? [...options.topics]
        : await Promise.race([
            groupTopics,
            sleep(Math.min(10_000, options.timeoutMs), [] as string[], { ref: false }),
          ])
    sources.cluster = await clusterSource(writer, { ...options, topics }, clientId, progress)
  }

  const lag = async () => {
    if (!options.bootstrap) return
    const bootstrap = parseBootstrapServers(options.bootstrap)
    const intervalMs = lagInterval(options.durationMs)
    sources.lag = await runSource(
      'the lag collector every interval (ListGroups/FindCoordinator, OffsetFetch, DescribeGroups, then ListOffsets from each leader; replicas asked when a commit is above the HW), as `kafka-doctor lag --watch`',
      { groups: options.groups, topics: options.topics, intervalMs, durationMs: options.durationMs },
      () =>
        collectLagSource(writer, {
          bootstrap,
          groups: options.groups,
          topics: options.topics,
          durationMs: options.durationMs,
          intervalMs,
          timeoutMs: options.timeoutMs,
          ...(clientId ? { clientId } : {}),
          onProgress: progress,
          onTopics: (topics) => topicsNamed(topics),
          ...(options.signal ? { signal: options.signal } : {}),
        }),
    )
    topicsNamed([])
  }

  const capture = async () => {
    if (!options.bootstrap || options.captureMs === undefined) return
    const bootstrap = parseBootstrapServers(options.bootstrap)
    const captureMs = options.captureMs
    sources.capture = await runSource(
      'tcpdump (else dumpcap or tshark) with a BPF filter on the brokers’ addresses, whole packets into a private temporary folder; the Kafka traffic analysed, then the capture kept with every Kafka body cut',
      { durationMs: captureMs, interface: options.interface ?? 'any' },
      () =>
        collectCaptureSource(writer, {
          bootstrap,
          durationMs: captureMs,
          ...(options.interface ? { interfaceName: options.interface } : {}),
          ...(options.showPayloads ? { showPayloads: true } : {}),
          onProgress: progress,
          ...(options.signal ? { signal: options.signal } : {}),
        }),
    )
  }

  // All at once: the cluster looked at when the run starts and when it ends, lag sampled in between,
  // the traffic captured, the JVM sampled and profiled meanwhile.
  await Promise.all([jvm(), lag(), cluster(), capture()])

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
      ...(options.clientIds && options.clientIds.length > 0 ? { clientIds: [...options.clientIds] } : {}),
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

/** The client id kafka-doctor uses against the cluster: `client.id` of --command-config, else its own. */
async function clientIdOf(options: CollectBundleOptions): Promise<string | undefined> {
  if (!options.commandConfig) return undefined
  const config = await readClientConfig(options.commandConfig)
  return config.clientId
}

/** Every broker's own view at the start, and again at the end of the run. */
async function clusterSource(
  writer: BundleWriter,
  options: CollectBundleOptions,
  clientId: string | undefined,
  progress: (m: string) => void,
): Promise<SourceEntry> {
  const started = Date.now()
  const phases: ClusterPhase[] = ['start', 'end']
  return runSource(
    "Metadata asked of every broker directly (and again after a pause when they disagree), DescribeQuorum, DescribeCluster, DescribeConfigs min.insync.replicas; ListOffsets from every broker a disputed partition's views name as leader — at the start and at the end of the run",
    { topics: options.topics, timeoutMs: options.timeoutMs },
    async () => {
      const bootstrap = parseBootstrapServers(options.bootstrap ?? '')
      const files: string[] = []
      const failures: string[] = []
      const warnings: string[] = []
      for (const phase of phases) {
        if (phase === 'end') {
          const wait = started + options.durationMs - Date.now()
          if (wait > 0)
            await sleep(wait, undefined, options.signal ? { signal: options.signal } : {}).catch(
              () => undefined,
            )
        }
        try {
          const result = await collectClusterPhase(writer, phase, {
            bootstrap,
            topics: options.topics,
            timeoutMs: options.timeoutMs,
            ...(clientId ? { clientId } : {}),
            onProgress: (m) => progress(`cluster (${phase}): ${m}`),
          })
          files.push(...result.files)
          for (const w of result.snapshot.warnings) warnings.push(`${phase}: ${w}`)
          const down = result.snapshot.views.filter((v) => v.outcome !== 'ok')
          if (down.length > 0)
            failures.push(
              `${phase}: broker ${[...new Set(down.map((v) => v.brokerId))].join(', ')} did not answer`,
            )
        } catch (error) {
          // One look failing leaves the other; both failing is the source failing.
          failures.push(`${phase}: ${errorOf(error).message}`)
          if (files.length === 0 && phase === 'end') throw error
        }
      }
      return {
        status: failures.length === 0 ? 'collected' : 'partial',
        files,
        options: { phases },
        warnings,
        ...(failures.length > 0 ? { reason: failures.join('; ') } : {}),
      }
    },
  )
}
