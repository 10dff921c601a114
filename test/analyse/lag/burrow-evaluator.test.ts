import { describe, expect, it } from 'vitest'
import {
  type BurrowStatus,
  buildRing,
  evaluateWindow,
  groupStatus,
} from '../../../src/analyse/lag/burrow-evaluator.js'
import { type LagSample, lagSampleSchema } from '../../../src/collect/lag/lag-samples.js'

/**
 * The evaluator over generated windows, one rule at a time, in the order docs/lag.md gives them.
 * `w(...)` builds a window of samples 10 s apart from [committed, hw, owner?] triples.
 */
function w(...points: [committed: number | null, hw: number | null, owner?: string | null][]): LagSample[] {
  return points.map(([committed, hw, owner], i) => ({
    schema: lagSampleSchema,
    sample: i,
    t: 1_000_000 + i * 10_000,
    group: 'g',
    groupState: owner ? 'Stable' : 'Empty',
    topic: 't',
    partition: 0,
    topicId: 'id',
    committed: committed === null ? null : BigInt(committed),
    committedEpoch: 0,
    highWatermark: hw === null ? null : BigInt(hw),
    lastStableOffset: hw === null ? null : BigInt(hw),
    logStartOffset: 0n,
    leader: 1,
    leaderEpoch: 0,
    error: hw === null ? 'OFFSET_NOT_AVAILABLE' : null,
    owner: owner ?? null,
  }))
}

const status = (window: LagSample[], allowedLag?: bigint) =>
  evaluateWindow(window, allowedLag === undefined ? {} : { allowedLag }).status

describe('the ring rebuilt from samples', () => {
  it('seeds with the first sample, adds changed offsets, and repeats only for a live owner', () => {
    const ring = buildRing(
      w([10, 20], [10, 25], [15, 30, 'm'], [15, 35, 'm'], [15, 40], [18, 45]),
      (s) => s.highWatermark,
    )
    expect(ring.map((e) => [e.t - 1_000_000, Number(e.offset), Number(e.lag)])).toEqual([
      [0, 10, 10],
      [20_000, 15, 15],
      [30_000, 15, 20],
      [50_000, 18, 27],
    ])
  })
})

describe('evaluateWindow: Burrow’s rules in order', () => {
  it('rule 0: NEGATIVE when the commit is above the HW in every sample', () => {
    expect(status(w([120, 100], [120, 100], [120, 101]))).toBe('NEGATIVE')
    // Once at or below the HW it is not persistent: the rest of the rules decide.
    expect(status(w([120, 100], [120, 120], [120, 130]))).not.toBe('NEGATIVE')
    // Even a single sample: negative lag needs no window.
    expect(status(w([5, 3]))).toBe('NEGATIVE')
  })

  it('rule 1: not evaluated on the first sample, without a commit, or without an end', () => {
    expect(evaluateWindow(w([10, 20])).status).toBeNull()
    expect(evaluateWindow(w([10, 20])).rule).toContain('first sample')
    expect(evaluateWindow(w([10, 20], [null, 30])).status).toBeNull()
    expect(evaluateWindow(w([10, 20], [10, null])).status).toBeNull()
  })

  it('rule 2: OK when the current lag is within allowed-lag', () => {
    expect(status(w([10, 20], [30, 30]))).toBe('OK')
    const window = w([10, 20], [10, 20], [20, 25])
    expect(evaluateWindow(window, { allowedLag: 5n }).rule).toBe('current lag 5 ≤ allowed 5')
    // Above allowed-lag the later rules decide (here: the lag fell from 10 to 5, rule 8).
    expect(evaluateWindow(window, { allowedLag: 4n }).rule).toBe('lag decreased within the window')
  })

  it('rule 3: STOP when the last commit is older than the commits’ span and the consumer was never caught up', () => {
    // Nobody owns the partition: the offset never moves, so the only commit is the first sample.
    expect(status(w([10, 20], [10, 30], [10, 40]))).toBe('STOP')
    // Commits over 20 s, then 30 s without one: 30 > 20.
    expect(status(w([10, 20], [11, 30], [12, 40], [12, 50], [12, 60], [12, 70]))).toBe('STOP')
    // Commits over 30 s, then 20 s without: 20 < 30 — not stopped (and lag rose: WARN).
    expect(status(w([10, 20], [11, 30], [12, 40], [13, 50], [13, 60], [13, 70]))).toBe('WARN')
  })

  it('rule 3 exception: a stopped consumer that was caught up recently is not STOP', () => {
    // The HW was at the committed offset in the first sample (idle topic), data arrived later.
    expect(status(w([10, 10], [10, 10], [10, 15]))).not.toBe('STOP')
  })

  it('rule 4: REWIND when the offset goes back and does not recover', () => {
    expect(status(w([50, 60, 'm'], [40, 70, 'm'], [45, 80, 'm']))).toBe('REWIND')
    // Recovered: a later offset reaches the old one again.
    expect(status(w([50, 60, 'm'], [40, 70, 'm'], [55, 80, 'm']))).not.toBe('REWIND')
  })

  it('rule 5: OK when some entry in the window had lag within allowed-lag', () => {
    expect(status(w([10, 10, 'm'], [12, 20, 'm'], [14, 30, 'm']))).toBe('OK')
  })

  it('rule 6: STALL when every commit is the same offset and lag never reached zero', () => {
    // A live owner keeps "committing" the same offset: not STOP (its commits keep coming), but stuck.
    expect(status(w([10, 20, 'm'], [10, 30, 'm'], [10, 40, 'm']))).toBe('STALL')
    // Same offsets and a constant lag: still STALL, not WARN (STALL is checked first).
    expect(status(w([10, 20, 'm'], [10, 20, 'm'], [10, 20, 'm']))).toBe('STALL')
  })

  it('rule 7: WARN when the lag never decreased between commits', () => {
    expect(status(w([10, 20, 'm'], [12, 30, 'm'], [14, 40, 'm']))).toBe('WARN')
    expect(status(w([10, 20, 'm'], [12, 22, 'm'], [14, 24, 'm']))).toBe('WARN')
  })

  it('rule 8: OK when the lag decreased somewhere', () => {
    expect(status(w([10, 30, 'm'], [25, 40, 'm'], [30, 60, 'm']))).toBe('OK')
  })

  it('uses the LSO as the end for read_committed groups', () => {
    const window = w([42, 62, 'm'], [42, 62, 'm'], [42, 62, 'm']).map((s) => ({
      ...s,
      lastStableOffset: 42n,
    }))
    expect(evaluateWindow(window, { basis: 'hw' }).status).toBe('STALL')
    expect(evaluateWindow(window, { basis: 'lso' }).status).toBe('OK')
  })
})

describe('evaluateWindow over generated windows', () => {
  // A deterministic generator: random walks of producers and consumers, checked against rule facts
  // that must hold whatever the walk.
  const random = (seed: number) => () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }

  it('never reports STALL with moving offsets, never WARN with a falling lag, NEGATIVE iff always above', () => {
    const next = random(7)
    const seen = new Set<BurrowStatus | null>()
    for (let run = 0; run < 2000; run++) {
      const n = 2 + Math.floor(next() * 9)
      let hw = Math.floor(next() * 100)
      let committed = Math.floor(next() * 120)
      const owned = next() < 0.6
      const points: [number, number, string | null][] = []
      for (let i = 0; i < n; i++) {
        hw += Math.floor(next() * 20)
        const step = next() < 0.4 ? 0 : Math.floor(next() * 25)
        committed = Math.max(0, committed + step - (next() < 0.1 ? 30 : 0))
        points.push([committed, hw, owned ? 'm' : null])
      }
      const window = w(...points)
      const result = evaluateWindow(window)
      seen.add(result.status)
      const above = points.every(([c, h]) => c > h)
      expect(result.status === 'NEGATIVE', JSON.stringify(points)).toBe(above)
      const last = points[points.length - 1]!
      if (!above && last[1] - last[0] <= 0) expect(result.status).toBe('OK')
      if (result.status === 'STALL') expect(new Set(result.ring.map((e) => e.offset)).size).toBe(1)
      if (result.status === 'WARN') {
        for (let i = 1; i < result.ring.length; i++) {
          expect(result.ring[i]!.lag! >= result.ring[i - 1]!.lag!).toBe(true)
        }
      }
      if (result.status === 'STOP') expect(owned && result.ring.length === n).toBe(false)
    }
    expect([...seen].sort()).toEqual(['NEGATIVE', 'OK', 'REWIND', 'STALL', 'STOP', 'WARN'])
  })
})

describe('groupStatus', () => {
  it('is the worst partition status, with anything above WARN reported as ERR', () => {
    expect(groupStatus(['OK', 'OK', null])).toBe('OK')
    expect(groupStatus(['OK', 'WARN'])).toBe('WARN')
    for (const s of ['STOP', 'STALL', 'REWIND', 'NEGATIVE'] as const)
      expect(groupStatus(['OK', 'WARN', s])).toBe('ERR')
    expect(groupStatus([])).toBe('OK')
  })
})
