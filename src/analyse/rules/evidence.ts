import type { Bundle } from '../../collect/bundle/bundle.js'
import type { SourceName } from '../../collect/bundle/manifest.js'
import type { ProfileResult } from '../../collect/profile/profile-result.js'
import type { HotThread, ThreadsResult } from '../../collect/threads/threads-result.js'
import type { Finding } from '../finding.js'
import type { ThreadKind } from '../threads/classify.js'

/**
 * What the rules read: the bundle, and each source's own analysis run once (the cluster health and
 * divergence analysis, the lag report, the traffic analysis) so that every rule wraps the same
 * findings rather than recomputing them differently. Pure: built from the bundle alone.
 */
export interface Evidence {
  bundle: Bundle
  threads?: ThreadsEvidence
  profile?: ProfileResult
  /** Every finding the sources' own analyses made, in the order they made them. */
  sourceFindings: Finding[]
}

export interface ThreadsEvidence {
  result: ThreadsResult
  /** Whole-process CPU, % of one core, averaged over the rounds that measured it. */
  processCpuPercent?: number
  /** CPU per thread kind, % of one core, averaged over the rounds (all GC threads together, …). */
  cpuByKind: Partial<Record<ThreadKind, number>>
  /** `hottest` with each entry's index in threads.json, hottest first. */
  hottest: { thread: HotThread; index: number }[]
}

export function gatherEvidence(bundle: Bundle): Evidence {
  const evidence: Evidence = { bundle, sourceFindings: [] }
  if (bundle.threads) evidence.threads = threadsEvidence(bundle.threads)
  if (bundle.profile) evidence.profile = bundle.profile
  return evidence
}

/** Why a source cannot be used, in a few words (for insufficient-data summaries). */
export function unavailableReason(evidence: Evidence, source: SourceName): string {
  const a = evidence.bundle.availability[source]
  const entry = evidence.bundle.manifest.sources[source]
  const why = a.reason ?? entry.reason ?? entry.error?.message
  return `${source} ${a.status === 'missing' ? 'missing from the bundle' : a.status}${why ? ` (${why})` : ''}`
}

export function usable(evidence: Evidence, source: SourceName): boolean {
  return evidence.bundle.availability[source].usable
}

function threadsEvidence(result: ThreadsResult): ThreadsEvidence {
  const measured = result.rounds.filter((r) => r.processCpuPercent !== undefined)
  const processCpuPercent =
    measured.length > 0
      ? round1(measured.reduce((sum, r) => sum + (r.processCpuPercent ?? 0), 0) / measured.length)
      : undefined
  const cpuByKind: Partial<Record<ThreadKind, number>> = {}
  for (const r of measured) {
    for (const t of r.threads) {
      if (t.cpuPercent === undefined) continue
      const kind = t.classification.kind
      cpuByKind[kind] = (cpuByKind[kind] ?? 0) + t.cpuPercent / measured.length
    }
  }
  for (const kind of Object.keys(cpuByKind) as ThreadKind[]) cpuByKind[kind] = round1(cpuByKind[kind] ?? 0)
  const hottest = result.hottest
    .map((thread, index) => ({ thread, index }))
    .sort((a, b) => threadDemand(b.thread) - threadDemand(a.thread))
  return {
    result,
    ...(processCpuPercent !== undefined ? { processCpuPercent } : {}),
    cpuByKind,
    hottest,
  }
}

/** A hot thread's CPU over the run: its mean, else its single figure. */
export function threadCpu(thread: HotThread): number {
  return thread.meanCpuPercent ?? thread.cpuPercent ?? 0
}

/**
 * What a thread wanted: its CPU plus the time it sat runnable waiting for a CPU (schedstat). On a
 * saturated host a spinning thread gets a share of a core; its demand is still a whole one. The
 * thresholds of the rules compare demand, as the thread classifier does.
 */
export function threadDemand(thread: HotThread): number {
  return threadCpu(thread) + (thread.runQueuePercent ?? 0)
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10
}
