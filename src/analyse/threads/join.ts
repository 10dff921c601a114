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
  /** % of the interval spent runnable but waiting for a CPU, when known (schedstat). */
  runQueuePercent?: number
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
    threads.push(sample(cpu.tid, dumped, dumpIndex, kernel, cpu, thresholds))
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
  cpu: Omit<ThreadCpu, 'tid'> | undefined,
  thresholds: ClassifyThresholds,
): ThreadSample {
  const name = dumped?.name ?? kernel?.comm ?? (tid === undefined ? '?' : `tid ${tid}`)
  const classified = classifyThread(
    {
      name,
      ...(dumped ? { dumped } : {}),
      ...(cpu ? { cpuPercent: cpu.cpuPercent } : {}),
      ...(cpu?.runQueuePercent !== undefined ? { runQueuePercent: cpu.runQueuePercent } : {}),
    },
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
    if (cpu.runQueuePercent !== undefined) out.runQueuePercent = round3(cpu.runQueuePercent)
  }
  const state =
    dumped?.state ?? (dumped?.carryingVirtualThread !== undefined ? 'CARRYING-VIRTUAL' : kernel?.state)
  if (state) out.state = state
  if (dumpIndex !== undefined) out.dumpIndex = dumpIndex
  return out
}

/**
 * The top `count` threads over all rounds, by mean CPU (then by name, for a stable order). A thread's
 * reported classification is the one it got in most rounds (a spinning consumer is now and then
 * caught outside the client's frames); its CPU figure and stack come from its hottest round with that
 * classification.
 */
export function hottestThreads(rounds: readonly ThreadsRound[], count: number): HotThread[] {
  interface Seen {
    sample: ThreadSample
    round: ThreadsRound
  }
  const byKey = new Map<string, Seen[]>()
  for (const round of rounds) {
    for (const sample of round.threads) {
      const key = sample.tid !== undefined ? `tid:${sample.tid}` : `name:${sample.name}`
      const list = byKey.get(key)
      if (list) list.push({ sample, round })
      else byKey.set(key, [{ sample, round }])
    }
  }
  const hot: HotThread[] = []
  for (const seen of byKey.values()) {
    const kinds: HotThread['kinds'] = {}
    for (const { sample } of seen)
      kinds[sample.classification.kind] = (kinds[sample.classification.kind] ?? 0) + 1
    const cpus = seen.map((s) => s.sample.cpuPercent).filter((c): c is number => c !== undefined)
    const majority = Math.max(...Object.values(kinds))
    const best = seen
      .filter((s) => kinds[s.sample.classification.kind] === majority)
      .reduce((a, b) => ((b.sample.cpuPercent ?? -1) > (a.sample.cpuPercent ?? -1) ? b : a))
    const frames =
      best.sample.dumpIndex === undefined
        ? []
        : (best.round.dump?.threads[best.sample.dumpIndex]?.frames ?? [])
    const h: HotThread = { ...best.sample, rounds: seen.length, fromRound: best.round.index, kinds, frames }
    if (cpus.length > 0) {
      h.meanCpuPercent = round3(cpus.reduce((a, b) => a + b, 0) / cpus.length)
      h.maxCpuPercent = round3(Math.max(...cpus))
    }
    hot.push(h)
  }
  hot.sort((a, b) => (b.meanCpuPercent ?? -1) - (a.meanCpuPercent ?? -1) || a.name.localeCompare(b.name))
  return hot.slice(0, count)
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000
}
