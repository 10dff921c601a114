import { setTimeout as sleep } from 'node:timers/promises'
import type { BrokerAddress } from '../../net/address.js'
import { LagCollector } from '../lag/collect-lag.js'
import { lagSamplesToJsonLines, samplesOf } from '../lag/lag-samples.js'
import type { LagSnapshot } from '../lag/lag-snapshot.js'
import { bundleFiles } from './bundle-files.js'
import type { BundleWriter } from './bundle-writer.js'
import type { SourceOutcome } from './source-run.js'

/**
 * The lag source of a bundle: the lag collector (src/collect/lag) asked every `intervalMs` over the
 * run, as `kafka-doctor lag --watch` does — each snapshot whole in `lag/snapshots.jsonl` (so that
 * `analyze` can redo the lag analysis, negative-lag explanations included) and as lag samples in
 * `lag/samples.jsonl`. Read-only: it never joins the group or commits.
 */

export interface LagSourceOptions {
  bootstrap: readonly BrokerAddress[]
  groups: readonly string[]
  topics: readonly string[]
  durationMs: number
  intervalMs: number
  timeoutMs: number
  clientId?: string
  onProgress?: (message: string) => void
  /** Called once, after the first snapshot, with the topics the groups consume (for the cluster look). */
  onTopics?: (topics: string[]) => void
  signal?: AbortSignal
}

/** Samples over the run: at least 3 (a window needs them), one every 2 to 10 s. */
export function lagInterval(durationMs: number): number {
  return Math.min(10_000, Math.max(2000, Math.floor(durationMs / 5)))
}

export async function collectLagSource(
  writer: BundleWriter,
  options: LagSourceOptions,
): Promise<SourceOutcome> {
  const collector = await LagCollector.connect({
    bootstrap: options.bootstrap,
    timeoutMs: options.timeoutMs,
    ...(options.clientId ? { clientId: options.clientId } : {}),
  })
  const snapshots: LagSnapshot[] = []
  const warnings: string[] = []
  const started = Date.now()
  try {
    for (let sample = 0; ; sample++) {
      const begin = Date.now()
      options.onProgress?.(`lag: sample ${sample + 1}`)
      const snapshot = await collector.snapshot(
        { groups: options.groups, ...(options.topics.length > 0 ? { topics: options.topics } : {}) },
        (m) => options.onProgress?.(`lag: ${m}`),
      )
      snapshots.push(snapshot)
      if (sample === 0) options.onTopics?.(groupTopics(snapshot))
      await writer.appendJsonLine(bundleFiles.lagSnapshots, snapshot)
      const lines = lagSamplesToJsonLines(samplesOf(snapshot, sample))
      if (lines) await writer.appendText(bundleFiles.lagSamples, lines)
      for (const w of snapshot.warnings) if (!warnings.includes(w)) warnings.push(w)
      const next = begin + options.intervalMs
      if (next - started > options.durationMs || options.signal?.aborted) break
      await sleep(
        Math.max(0, next - Date.now()),
        undefined,
        options.signal ? { signal: options.signal } : {},
      ).catch(() => undefined)
      if (options.signal?.aborted) break
    }
  } finally {
    await collector.close()
  }
  const unreachable = snapshots.at(-1)?.unreachable ?? []
  return {
    status: unreachable.length > 0 ? 'partial' : 'collected',
    files: [bundleFiles.lagSnapshots, bundleFiles.lagSamples],
    options: { samples: snapshots.length },
    warnings,
    ...(unreachable.length > 0
      ? { reason: `unreachable: ${unreachable.map((u) => u.nodeId ?? u.address).join(', ')}` }
      : {}),
  }
}

/** The topics the groups committed on or are assigned, sorted. */
export function groupTopics(snapshot: LagSnapshot): string[] {
  const topics = new Set<string>()
  for (const g of snapshot.groups) {
    for (const c of g.committed) topics.add(c.topic)
    for (const m of g.members) for (const a of m.assignment) topics.add(a.topic)
  }
  return [...topics].sort()
}
