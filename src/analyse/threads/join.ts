import type { DumpedThread, ThreadDump } from '../../collect/threads/thread-dump-types.js'
import type {
  HotThread,
  ThreadCpuMethod,
  ThreadSample,
  ThreadsRound,
} from '../../collect/threads/threads-result.js'
import { type ClassifyThresholds, classifyThread, defaultThresholds } from './classify.js'

/**
 * Joins per-thread CPU (keyed by Linux tid) with a thread dump (keyed by nid / JDK 21 `[tid]`): the
 * step an operator does by hand with `printf '%x'` and `grep nid=`. Threads only in /proc (a thread
 * born after the dump) keep their kernel name; threads only in the dump (no nid, or born after the
 * CPU sample) keep CPU unknown.
 */
export interface ThreadCpu {
  tid: number
  cpuMs: number
  cpuPercent: number
}

export interface RoundInput {
  index: number
  startedAt: string
  intervalMs: number
  cpuMethod: ThreadCpuMethod
  cpu: readonly ThreadCpu[]
  /** Kernel name and state letter per tid, when known. */
  kernel?: ReadonlyMap<number, { comm: string; state: string }>
  dump?: ThreadDump
  dumpText?: string
  dumpSource?: string
  thresholds?: ClassifyThresholds
}

export function buildRound(input: RoundInput): ThreadsRound {
  const thresholds = input.thresholds ?? defaultThresholds
  const byTid = new Map<number, number>()
  input.dump?.threads.forEach((t, i) => {
    if (t.osTid !== undefined) byTid.set(t.osTid, i)
  })
  const threads: ThreadSample[] = []
  const joined = new Set<number>()
  for (const cpu of input.cpu) {
    const dumpIndex = byTid.get(cpu.tid)
    const dumped = dumpIndex === undefined ? undefined : input.dump?.threads[dumpIndex]
    if (dumpIndex !== undefined) joined.add(dumpIndex)
    const kernel = input.kernel?.get(cpu.tid)
    threads.push(
      sample(
        cpu.tid,
        dumped,
        dumpIndex,
        kernel,
        { cpuMs: cpu.cpuMs, cpuPercent: cpu.cpuPercent },
        thresholds,
      ),
    )
  }
  input.dump?.threads.forEach((dumped, i) => {
    if (!joined.has(i)) threads.push(sample(dumped.osTid, dumped, i, undefined, undefined, thresholds))
  })
  threads.sort((a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1))
  const round: ThreadsRound = {
    index: input.index,
    startedAt: input.startedAt,
    intervalMs: round3(input.intervalMs),
    cpuMethod: input.cpuMethod,
    threads,
  }
  if (input.cpu.length > 0)
    round.processCpuPercent = round3(input.cpu.reduce((sum, c) => sum + c.cpuPercent, 0))
  if (input.dump) round.dump = input.dump
  if (input.dumpText !== undefined) round.dumpText = input.dumpText
  if (input.dumpSource !== undefined) round.dumpSource = input.dumpSource
  return round
}

function sample(
  tid: number | undefined,
  dumped: DumpedThread | undefined,
  dumpIndex: number | undefined,
  kernel: { comm: string; state: string } | undefined,
  cpu: { cpuMs: number; cpuPercent: number } | undefined,
  thresholds: ClassifyThresholds,
): ThreadSample {
  const name = dumped?.name ?? kernel?.comm ?? (tid === undefined ? '?' : `tid ${tid}`)
  const classified = classifyThread(
    { name, ...(dumped ? { dumped } : {}), ...(cpu ? { cpuPercent: cpu.cpuPercent } : {}) },
    thresholds,
  )
  const out: ThreadSample = { name, classification: classified }
  if (tid !== undefined) {
    out.tid = tid
    out.nidHex = `0x${tid.toString(16)}`
  }
  if (dumped?.javaId !== undefined) out.javaId = dumped.javaId
  if (cpu) {
    out.cpuPercent = round3(cpu.cpuPercent)
    out.cpuMs = round3(cpu.cpuMs)
  }
  const state =
    dumped?.state ?? (dumped?.carryingVirtualThread !== undefined ? 'CARRYING-VIRTUAL' : kernel?.state)
  if (state) out.state = state
  if (dumpIndex !== undefined) out.dumpIndex = dumpIndex
  return out
}

/** The top `count` threads over all rounds, by mean CPU (then by name, for a stable order). */
export function hottestThreads(rounds: readonly ThreadsRound[], count: number): HotThread[] {
  interface Acc {
    best: ThreadSample
    bestRound: ThreadsRound
    sum: number
    max: number
    seen: number
    withCpu: number
    kinds: HotThread['kinds']
  }
  const byKey = new Map<string, Acc>()
  for (const round of rounds) {
    for (const t of round.threads) {
      const key = t.tid !== undefined ? `tid:${t.tid}` : `name:${t.name}`
      const cpu = t.cpuPercent
      let acc = byKey.get(key)
      if (!acc) {
        acc = { best: t, bestRound: round, sum: 0, max: -1, seen: 0, withCpu: 0, kinds: {} }
        byKey.set(key, acc)
      }
      acc.seen++
      acc.kinds[t.classification.kind] = (acc.kinds[t.classification.kind] ?? 0) + 1
      if (cpu !== undefined) {
        acc.sum += cpu
        acc.withCpu++
        if (cpu > acc.max) {
          acc.max = cpu
          acc.best = t
          acc.bestRound = round
        }
      } else if (acc.withCpu === 0) {
        acc.best = t
        acc.bestRound = round
      }
    }
  }
  const hot: HotThread[] = []
  for (const acc of byKey.values()) {
    const frames =
      acc.best.dumpIndex === undefined ? [] : (acc.bestRound.dump?.threads[acc.best.dumpIndex]?.frames ?? [])
    const h: HotThread = {
      ...acc.best,
      rounds: acc.seen,
      fromRound: acc.bestRound.index,
      kinds: acc.kinds,
      frames,
    }
    if (acc.withCpu > 0) {
      h.meanCpuPercent = round3(acc.sum / acc.withCpu)
      h.maxCpuPercent = round3(acc.max)
    }
    hot.push(h)
  }
  hot.sort((a, b) => (b.meanCpuPercent ?? -1) - (a.meanCpuPercent ?? -1) || a.name.localeCompare(b.name))
  return hot.slice(0, count)
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
