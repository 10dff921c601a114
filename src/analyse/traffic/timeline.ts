import type { TimelineBucket } from './traffic-report.js'

/**
 * Requests, errors and bytes per API per time bucket. Buckets start one second wide; when there
 * would be more than `maxBuckets`, the width doubles and neighbours merge, so a day-long capture gives
 * the same bounded number of rows as a minute-long one.
 */
export class Timeline {
  private bucketS = 1
  private buckets = new Map<number, TimelineBucket>()

  constructor(private readonly maxBuckets = 3600) {}

  add(t: number, api: string, bytes: number, request: boolean, error: boolean): void {
    let index = Math.floor(Math.max(0, t) / this.bucketS)
    let bucket = this.buckets.get(index)
    if (!bucket) {
      // Widen until there is room (timestamps far apart, e.g. a corrupt capture, need several steps).
      while (this.buckets.size >= this.maxBuckets) {
        this.widen()
        index = Math.floor(Math.max(0, t) / this.bucketS)
        bucket = this.buckets.get(index)
        if (bucket) break
      }
      if (!bucket) {
        bucket = { t: index * this.bucketS, requests: 0, errors: 0, bytes: 0, byApi: {} }
        this.buckets.set(index, bucket)
      }
    }
    const perApi = apiCounts(bucket, api)
    bucket.bytes += bytes
    perApi.bytes += bytes
    if (request) {
      bucket.requests++
      perApi.requests++
    }
    if (error) {
      bucket.errors++
      perApi.errors++
    }
  }

  private widen(): void {
    this.bucketS *= 2
    const merged = new Map<number, TimelineBucket>()
    for (const [index, bucket] of this.buckets) {
      const target = Math.floor(index / 2)
      const into = merged.get(target)
      if (!into) {
        merged.set(target, { ...bucket, t: target * this.bucketS })
        continue
      }
      into.requests += bucket.requests
      into.errors += bucket.errors
      into.bytes += bucket.bytes
      for (const [api, counts] of Object.entries(bucket.byApi)) {
        const sum = apiCounts(into, api)
        sum.requests += counts.requests
        sum.errors += counts.errors
        sum.bytes += counts.bytes
      }
    }
    this.buckets = merged
  }

  toReport(): { bucketS: number; buckets: TimelineBucket[] } {
    return { bucketS: this.bucketS, buckets: [...this.buckets.values()].sort((a, b) => a.t - b.t) }
  }
}

function apiCounts(bucket: TimelineBucket, api: string): TimelineBucket['byApi'][string] {
  let counts = bucket.byApi[api]
  if (!counts) {
    counts = { requests: 0, errors: 0, bytes: 0 }
    bucket.byApi[api] = counts
  }
  return counts
}
