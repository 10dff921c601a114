import { setTimeout as sleep } from 'node:timers/promises'
import { type ClassifyThresholds, classifyThread, defaultThresholds } from '../../analyse/threads/classify.js'
import { StackFolder } from '../../analyse/threads/fold.js'
import { hotMethods } from '../../analyse/threads/hot-methods.js'
import { isKafkaDoctorError, type KafkaDoctorError, PermissionError, UsageError } from '../../errors.js'
import { clockTicksPerSecond } from '../threads/clock-ticks.js'
import { takeThreadDump } from '../threads/dump-runner.js'
import type { DumpTool } from '../threads/jdk-tools.js'
import { inspectJvm } from '../threads/jvm-target.js'
import { type CpuSnapshot, ThreadCpuReader } from '../threads/proc-stat.js'
import { parseThreadDump } from '../threads/thread-dump.js'
import type { DumpedThread, ThreadDump } from '../threads/thread-dump-types.js'
import { type ProfiledThread, type ProfileResult, profileResultSchema } from './profile-result.js'

/**
 * A sampling profile of a live JVM from repeated thread dumps — the "poor man's profiler", made honest:
 * every stack is weighted by the CPU its thread used in the interval that ended with the dump (from
 * /proc schedstat), not merely counted, so a thread sitting RUNNABLE in epoll weighs nothing and a
 * spinning one weighs what it burns. Where /proc is unreadable the weights come from the dumps' own
 * `cpu=` figures (JDK 11+).
 *
 * Dumps are taken through kafka-doctor's own attach client (no JVM start-up per dump), falling back
 * to jcmd/jstack; the achieved rate is reported, since a dump costs the JVM a safepoint.
 */
export interface ProfileJvmOptions {
  pid: number
  durationMs: number
  /** Dumps per second (default 10). */
  rate?: number
  /** Only threads whose name contains this text, or whose tid (decimal or 0x-hex) equals it. */
  thread?: string
  preferAttach?: boolean
  tools?: DumpTool[]
  thresholds?: ClassifyThresholds
  hotMethodLimit?: number
  onProgress?: (progress: { elapsedMs: number; durationMs: number; dumps: number }) => void
  signal?: AbortSignal
}

interface ThreadAccumulator {
  name: string
  tid?: number
  weight: number
  /** Run-queue wait (schedstat), µs: for the busy/spinning verdict on a saturated host. */
  waitUs: number
  heaviest?: { weight: number; dumped: DumpedThread }
}

export async function profileJvm(options: ProfileJvmOptions): Promise<ProfileResult> {
  const rate = options.rate ?? 10
  if (!(rate > 0 && rate <= 100))
    throw new UsageError(`--rate must be between 0 and 100 dumps/s, got ${rate}`)
  if (!(options.durationMs > 0)) throw new UsageError('--duration must be positive')
  const target = inspectJvm(options.pid)
  const matches = threadMatcher(options.thread)
  const warnings: string[] = []
  const folder = new StackFolder()
  const threads = new Map<string, ThreadAccumulator>()
  const clockTicks = await clockTicksPerSecond()
  const dumpOptions = {
    preferAttach: options.preferAttach ?? true,
    timeoutMs: 20_000,
    ...(options.tools ? { tools: options.tools } : {}),
  }

  let reader: ThreadCpuReader | undefined
  let previous: CpuSnapshot | undefined
  try {
    reader = new ThreadCpuReader(target.pid, { clockTicks })
    previous = reader.sample()
  } catch (error) {
    if (!(error instanceof PermissionError)) throw error
    reader = undefined
    warnings.push(`${error.message}; weighting stacks by the dumps' cpu= figures instead (JDK 11+)`)
  }

  const startedAt = new Date().toISOString()
  const start = performance.now()
  let dumps = 0
  let via: string | undefined
  let lastDump: ThreadDump | undefined
  let previousCpu: Map<number, number> | undefined // dump cpu= per tid, when /proc is not used
  try {
    for (;;) {
      // Compared as an offset: \`start + offset - start\` can come out a hair above the duration and
      // drop the last dump that is due exactly at its end.
      const dueOffset = ((dumps + 1) * 1000) / rate
      if (dueOffset > options.durationMs) break
      const due = start + dueOffset
      const now = performance.now()
      if (due > now) await sleep(due - now, undefined, options.signal ? { signal: options.signal } : {})
      const snapshot = reader?.sample()
      let text: string
      try {
        const dump = await takeThreadDump(target, dumpOptions)
        text = dump.text
        via ??= dump.via
      } catch (error) {
        if (dumps === 0 || !isKafkaDoctorError(error)) throw error
        warnings.push(`stopped after ${dumps} dumps: ${(error as KafkaDoctorError).oneLine()}`)
        break
      }
      const dump = parseThreadDump(text)
      if (!dump.complete) warnings.push(`dump ${dumps + 1} was truncated`)
      lastDump = dump
      dumps++

      // CPU per tid over the interval that this dump ends.
      const cpuUs = new Map<number, number>()
      const waitUs = new Map<number, number>()
      if (snapshot && previous) {
        for (const [tid, ns] of snapshot.cpuNs) cpuUs.set(tid, (ns - (previous.cpuNs.get(tid) ?? 0)) / 1000)
        for (const [tid, ns] of snapshot.waitNs ?? [])
          waitUs.set(tid, (ns - (previous.waitNs?.get(tid) ?? 0)) / 1000)
        previous = snapshot
      } else {
        const current = new Map<number, number>()
        for (const t of dump.threads)
          if (t.osTid !== undefined && t.cpuMs !== undefined) current.set(t.osTid, t.cpuMs)
        if (previousCpu)
          for (const [tid, ms] of current) cpuUs.set(tid, (ms - (previousCpu.get(tid) ?? 0)) * 1000)
        previousCpu = current
      }

      const seen = new Set<number>()
      for (const t of dump.threads) {
        if (t.osTid === undefined) continue
        seen.add(t.osTid)
        const weight = cpuUs.get(t.osTid) ?? 0
        if (weight <= 0 || !matches(t.name, t.osTid)) continue
        folder.addDumped(t.name, t.frames, weight)
        const acc = accumulator(threads, t.name, t.osTid)
        acc.weight += weight
        acc.waitUs += waitUs.get(t.osTid) ?? 0
        if (!acc.heaviest || weight > acc.heaviest.weight) acc.heaviest = { weight, dumped: t }
      }
      // Threads with CPU but absent from the dump (native threads; threads born after the dump).
      if (reader) {
        const names = reader.describe(
          [...cpuUs.keys()].filter((tid) => !seen.has(tid) && (cpuUs.get(tid) ?? 0) > 0),
        )
        for (const [tid, stat] of names) {
          const weight = cpuUs.get(tid) ?? 0
          if (!matches(stat.comm, tid)) continue
          folder.addFolded([stat.comm], weight)
          accumulator(threads, stat.comm, tid).weight += weight
        }
      }
      options.onProgress?.({ elapsedMs: performance.now() - start, durationMs: options.durationMs, dumps })
    }
  } finally {
    reader?.close()
  }

  const durationMs = performance.now() - start
  if (dumps > 0 && dumps / (durationMs / 1000) < rate * 0.8) {
    warnings.push(
      `achieved ${(dumps / (durationMs / 1000)).toFixed(1)} dumps/s of the ${rate} requested: each dump took longer than the interval`,
    )
  }
  // Each dump stops the JVM at a safepoint; the VM Thread's CPU is what the dumps cost the JVM.
  const vmThreadUs = [...threads.values()]
    .filter((t) => t.name === 'VM Thread')
    .reduce((s, t) => s + t.weight, 0)
  const vmThreadPercent = durationMs > 0 ? vmThreadUs / 10 / durationMs : 0
  if (vmThreadPercent >= 5) {
    warnings.push(
      `the VM Thread used ${vmThreadPercent.toFixed(1)}% of a core, mostly bringing the JVM to a safepoint for each dump: lower --rate to disturb the JVM less`,
    )
  }
  if (folder.totalWeight === 0) {
    warnings.push(
      options.thread
        ? `no CPU was used by threads matching '${options.thread}' during the profile`
        : 'the JVM used no CPU during the profile',
    )
  }
  const thresholds = options.thresholds ?? defaultThresholds
  const profiled: ProfiledThread[] = [...threads.values()]
    .map((acc) => {
      const cpuPercent = durationMs > 0 ? (acc.weight / 1000 / durationMs) * 100 : 0
      const runQueuePercent = durationMs > 0 ? (acc.waitUs / 1000 / durationMs) * 100 : 0
      const c = classifyThread(
        {
          name: acc.name,
          ...(acc.heaviest ? { dumped: acc.heaviest.dumped } : {}),
          cpuPercent,
          runQueuePercent,
        },
        thresholds,
      )
      const p: ProfiledThread = {
        name: acc.name,
        weight: Math.round(acc.weight),
        cpuPercent: Math.round(cpuPercent * 1000) / 1000,
        kind: c.kind,
        label: c.label,
      }
      if (acc.tid !== undefined) p.tid = acc.tid
      return p
    })
    .sort((a, b) => b.weight - a.weight)

  const stacks = folder.stacks()
  const result: ProfileResult = {
    schema: profileResultSchema,
    source: 'jvm-dumps',
    weightUnit: 'cpu-us',
    pid: target.pid,
    startedAt,
    durationMs: Math.round(durationMs),
    dumps,
    achievedRate: Math.round((dumps / (durationMs / 1000)) * 100) / 100,
    requestedRate: rate,
    totalWeight: folder.totalWeight,
    stacks,
    threads: profiled,
    hotMethods: hotMethods(stacks, { limit: options.hotMethodLimit ?? 50 }),
    warnings,
  }
  if (via) result.dumpVia = via
  if (options.thread) result.threadFilter = options.thread
  if (lastDump?.vm) {
    result.jvm = { vm: lastDump.vm }
    if (lastDump.jdkMajor !== undefined) result.jvm.jdkMajor = lastDump.jdkMajor
  }
  return result
}

function accumulator(threads: Map<string, ThreadAccumulator>, name: string, tid: number): ThreadAccumulator {
  const key = `${tid}:${name}`
  let acc = threads.get(key)
  if (!acc) {
    acc = { name, tid, weight: 0, waitUs: 0 }
    threads.set(key, acc)
  }
  return acc
}

/** `--thread 1234`, `--thread 0x4d2` (a tid) or `--thread kafka-coordinator` (part of the name). */
export function threadMatcher(
  filter: string | undefined,
): (name: string, tid: number | undefined) => boolean {
  if (!filter) return () => true
  const tid = /^0x[0-9a-f]+$/i.test(filter)
    ? Number.parseInt(filter.slice(2), 16)
    : /^\d+$/.test(filter)
      ? Number(filter)
      : undefined
  return (name, threadTid) => (tid !== undefined && threadTid === tid) || name.includes(filter)
}
