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
  /**
   * Where brokers disagree about the partition's leader: the high watermark each claimed leader
   * reported when asked directly (cluster/<phase>/leader-offsets.json), and the lag it gives against
   * the nearest committed offset — the lag a tool whose metadata comes from that broker shows.
   */
  claimedLeaders: {
    t: number
    broker: number
    leaderEpoch: number
    highWatermark: number | string
    lag: number | string | null
  }[]
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
  return { lag: lagSeries(bundle), traffic: trafficSeries(bundle), cpu: cpuSeries(bundle) }
}

/** Lag per group × partition from the samples (target groups first, then by name). */
function lagSeries(bundle: Bundle): LagSeries[] {
  const byKey = new Map<string, LagSeries>()
  for (const s of bundle.lag?.samples ?? []) {
    const key = `${s.group}\u0000${s.topic}\u0000${s.partition}`
    let series = byKey.get(key)
    if (!series) {
      series = { group: s.group, topic: s.topic, partition: s.partition, points: [], claimedLeaders: [] }
      byKey.set(key, series)
    }
    series.points.push({
      t: s.t,
      committed: num(s.committed),
      highWatermark: num(s.highWatermark),
      lastStableOffset: num(s.lastStableOffset),
      lag: s.committed !== null && s.highWatermark !== null ? num(s.highWatermark - s.committed) : null,
    })
  }
  for (const series of byKey.values()) series.points.sort((a, b) => a.t - b.t)
  for (const look of Object.values(bundle.cluster ?? {})) {
    for (const p of look.leaderOffsets?.partitions ?? []) {
      for (const series of byKey.values()) {
        if (series.topic !== p.topic || series.partition !== p.partition) continue
        for (const c of p.claims) {
          if (c.highWatermark === null) continue
          const t = Date.parse(c.askedAt)
          const nearest = [...series.points]
            .filter((point) => point.committed !== null)
            .sort((a, b) => Math.abs(a.t - t) - Math.abs(b.t - t))[0]
          const committed = nearest?.committed
          series.claimedLeaders.push({
            t,
            broker: c.leader,
            leaderEpoch: c.leaderEpoch,
            highWatermark: num(c.highWatermark) ?? 0,
            lag:
              committed === null || committed === undefined ? null : num(c.highWatermark - BigInt(committed)),
          })
        }
      }
    }
  }
  const targets = new Set(bundle.manifest.target.groups)
  return [...byKey.values()].sort(
    (a, b) =>
      Number(targets.has(b.group)) - Number(targets.has(a.group)) ||
      a.group.localeCompare(b.group) ||
      a.topic.localeCompare(b.topic) ||
      a.partition - b.partition,
  )
}

/** Requests and errors per second per bucket of the capture's timeline, on the wall clock. */
function trafficSeries(bundle: Bundle): TrafficSeries | null {
  const report = bundle.traffic
  if (!report?.start) return null
  const start = Date.parse(report.start)
  const width = report.timeline.bucketS
  return {
    bucketMs: width * 1000,
    points: report.timeline.buckets.map((b) => ({
      t: start + b.t * 1000,
      requestsPerS: round2(b.requests / width),
      errorsPerS: round2(b.errors / width),
      byApi: Object.fromEntries(
        Object.entries(b.byApi).map(([api, c]) => [
          api,
          { requestsPerS: round2(c.requests / width), errorsPerS: round2(c.errors / width) },
        ]),
      ),
    })),
  }
}

function num(value: bigint | null): number | string | null {
  if (value === null) return null
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value.toString()
}

function round2(n: number): number {
  return Math.round(n * 100) / 100
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
