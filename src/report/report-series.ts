import type { Bundle } from '../collect/bundle/bundle.js'

/**
 * The time series of report.json, ready to draw: lag per group × partition, request and error rates
 * per API, and the JVM's CPU. Times are ms since the epoch everywhere, so every chart shares one axis.
 */

export interface LagPoint {
  /** ms since the epoch (when the end offsets were read). */
  t: number
  committed: number | string | null
  highWatermark: number | string | null
  lastStableOffset: number | string | null
  /** highWatermark − committed, never clamped (negative lag stays negative); null when either is unknown. */
  lag: number | string | null
}

export interface LagSeries {
  group: string
  topic: string
  partition: number
  points: LagPoint[]
}

export interface TrafficPoint {
  /** ms since the epoch, the start of the bucket. */
  t: number
  requestsPerS: number
  errorsPerS: number
  byApi: Record<string, { requestsPerS: number; errorsPerS: number }>
}

export interface TrafficSeries {
  bucketMs: number
  points: TrafficPoint[]
}

export interface CpuPoint {
  t: number
  processCpuPercent: number
}

export interface ReportSeries {
  lag: LagSeries[]
  traffic: TrafficSeries | null
  cpu: CpuPoint[]
}

export function reportSeries(bundle: Bundle): ReportSeries {
  return { lag: [], traffic: null, cpu: cpuSeries(bundle) }
}

function cpuSeries(bundle: Bundle): CpuPoint[] {
  const out: CpuPoint[] = []
  for (const round of bundle.threads?.rounds ?? []) {
    if (round.processCpuPercent === undefined) continue
    out.push({
      t: Date.parse(round.startedAt) + round.intervalMs,
      processCpuPercent: round.processCpuPercent,
    })
  }
  return out
}
