/**
 * Lag in seconds, the way kafka-lag-exporter estimates it (LookupTable.MemoryTable; lag-tools.md §5):
 * keep the partition's high watermark history as (offset, time) points and ask when the HW passed the
 * committed offset — the consumer is that far behind in time.
 *
 *   t̂ = r.t − (r.offset − c) · (r.t − l.t) / (r.offset − l.offset)   for adjacent points l.offset ≤ c ≤ r.offset
 *   lag seconds = (now − t̂) / 1000
 *
 * Points are taken in time order; a point older than the last is dropped; flat runs are compressed
 * (two points at the same offset are enough to know since when it has not moved). Where
 * kafka-lag-exporter rejects a HW that went down (truncation, recreated topic) forever, the history
 * starts over from it here, so the estimate recovers. Edge cases, each with its own `kind`:
 *   - no commit → `unknown` (kafka-lag-exporter: NaN);
 *   - committed = latest HW → `zero`;
 *   - committed above the latest HW → `negative` (no time lag: the commit is ahead of the log);
 *   - fewer than two points (the first sample) → `unknown`;
 *   - idle topic (every point at the same offset, above the commit) → `at-least`: the records the
 *     consumer lacks were written before the history began, so it is at least that old;
 *   - commit below the oldest point → `extrapolated` from the oldest and newest points.
 */

export interface HwPoint {
  t: number
  offset: bigint
}

export type TimeLagKind = 'exact' | 'extrapolated' | 'at-least' | 'zero' | 'negative' | 'unknown'

export interface TimeLag {
  /** Seconds behind; null for `negative` and `unknown`. */
  seconds: number | null
  kind: TimeLagKind
  reason: string
}

/** The HW history of one partition as kafka-lag-exporter keeps it. */
export class HwHistory {
  readonly #points: HwPoint[] = []
  readonly #limit: number

  /** `limit`: points kept (kafka-lag-exporter's lookup-table size, 60). */
  constructor(limit = 60) {
    this.#limit = Math.max(2, limit)
  }

  get points(): readonly HwPoint[] {
    return this.#points
  }

  add(point: HwPoint): void {
    const last = this.#points[this.#points.length - 1]
    if (last && point.t <= last.t) return // out of order
    if (last && point.offset < last.offset) this.#points.length = 0 // went down: start over
    const beforeLast = this.#points[this.#points.length - 2]
    if (last && beforeLast && last.offset === point.offset && beforeLast.offset === point.offset) {
      this.#points[this.#points.length - 1] = point // extend a flat run instead of growing it
    } else {
      this.#points.push(point)
    }
    if (this.#points.length > this.#limit) this.#points.shift()
  }

  lookup(committed: bigint | null, now: number): TimeLag {
    if (committed === null) return { seconds: null, kind: 'unknown', reason: 'no committed offset' }
    const points = this.#points
    const newest = points[points.length - 1]
    if (!newest) return { seconds: null, kind: 'unknown', reason: 'no high watermark sampled' }
    if (committed === newest.offset)
      return { seconds: 0, kind: 'zero', reason: 'caught up with the latest high watermark' }
    if (committed > newest.offset) {
      return { seconds: null, kind: 'negative', reason: 'committed above the latest high watermark' }
    }
    const oldest = points[0]!
    if (points.length < 2) {
      return {
        seconds: null,
        kind: 'unknown',
        reason: 'one high watermark sample: two are needed to interpolate',
      }
    }
    for (let i = points.length - 1; i > 0; i--) {
      const l = points[i - 1]!
      const r = points[i]!
      if (l.offset <= committed && committed <= r.offset && l.offset < r.offset) {
        const t = predict(l, r, committed)
        return {
          seconds: Math.max(0, (now - t) / 1000),
          kind: 'exact',
          reason: 'interpolated between two samples',
        }
      }
    }
    if (oldest.offset === newest.offset) {
      return {
        seconds: (now - oldest.t) / 1000,
        kind: 'at-least',
        reason:
          'the high watermark has not moved since the first sample: the missing records are older than that',
      }
    }
    const t = predict(oldest, newest, committed)
    return {
      seconds: Math.max(0, (now - t) / 1000),
      kind: 'extrapolated',
      reason: 'the commit is older than the sampled history: extrapolated from the oldest and newest samples',
    }
  }
}

function predict(l: HwPoint, r: HwPoint, committed: bigint): number {
  // Offsets can exceed 2^53 only in theory; the differences used here are small.
  const span = Number(r.offset - l.offset)
  const behind = Number(r.offset - committed)
  return r.t - (behind * (r.t - l.t)) / span
}
