import type { ThreadCpu } from '../../analyse/threads/join.js'
import type { ThreadDump } from './thread-dump-types.js'

/**
 * Per-thread CPU from two dumps of the same JVM, for when /proc cannot be read (a container seen from
 * outside, hidepid): JDK 11+ prints each thread's cumulative `cpu=…ms` and `elapsed=…s`, so the
 * difference between two dumps is the CPU used in between. The interval is taken from the threads'
 * own `elapsed=` difference when present (the dumps' wall-clock gap includes the tools' start-up).
 */
export interface DumpCpuDeltas {
  cpu: ThreadCpu[]
  intervalMs: number
  /** Threads with no `cpu=` figure (JDK 8 and older print none). */
  withoutCpu: number
}

export function cpuFromDumps(before: ThreadDump, after: ThreadDump, wallMs?: number): DumpCpuDeltas {
  const earlier = new Map<number, { cpuMs: number; elapsedS?: number }>()
  for (const t of before.threads) {
    if (t.osTid !== undefined && t.cpuMs !== undefined) {
      earlier.set(
        t.osTid,
        t.elapsedS === undefined ? { cpuMs: t.cpuMs } : { cpuMs: t.cpuMs, elapsedS: t.elapsedS },
      )
    }
  }
  const elapsedGaps: number[] = []
  const deltas: Array<{ tid: number; cpuMs: number }> = []
  let withoutCpu = 0
  for (const t of after.threads) {
    if (t.osTid === undefined || t.cpuMs === undefined) {
      withoutCpu++
      continue
    }
    const prior = earlier.get(t.osTid)
    if (prior?.elapsedS !== undefined && t.elapsedS !== undefined)
      elapsedGaps.push(t.elapsedS - prior.elapsedS)
    // A thread born between the dumps used all of its CPU in the interval.
    deltas.push({ tid: t.osTid, cpuMs: Math.max(0, t.cpuMs - (prior?.cpuMs ?? 0)) })
  }
  elapsedGaps.sort((a, b) => a - b)
  const median = elapsedGaps[Math.floor(elapsedGaps.length / 2)]
  const intervalMs = median !== undefined && median > 0 ? median * 1000 : (wallMs ?? 0)
  return {
    cpu: deltas.map((d) => ({ ...d, cpuPercent: intervalMs > 0 ? (d.cpuMs / intervalMs) * 100 : 0 })),
    intervalMs,
    withoutCpu,
  }
}
