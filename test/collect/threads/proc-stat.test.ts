import { describe, expect, it } from 'vitest'
import { cpuDeltas, parseTaskStat, ThreadCpuReader } from '../../../src/collect/threads/proc-stat.js'
import { NotFoundError } from '../../../src/errors.js'

describe('parseTaskStat', () => {
  it('splits after the last parenthesis, so names with spaces and ")" survive', () => {
    const line =
      '9513 (busy) spin+ x) R 1 9467 5122 0 -1 4194368 12 0 0 0 1534 17 0 0 20 0 25 0 56905 9194676224 91714'
    expect(parseTaskStat(line)).toEqual({
      tid: 9513,
      comm: 'busy) spin+ x',
      state: 'R',
      utimeTicks: 1534,
      stimeTicks: 17,
    })
  })

  it('reads this process’s own main thread', async () => {
    const { readFileSync } = await import('node:fs')
    const stat = parseTaskStat(readFileSync(`/proc/${process.pid}/task/${process.pid}/stat`, 'latin1'))
    expect(stat?.tid).toBe(process.pid)
    expect(stat?.state).toBe('R')
  })
})

describe('ThreadCpuReader', () => {
  it('measures a thread that burns CPU, in ns from schedstat, as % of one core', async () => {
    const reader = new ThreadCpuReader(process.pid)
    expect(reader.source).toBe('schedstat')
    const before = reader.sample()
    const until = performance.now() + 300
    let x = 0
    while (performance.now() < until) x += Math.sqrt(x + 1)
    const after = reader.sample()
    reader.close()
    const main = cpuDeltas(before, after).find((d) => d.tid === process.pid)!
    // This (main) thread just spun for ~300 ms of wall time: on a CPU or waiting for one all along.
    expect(main.cpuMs).toBeGreaterThan(10)
    expect(main.cpuPercent + main.runQueuePercent!).toBeGreaterThan(80)
    expect(main.cpuPercent + main.runQueuePercent!).toBeLessThan(105)
    expect(x).toBeGreaterThan(0)
  })

  it('falls back to stat ticks when asked, and fails clearly for a missing process', () => {
    const reader = new ThreadCpuReader(process.pid, { source: 'stat', clockTicks: 100 })
    expect(reader.sample().cpuNs.get(process.pid)! % 10_000_000).toBe(0)
    reader.close()
    expect(() => new ThreadCpuReader(4_000_000).sample()).toThrow(NotFoundError)
  })
})
