import type { FetchClientReport } from '../traffic/traffic-report.js'
import type { Evidence } from './evidence.js'

/** Helpers the rules share to read the sources' data the same way. */

/** kafka-doctor's own requests (lag, cluster, probes) are in the capture too: never the patient. */
export function isOwnClient(clientId: string | undefined): boolean {
  return clientId?.startsWith('kafka-doctor') === true
}

export interface TrafficIndex {
  fetchClients: FetchClientReport[]
}

export function trafficIndex(evidence: Evidence): TrafficIndex | undefined {
  const report = evidence.traffic?.report
  if (!report) return undefined
  return { fetchClients: report.fetch.clients.filter((f) => !isOwnClient(f.clientId)) }
}

/**
 * Records the target groups committed over the run, from the lag samples: per group and partition the
 * last committed offset minus the first (a reset backwards counts as nothing), summed, and per second
 * over the samples' time span. Undefined without at least two samples.
 */
export function consumedRecordsPerSecond(
  evidence: Evidence,
): { records: number; perSecond: number; spanS: number } | undefined {
  const samples = evidence.lag?.samples ?? []
  const groups = new Set(evidence.bundle.manifest.target.groups)
  const first = new Map<string, { t: number; offset: bigint }>()
  const last = new Map<string, { t: number; offset: bigint }>()
  let minT = Number.POSITIVE_INFINITY
  let maxT = Number.NEGATIVE_INFINITY
  for (const s of samples) {
    if (groups.size > 0 && !groups.has(s.group)) continue
    minT = Math.min(minT, s.t)
    maxT = Math.max(maxT, s.t)
    if (s.committed === null) continue
    const key = `${s.group}\u0000${s.topic}\u0000${s.partition}`
    const f = first.get(key)
    if (!f || s.t < f.t) first.set(key, { t: s.t, offset: s.committed })
    const l = last.get(key)
    if (!l || s.t >= l.t) last.set(key, { t: s.t, offset: s.committed })
  }
  const spanS = (maxT - minT) / 1000
  if (!(spanS > 0)) return undefined
  let records = 0
  for (const [key, f] of first) {
    const l = last.get(key)
    if (l && l.offset > f.offset) records += Number(l.offset - f.offset)
  }
  return { records, perSecond: records / spanS, spanS }
}
