/**
 * What is known per topic-partition, shared by the fetch and Metadata trackers: fetches, records,
 * errors, watermarks and leaders over time. Bounded like every table of the analysis.
 */
import { BoundedMap } from './bounded-map.js'
import { CompactSeries } from './compact-series.js'
import type { LeaderPoint, WatermarkPoint } from './traffic-report.js'

export interface PartitionStats {
  /** Topic name, or `id:<uuid>` until a Metadata answer names it. */
  topic: string
  partition: number
  fetches: number
  empty: number
  firstT: number
  lastT: number
  errors: Map<number, number>
  records: number
  recordBytes: number
  watermarks: CompactSeries<WatermarkPoint>
  /** KIP-951: the leader a broker named in an error answer (CurrentLeader), last seen. */
  hint: { leaderId: number; leaderEpoch: number; count: number } | undefined
  leaders: CompactSeries<LeaderPoint>
  lastLeader: string | undefined
}

export class PartitionTable {
  private readonly map: BoundedMap<string, PartitionStats>

  constructor(limit: number) {
    this.map = new BoundedMap(limit)
  }

  obtain(topic: string, partition: number, t: number): PartitionStats | undefined {
    return this.map.obtain(`${topic}\u0000${partition}`, () => ({
      topic,
      partition,
      fetches: 0,
      empty: 0,
      firstT: t,
      lastT: t,
      errors: new Map(),
      records: 0,
      recordBytes: 0,
      watermarks: new CompactSeries(
        (w) => `${w.broker}/${w.highWatermark}/${w.lastStableOffset}/${w.logStartOffset}`,
      ),
      hint: undefined,
      leaders: new CompactSeries((l) => `${l.leader}/${l.epoch}`, 512),
      lastLeader: undefined,
    }))
  }

  values(): PartitionStats[] {
    return [...this.map.values()]
  }

  get dropped(): number {
    return this.map.dropped
  }
}
