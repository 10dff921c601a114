/**
 * Request→response latencies in constant memory: a log-linear histogram over microseconds (values
 * below 64 µs exact, above that 32 buckets per power of two, so a percentile is within ~3% of the
 * true value) plus the exact minimum and maximum. Millions of exchanges cost the same 1.3k counters.
 */
const linearBuckets = 64
const subBucketBits = 5
const subBuckets = 1 << subBucketBits
/** Powers of two covered above the linear range: up to 2^46 µs (~2 years). */
const powers = 40

export interface LatencySummary {
  count: number
  p50Ms: number
  p95Ms: number
  p99Ms: number
  maxMs: number
}

export class LatencyHistogram {
  private readonly counts = new Uint32Array(linearBuckets + powers * subBuckets)
  count = 0
  private maxUs = 0

  /** Adds one latency in nanoseconds (negative values, from clock steps in the capture, count as 0). */
  add(latencyNs: bigint): void {
    const us = latencyNs <= 0n ? 0 : Number(latencyNs / 1000n)
    this.count++
    if (us > this.maxUs) this.maxUs = us
    const index = bucketOf(us)
    this.counts[index] = (this.counts[index] ?? 0) + 1
  }

  /** The value at quantile `q` (0..1) in microseconds: the middle of its bucket, capped by the max. */
  quantileUs(q: number): number {
    if (this.count === 0) return 0
    const rank = Math.max(1, Math.ceil(q * this.count))
    let seen = 0
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0
      if (seen >= rank) return Math.min(bucketMiddle(i), this.maxUs)
    }
    return this.maxUs
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000
    return {
      count: this.count,
      p50Ms: ms(this.quantileUs(0.5)),
      p95Ms: ms(this.quantileUs(0.95)),
      p99Ms: ms(this.quantileUs(0.99)),
      maxMs: ms(this.maxUs),
    }
  }
}

function bucketOf(us: number): number {
  if (us < linearBuckets) return us
  const exponent = Math.min(Math.floor(Math.log2(us)), 6 + powers - 1)
  const sub = Math.min(Math.floor(us / 2 ** (exponent - subBucketBits)) - subBuckets, subBuckets - 1)
  return linearBuckets + (exponent - 6) * subBuckets + sub
}

function bucketMiddle(index: number): number {
  if (index < linearBuckets) return index
  const exponent = Math.floor((index - linearBuckets) / subBuckets) + 6
  const sub = (index - linearBuckets) % subBuckets
  const width = 2 ** (exponent - subBucketBits)
  return (subBuckets + sub) * width + width / 2
}
