/**
 * A time series of values that change rarely (watermarks, leaders): a point is kept only when the
 * value differs from the previous one, and when the cap is reached every other point is dropped (the
 * first and the latest always stay), so an hours-long capture still gives a readable, bounded series.
 */
export interface SeriesPoint<T> {
  /** Seconds since the start of the analysis. */
  t: number
  value: T
}

export class CompactSeries<T> {
  private points: Array<SeriesPoint<T>> = []
  private lastKey: string | undefined
  /** Points thinned out to respect the cap. */
  thinned = 0

  constructor(
    private readonly keyOf: (value: T) => string,
    private readonly cap = 256,
  ) {}

  /**
   * Adds a value at time `t`; when it equals the latest point's value, nothing is added and `merge`
   * (if given) may update that latest point instead (counts, end times).
   */
  add(t: number, value: T, merge?: (latest: T) => void): void {
    const key = this.keyOf(value)
    if (key === this.lastKey) {
      const latest = this.points.at(-1)
      if (merge && latest) merge(latest.value)
      return
    }
    this.lastKey = key
    this.points.push({ t, value })
    if (this.points.length > this.cap) {
      const last = this.points.at(-1)!
      const kept = this.points.filter((_, i) => i % 2 === 0)
      if (kept.at(-1) !== last) kept.push(last)
      this.thinned += this.points.length - kept.length
      this.points = kept
    }
  }

  get length(): number {
    return this.points.length
  }

  toArray(): Array<SeriesPoint<T>> {
    return this.points.slice()
  }
}
