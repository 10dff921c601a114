import type { LagSample } from '../../collect/lag/lag-samples.js'
import type { LagBasis } from './lag-rows.js'

/**
 * Status of a partition over a window of samples, by Burrow's evaluator rules
 * (core/internal/evaluator/caching.go; lag-tools.md §2), adapted to what a read-only sampler can
 * see, plus NEGATIVE. docs/lag.md states the rules and the adaptation; in short:
 *
 * Burrow keeps a ring of *commits* ({offset, commit time, lag at commit}) read from
 * __consumer_offsets. kafka-doctor samples OffsetFetch instead, which gives the committed offset but
 * not when it was committed, so the ring is rebuilt from the samples:
 *   - the first sample seeds the ring with the offset committed then (stamped with its time);
 *   - a later sample whose offset differs from the previous one is a commit at that sample's time;
 *   - a later sample with the same offset counts as a commit (of the same offset) only when a live
 *     member owns the partition — Burrow sees a live consumer's repeated commits, a dead one's not.
 * Each entry's lag is the sample's end (HW, or LSO for read_committed groups) minus its offset.
 *
 * Then, in Burrow's order, with `allowedLag` (Burrow's allowed-lag, default 0):
 *   0. NEGATIVE  — the committed offset is above the HW in every sample that has both (never clamped);
 *   1. fewer than 2 samples: not evaluated (the first sample) — the snapshot state stands;
 *   2. OK        — current lag ≤ allowedLag;
 *   3. STOP      — (now − last commit) > (last commit − first commit), unless the consumer was caught up
 *                  recently: some sampled HW ≤ the last committed offset;
 *   4. REWIND    — an offset went below its predecessor and no later offset got back to it;
 *   5. OK        — some entry had lag ≤ allowedLag;
 *   6. STALL     — every entry has the same offset;
 *   7. WARN      — lag never decreased from one entry to the next;
 *   8. OK.
 */

export const burrowStatuses = ['OK', 'WARN', 'STOP', 'STALL', 'REWIND', 'NEGATIVE'] as const
export type BurrowStatus = (typeof burrowStatuses)[number]

export interface RingEntry {
  t: number
  offset: bigint
  /** End (HW or LSO) minus offset at that sample; null when the end was unknown. */
  lag: bigint | null
}

export interface WindowEvaluation {
  /** null: not evaluated (fewer than 2 samples, no commit or no end in the last sample). */
  status: BurrowStatus | null
  /** Which rule decided, in words (shown with --json and in findings). */
  rule: string
  ring: RingEntry[]
  samples: number
  /** Samples in which the commit was above the HW. */
  negativeSamples: number
}

export interface EvaluatorOptions {
  /** Lag at or below this counts as caught up (Burrow's allowed-lag; default 0). */
  allowedLag?: bigint
  basis?: LagBasis
}

/** `window`: the samples of one group × partition, oldest first. */
export function evaluateWindow(
  window: readonly LagSample[],
  options: EvaluatorOptions = {},
): WindowEvaluation {
  const allowed = options.allowedLag ?? 0n
  const basis = options.basis ?? 'hw'
  const endOf = (s: LagSample) => (basis === 'lso' ? s.lastStableOffset : s.highWatermark)
  const ring = buildRing(window, endOf)
  const result = (status: BurrowStatus | null, rule: string): WindowEvaluation => ({
    status,
    rule,
    ring,
    samples: window.length,
    negativeSamples,
  })
  const comparable = window.filter((s) => s.committed !== null && s.highWatermark !== null)
  const negativeSamples = comparable.filter(
    (s) => (s.committed as bigint) > (s.highWatermark as bigint),
  ).length
  if (comparable.length > 0 && negativeSamples === comparable.length) {
    return result(
      'NEGATIVE',
      `committed above the high watermark in all ${negativeSamples} sample(s) that have both`,
    )
  }
  const last = window[window.length - 1]
  if (!last || last.committed === null) return result(null, 'no committed offset in the last sample')
  const lastEnd = endOf(last)
  if (lastEnd === null)
    return result(null, `no ${basis === 'lso' ? 'last stable offset' : 'high watermark'} in the last sample`)
  if (window.length < 2) return result(null, 'first sample: a window needs at least two')
  const now = last.t
  const currentLag = lastEnd - last.committed
  if (currentLag <= allowed) return result('OK', `current lag ${currentLag} ≤ allowed ${allowed}`)

  const first = ring[0]
  const newest = ring[ring.length - 1]
  if (first && newest) {
    const sinceLast = now - newest.t
    const span = newest.t - first.t
    const caughtUpRecently = window.some((s) => {
      const end = endOf(s)
      return end !== null && end <= newest.offset
    })
    if (sinceLast > span && !caughtUpRecently) {
      return result(
        'STOP',
        `no commit for ${seconds(sinceLast)}, longer than the ${seconds(span)} the window's commits spanned, and the end never came down to the last committed offset ${newest.offset}`,
      )
    }
  }
  for (let i = 1; i < ring.length; i++) {
    const previous = ring[i - 1]!.offset
    if (ring[i]!.offset < previous && !ring.slice(i + 1).some((e) => e.offset >= previous)) {
      return result(
        'REWIND',
        `the committed offset went back from ${previous} to ${ring[i]!.offset} and did not recover`,
      )
    }
  }
  if (ring.some((e) => e.lag !== null && e.lag <= allowed))
    return result('OK', `lag was ≤ ${allowed} within the window`)
  if (ring.length > 0 && ring.every((e) => e.offset === ring[0]!.offset)) {
    return result(
      'STALL',
      `the committed offset stayed at ${ring[0]!.offset} in all ${ring.length} commit(s) while lag stayed above ${allowed}`,
    )
  }
  let decreased = false
  for (let i = 1; i < ring.length; i++) {
    const a = ring[i - 1]!.lag
    const b = ring[i]!.lag
    if (a !== null && b !== null && b < a) decreased = true
  }
  if (!decreased)
    return result(
      'WARN',
      `lag never decreased over ${ring.length} commit(s) (${ring.map((e) => e.lag ?? '?').join(' → ')})`,
    )
  return result('OK', 'lag decreased within the window')
}

export function buildRing(window: readonly LagSample[], endOf: (s: LagSample) => bigint | null): RingEntry[] {
  const ring: RingEntry[] = []
  let previous: bigint | null = null
  window.forEach((s, i) => {
    if (s.committed === null) {
      previous = null
      return
    }
    const changed = previous === null || s.committed !== previous
    if (i === 0 || changed || s.owner !== null) {
      const end = endOf(s)
      ring.push({ t: s.t, offset: s.committed, lag: end === null ? null : end - s.committed })
    }
    previous = s.committed
  })
  return ring
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

/** Burrow's order (core/protocol/evaluator.go) with NEGATIVE above everything. */
const rank: Record<BurrowStatus, number> = { OK: 1, WARN: 2, STOP: 4, STALL: 5, REWIND: 6, NEGATIVE: 7 }

export type GroupStatus = 'OK' | 'WARN' | 'ERR'

/** The group's status: the worst partition's, where anything above WARN is reported as ERR (as Burrow does). */
export function groupStatus(statuses: Iterable<BurrowStatus | null>): GroupStatus {
  let worst = 0
  for (const s of statuses) if (s !== null) worst = Math.max(worst, rank[s])
  return worst >= 3 ? 'ERR' : worst === 2 ? 'WARN' : 'OK'
}

export function compareBurrowStatus(a: BurrowStatus, b: BurrowStatus): number {
  return rank[a] - rank[b]
}
