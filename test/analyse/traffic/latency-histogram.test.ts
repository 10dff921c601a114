import { describe, expect, it } from 'vitest'
import { LatencyHistogram } from '../../../src/analyse/traffic/latency-histogram.js'

describe('LatencyHistogram', () => {
  it('percentiles within 3% of the exact ones, exact max, in constant memory', () => {
    const h = new LatencyHistogram()
    // 1 µs … 10 s, log-uniform: the spread of real request latencies (in-memory answers to long polls).
    const values: number[] = []
    let seed = 7
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      const us = Math.round(10 ** ((seed / 2 ** 31) * 7))
      values.push(us)
      h.add(BigInt(us) * 1000n)
    }
    values.sort((a, b) => a - b)
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = values[Math.ceil(q * values.length) - 1] ?? 0
      expect(Math.abs(h.quantileUs(q) - exact) / exact).toBeLessThan(0.03)
    }
    const summary = h.summary()
    expect(summary.count).toBe(100_000)
    expect(summary.maxMs).toBe((values.at(-1) ?? 0) / 1000)
  })

  it('small values are exact; negative latencies (clock steps) count as 0', () => {
    const h = new LatencyHistogram()
    for (const us of [5, 7, 9]) h.add(BigInt(us * 1000))
    h.add(-5n)
    expect(h.quantileUs(0.5)).toBe(5)
    expect(h.quantileUs(1)).toBe(9)
    expect(h.quantileUs(0)).toBe(0)
  })
})
