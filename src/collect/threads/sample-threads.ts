import { setTimeout as sleep } from 'node:timers/promises'
import { type ClassifyThresholds, defaultThresholds } from '../../analyse/threads/classify.js'
import { buildRound, hottestThreads } from '../../analyse/threads/join.js'
import { isKafkaDoctorError, PermissionError } from '../../errors.js'
import { clockTicksPerSecond } from './clock-ticks.js'
import { cpuFromDumps } from './dump-cpu.js'
import { type DumpText, takeThreadDump } from './dump-runner.js'
import type { DumpTool } from './jdk-tools.js'
import { inspectJvm, type JvmTarget } from './jvm-target.js'
import { cpuDeltas, ThreadCpuReader } from './proc-stat.js'
import { parseThreadDump } from './thread-dump.js'
import type { ThreadDump } from './thread-dump-types.js'
import { type ThreadsResult, type ThreadsRound, threadsResultSchema } from './threads-result.js'

/**
 * `kafka-doctor threads --pid P` as a library call: per round, read every thread's CPU from /proc,
 * wait `intervalMs`, read again, and take a thread dump right away, so that the stack belongs to the
 * interval just measured. Where /proc is not readable the rounds fall back to the `cpu=` figures of
 * consecutive dumps (JDK 11+).
 *
 *   const result = await sampleThreads({ pid: 1234, intervalMs: 1000, rounds: 3, top: 5 })
 *   result.hottest[0].classification.kind   // 'kafka-poll-spinning'
 */
export interface SampleThreadsOptions {
  pid: number
  /** Length of each CPU sample, ms (default 1000). */
  intervalMs?: number
  /** Number of sample rounds, each followed by a dump (default 1). */
  rounds?: number
  /** How many threads `hottest` keeps (default 5). */
  top?: number
  /** Take a dump after each round (default true). Without dumps only kernel names are known. */
  dumps?: boolean
  /** Keep each dump's text in the result (default true; the CLI drops it from --json). */
  keepDumpText?: boolean
  /** A dump failure: throw (default, the CLI exits 3) or record a warning and go on without stacks. */
  onDumpError?: 'throw' | 'warn'
  dumpTimeoutMs?: number
  thresholds?: ClassifyThresholds
  /** Progress messages (the CLI shows them on a TTY only). */
  onProgress?: (message: string) => void
  /** Override tool discovery (tests). */
  tools?: DumpTool[]
  signal?: AbortSignal
}

export async function sampleThreads(options: SampleThreadsOptions): Promise<ThreadsResult> {
  const target = inspectJvm(options.pid)
  const intervalMs = options.intervalMs ?? 1000
  const roundCount = options.rounds ?? 1
  const thresholds = options.thresholds ?? defaultThresholds
  const warnings: string[] = []
  const clockTicks = await clockTicksPerSecond()

  let reader: ThreadCpuReader | undefined
  try {
    reader = new ThreadCpuReader(target.pid, { clockTicks })
    reader.sample()
  } catch (error) {
    if (!(error instanceof PermissionError)) throw error
    reader?.close()
    reader = undefined
    warnings.push(`${error.message}; using the cpu= figures of consecutive thread dumps instead (JDK 11+)`)
  }

  const rounds: ThreadsRound[] = []
  let jvm: ThreadsResult['jvm']
  try {
    if (reader) {
      for (let index = 0; index < roundCount; index++) {
        options.onProgress?.(`round ${index + 1}/${roundCount}: sampling CPU for ${intervalMs} ms`)
        const startedAt = new Date().toISOString()
        const before = reader.sample()
        await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : {})
        const after = reader.sample()
        const cpu = cpuDeltas(before, after)
        let dump: DumpText | undefined
        if (options.dumps !== false) {
          options.onProgress?.(`round ${index + 1}/${roundCount}: taking a thread dump`)
          dump = await dumpOrWarn(target, options, warnings)
        }
        const parsed = dump ? parseDump(dump, warnings) : undefined
        if (parsed?.vm) jvm ??= jvmOf(parsed)
        const joined = new Set(parsed?.threads.map((t) => t.osTid) ?? [])
        const kernel = reader.describe(cpu.filter((c) => !joined.has(c.tid)).map((c) => c.tid))
        rounds.push(
          buildRound({
            index,
            startedAt,
            intervalMs: after.atMs - before.atMs,
            cpuMethod: reader.source,
            cpu,
            kernel,
            ...(parsed ? { dump: parsed } : {}),
            ...(dump && options.keepDumpText !== false ? { dumpText: dump.text } : {}),
            ...(dump ? { dumpSource: dump.via } : {}),
            thresholds,
          }),
        )
      }
    } else {
      // Without /proc: N rounds need N+1 dumps.
      let previous = await takeThreadDump(target, dumpOptions(options))
      let previousAt = performance.now()
      for (let index = 0; index < roundCount; index++) {
        options.onProgress?.(`round ${index + 1}/${roundCount}: waiting ${intervalMs} ms between dumps`)
        const startedAt = new Date().toISOString()
        await sleep(intervalMs, undefined, options.signal ? { signal: options.signal } : {})
        const current = await takeThreadDump(target, dumpOptions(options))
        const now = performance.now()
        const before = parseDump(previous, warnings)
        const after = parseDump(current, warnings)
        jvm ??= jvmOf(after)
        const deltas = cpuFromDumps(before, after, now - previousAt)
        if (deltas.cpu.length === 0) {
          warnings.push('the dumps carry no cpu= figures (JDK 8 or older): CPU per thread is unknown')
        }
        rounds.push(
          buildRound({
            index,
            startedAt,
            intervalMs: deltas.intervalMs,
            cpuMethod: deltas.cpu.length > 0 ? 'dump-cpu' : 'none',
            cpu: deltas.cpu,
            dump: after,
            ...(options.keepDumpText !== false ? { dumpText: current.text } : {}),
            dumpSource: current.via,
            thresholds,
          }),
        )
        previous = current
        previousAt = now
      }
    }
  } finally {
    reader?.close()
  }

  const result: ThreadsResult = {
    schema: threadsResultSchema,
    pid: target.pid,
    target: describeTarget(target),
    cpuMethod: rounds[0]?.cpuMethod ?? 'none',
    clockTicksPerSecond: clockTicks,
    rounds,
    hottest: hottestThreads(rounds, options.top ?? 5),
    warnings,
  }
  if (jvm) result.jvm = jvm
  return result
}

function dumpOptions(options: SampleThreadsOptions) {
  return {
    ...(options.tools ? { tools: options.tools } : {}),
    ...(options.dumpTimeoutMs ? { timeoutMs: options.dumpTimeoutMs } : {}),
  }
}

async function dumpOrWarn(
  target: JvmTarget,
  options: SampleThreadsOptions,
  warnings: string[],
): Promise<DumpText | undefined> {
  try {
    return await takeThreadDump(target, dumpOptions(options))
  } catch (error) {
    if (options.onDumpError !== 'warn' || !isKafkaDoctorError(error)) throw error
    warnings.push(error.oneLine())
    return undefined
  }
}

function parseDump(dump: DumpText, warnings: string[]): ThreadDump {
  const parsed = parseThreadDump(dump.text)
  for (const w of parsed.warnings) warnings.push(`dump via ${dump.via}: ${w}`)
  return parsed
}

export function jvmOf(dump: ThreadDump): NonNullable<ThreadsResult['jvm']> {
  const jvm: NonNullable<ThreadsResult['jvm']> = {}
  if (dump.vm) jvm.vm = dump.vm
  if (dump.jdkMajor !== undefined) jvm.jdkMajor = dump.jdkMajor
  return jvm
}

function describeTarget(target: JvmTarget): NonNullable<ThreadsResult['target']> {
  const out: NonNullable<ThreadsResult['target']> = {
    name: target.name,
    uid: target.uid,
    nsPid: target.nsPid,
    otherMountNamespace: target.otherMountNamespace,
  }
  if (target.exe) out.exe = target.exe
  if (target.user) out.user = target.user
  return out
}
