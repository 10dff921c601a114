import { describe, expect, it } from 'vitest'
import { CompactSeries } from '../../../src/analyse/traffic/compact-series.js'
import { Timeline } from '../../../src/analyse/traffic/timeline.js'

describe('Timeline', () => {
  it('one-second buckets, widened by merging when there would be too many', () => {
    const t = new Timeline(4)
    for (let s = 0; s < 8; s++) t.add(s + 0.5, 'Fetch', 100, true, s === 3)
    const report = t.toReport()
    expect(report.bucketS).toBe(2)
    expect(report.buckets.map((b) => [b.t, b.requests, b.errors, b.bytes])).toEqual([
      [0, 2, 0, 200],
      [2, 2, 1, 200],
      [4, 2, 0, 200],
      [6, 2, 0, 200],
    ])
    expect(report.buckets[1]?.byApi.Fetch).toEqual({ requests: 2, errors: 1, bytes: 200 })
  })
})

describe('CompactSeries', () => {
  it('keeps changes only, merges repeats, thins to its cap keeping the first and the latest', () => {
    const s = new CompactSeries<{ v: number; n: number }>((x) => String(x.v), 4)
    for (let i = 0; i < 10; i++) s.add(i, { v: Math.floor(i / 2), n: 1 }, (latest) => latest.n++)
    const points = s.toArray()
    expect(points.length).toBeLessThanOrEqual(4)
    expect(points[0]).toEqual({ t: 0, value: { v: 0, n: 2 } })
    expect(points.at(-1)).toEqual({ t: 8, value: { v: 4, n: 2 } })
    expect(s.thinned).toBeGreaterThan(0)
  })
})
