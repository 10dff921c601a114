import { describe, expect, it } from 'vitest'
import { HwHistory } from '../../../src/analyse/lag/time-lag.js'

const history = (...points: [seconds: number, offset: number][]) => {
  const h = new HwHistory()
  for (const [s, o] of points) h.add({ t: s * 1000, offset: BigInt(o) })
  return h
}

describe('HwHistory.lookup: lag in seconds from the high-watermark history', () => {
  it('interpolates between the two samples that bracket the committed offset', () => {
    // The HW passed 150 halfway between t=10 s (100) and t=20 s (200): 15 s; now is 30 s → 15 s behind.
    expect(history([0, 0], [10, 100], [20, 200], [30, 300]).lookup(150n, 30_000)).toEqual({
      seconds: 15,
      kind: 'exact',
      reason: 'interpolated between two samples',
    })
  })

  it('is zero for a commit at the latest HW, unknown without a commit or with one sample', () => {
    expect(history([0, 0], [10, 100]).lookup(100n, 10_000)).toMatchObject({ seconds: 0, kind: 'zero' })
    expect(history([0, 0], [10, 100]).lookup(null, 10_000)).toMatchObject({ seconds: null, kind: 'unknown' })
    expect(history([10, 100]).lookup(50n, 10_000)).toMatchObject({ seconds: null, kind: 'unknown' })
  })

  it('has no time lag for a commit above the HW (negative lag)', () => {
    expect(history([0, 0], [10, 100]).lookup(120n, 10_000)).toMatchObject({ seconds: null, kind: 'negative' })
  })

  it('on an idle topic gives a lower bound: the missing records are older than the history', () => {
    expect(history([0, 500], [10, 500], [20, 500]).lookup(400n, 20_000)).toEqual({
      seconds: 20,
      kind: 'at-least',
      reason:
        'the high watermark has not moved since the first sample: the missing records are older than that',
    })
  })

  it('extrapolates from the oldest and newest points for a commit older than the history', () => {
    // 10 offsets per second; offset 50 would have been the HW at t = -5 s; now 20 s → 25 s behind.
    expect(history([0, 100], [10, 200], [20, 300]).lookup(50n, 20_000)).toMatchObject({
      seconds: 25,
      kind: 'extrapolated',
    })
  })

  it('picks the last time the HW still was at the commit inside a flat run', () => {
    // Flat at 100 from 0 s to 10 s, then 200 at 20 s: the record at 100 came after 10 s.
    expect(history([0, 100], [10, 100], [20, 200]).lookup(100n, 20_000)).toMatchObject({
      seconds: 10,
      kind: 'exact',
    })
  })

  it('keeps flat runs to two points, drops out-of-order points, starts over when the HW goes down', () => {
    const h = history([0, 10], [1, 10], [2, 10], [3, 10], [3, 99], [2, 50])
    expect(h.points.map((p) => [p.t, Number(p.offset)])).toEqual([
      [0, 10],
      [3000, 10],
    ])
    h.add({ t: 4000, offset: 5n }) // truncated or recreated: the old history means nothing now
    expect(h.points.map((p) => Number(p.offset))).toEqual([5])
  })

  it('keeps at most `limit` points', () => {
    const h = new HwHistory(3)
    for (let i = 0; i < 10; i++) h.add({ t: i, offset: BigInt(i) })
    expect(h.points.map((p) => p.t)).toEqual([7, 8, 9])
  })
})
