import { join } from 'node:path'
import type { ClassifyThresholds } from '../../analyse/threads/classify.js'
import { foldedText } from '../../analyse/threads/fold.js'
import { writeProfileFiles } from '../../report/profile-files.js'
import { profileJvm } from '../profile/profile-jvm.js'
import { sampleThreads } from '../threads/sample-threads.js'
import { bundleFiles } from './bundle-files.js'
import type { BundleWriter } from './bundle-writer.js'
import { readJvmLibraries } from './jvm-libraries.js'
import type { SourceEntry } from './manifest.js'
import { errorOf, runSource } from './source-run.js'

/**
 * The JVM sources of `diagnose`: thread samples first (per-thread CPU joined to a thread dump, a few
 * one-second rounds), then a short sampling profile — one after the other, so the JVM pays for one
 * series of thread dumps at a time, while the cluster, lag and capture sources run beside them.
 */

export interface JvmSourceOptions {
  pid: number
  /** Threads: rounds and their length (default 3 × 1 s). */
  rounds?: number
  intervalMs?: number
  /** Profile length (0 skips the profile) and rate (dumps per second, default 10). */
  profileMs: number
  profileRate?: number
  thresholds?: ClassifyThresholds
  onProgress?: (message: string) => void
  signal?: AbortSignal
}

export async function collectJvmSources(
  writer: BundleWriter,
  options: JvmSourceOptions,
): Promise<{ threads: SourceEntry; profile: SourceEntry }> {
  const rounds = options.rounds ?? 3
  const intervalMs = options.intervalMs ?? 1000
  const progress = options.onProgress ?? (() => {})
  const threads = await runSource(
    'per-thread CPU from /proc/PID/task/*/schedstat deltas (as top -H), joined by nid to jcmd Thread.print dumps',
    {
      pid: options.pid,
      rounds,
      intervalMs,
      ...(options.thresholds ? { thresholds: options.thresholds } : {}),
    },
    async () => {
      const result = await sampleThreads({
        pid: options.pid,
        intervalMs,
        rounds,
        top: 8,
        keepDumpText: false,
        onDumpError: 'warn',
        ...(options.thresholds ? { thresholds: options.thresholds } : {}),
        onProgress: (m) => progress(`threads: ${m}`),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      const file = await writer.writeJson(bundleFiles.threads, result)
      const libraries = await readJvmLibraries(options.pid)
      const librariesFile = await writer.writeJson(bundleFiles.jvmLibraries, libraries)
      const withStacks = result.rounds.filter((r) => r.dump).length
      return {
        status: withStacks === result.rounds.length ? 'collected' : 'partial',
        files: [file, librariesFile],
        options: {
          cpuMethod: result.cpuMethod,
          kafkaClients: libraries.kafkaClients.map((l) => l.version),
        },
        warnings: result.warnings,
        ...(withStacks < result.rounds.length
          ? {
              reason: `${result.rounds.length - withStacks} of ${result.rounds.length} thread dumps failed${result.warnings[0] ? `: ${result.warnings[0]}` : ''}; per-thread CPU without stacks`,
            }
          : {}),
      }
    },
  )
  if (options.profileMs <= 0) {
    return {
      threads,
      profile: {
        status: 'skipped',
        files: [],
        method: 'repeated thread dumps weighted by per-thread CPU',
        options: {},
        reason: 'profile length 0',
        warnings: [],
      },
    }
  }
  const rate = options.profileRate ?? 10
  const profile = await runSource(
    'repeated thread dumps (attach, else jcmd), each stack weighted by the CPU its thread used since the previous dump',
    { pid: options.pid, durationMs: options.profileMs, rate },
    async () => {
      const result = await profileJvm({
        pid: options.pid,
        durationMs: options.profileMs,
        rate,
        ...(options.thresholds ? { thresholds: options.thresholds } : {}),
        onProgress: (p) =>
          progress(
            `profile: ${Math.round(p.elapsedMs / 1000)}/${Math.round(p.durationMs / 1000)} s, ${p.dumps} dumps`,
          ),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      // The data first, through the bundle writer; the pages (flame graph, speedscope) are a bonus
      // whose failure (a checkout without built page assets) must not lose the profile.
      const files = [
        await writer.writeJson(bundleFiles.profile, result),
        await writer.writeText(bundleFiles.profileFolded, foldedText(result.stacks)),
      ]
      const warnings = [...result.warnings]
      try {
        await writeProfileFiles(
          result,
          join(writer.dir, bundleFiles.profileDir),
          `JVM ${options.pid}`,
          `kafka-doctor diagnose profile, ${Math.round(options.profileMs / 1000)} s`,
        )
        files.push(writer.adopt(bundleFiles.profileSpeedscope), writer.adopt(bundleFiles.profileHtml))
      } catch (error) {
        warnings.push(`flame graph page not written: ${errorOf(error).message}`)
      }
      return {
        status: result.dumps !== undefined && result.dumps > 0 ? 'collected' : 'partial',
        files,
        options: { dumps: result.dumps, achievedRate: result.achievedRate, dumpVia: result.dumpVia },
        warnings,
      }
    },
  )
  return { threads, profile }
}
