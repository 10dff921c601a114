import { type ClassifyThresholds, defaultThresholds } from '../../analyse/threads/classify.js'
import { buildRound, hottestThreads } from '../../analyse/threads/join.js'
import { UsageError } from '../../errors.js'
import { cpuFromDumps } from './dump-cpu.js'
import { jvmOf } from './sample-threads.js'
import { parseThreadDumps } from './thread-dump.js'
import type { ThreadDump } from './thread-dump-types.js'
import { type ThreadsResult, type ThreadsRound, threadsResultSchema } from './threads-result.js'
import { parseTopOutput } from './top-output.js'

/**
 * `kafka-doctor threads --top-file T --jstack-file J` (and `--jstack-file A --jstack-file B`): the same
 * analysis on files someone saved on the consumer's host.
 *
 * - top output + one dump: top's %CPU per thread (its last iteration) joined to the dump by nid.
 * - two or more dumps (separate files, or concatenated in one): `cpu=` deltas between consecutive
 *   dumps (JDK 11+), one round per pair.
 * - one dump alone: no CPU over an interval exists, so threads are classified by their stacks only.
 */
export interface ThreadFileInput {
  /** Saved `top -H -b -n 2 [-p PID]` output. */
  topText?: string
  /** Dump texts in the order they were taken; a text may hold several concatenated dumps. */
  dumpTexts: Array<{ text: string; source: string }>
  top?: number
  thresholds?: ClassifyThresholds
  keepDumpText?: boolean
}

export function analyseThreadFiles(input: ThreadFileInput): ThreadsResult {
  const thresholds = input.thresholds ?? defaultThresholds
  const warnings: string[] = []
  const dumps: Array<{ dump: ThreadDump; source: string; text: string }> = []
  for (const { text, source } of input.dumpTexts) {
    const parsed = parseThreadDumps(text)
    for (const dump of parsed) {
      for (const w of dump.warnings) warnings.push(`${source}: ${w}`)
      dumps.push({ dump, source, text: parsed.length === 1 ? text : '' })
    }
  }
  if (dumps.length === 0) throw new UsageError('no thread dump given', { hint: 'use --jstack-file FILE' })
  const keepText = input.keepDumpText !== false
  const rounds: ThreadsRound[] = []

  if (input.topText !== undefined) {
    const iterations = parseTopOutput(input.topText)
    const last = iterations[iterations.length - 1]!
    const previous = iterations[iterations.length - 2]
    if (iterations.length < 2) {
      warnings.push(
        "top output has a single iteration, whose %CPU has no baseline; save it with 'top -H -b -n 2'",
      )
    }
    const { dump, source, text } = dumps[dumps.length - 1]!
    const tids = new Set(dump.threads.map((t) => t.osTid))
    const rows = last.rows.filter((r) => tids.has(r.tid))
    if (rows.length < last.rows.length) {
      warnings.push(
        `${last.rows.length - rows.length} top rows are not threads of the dumped JVM and were ignored`,
      )
    }
    const intervalS =
      previous?.clockS !== undefined && last.clockS !== undefined ? last.clockS - previous.clockS : undefined
    const intervalMs = intervalS !== undefined && intervalS > 0 ? intervalS * 1000 : 0
    rounds.push(
      buildRound({
        index: 0,
        startedAt: '',
        intervalMs,
        cpuMethod: 'top-file',
        cpu: rows.map((r) => ({
          tid: r.tid,
          cpuPercent: r.cpuPercent,
          cpuMs: (r.cpuPercent / 100) * intervalMs,
        })),
        kernel: new Map(rows.map((r) => [r.tid, { comm: r.command, state: r.state ?? '?' }])),
        dump,
        ...(keepText && text ? { dumpText: text } : {}),
        dumpSource: source,
        thresholds,
      }),
    )
  } else if (dumps.length === 1) {
    warnings.push(
      'a single dump has no CPU over an interval: threads are classified by their stacks only (give --top-file or a second dump)',
    )
    const { dump, source, text } = dumps[0]!
    rounds.push(
      buildRound({
        index: 0,
        startedAt: '',
        intervalMs: 0,
        cpuMethod: 'none',
        cpu: [],
        dump,
        ...(keepText && text ? { dumpText: text } : {}),
        dumpSource: source,
        thresholds,
      }),
    )
  } else {
    for (let i = 1; i < dumps.length; i++) {
      const before = dumps[i - 1]!
      const after = dumps[i]!
      const deltas = cpuFromDumps(before.dump, after.dump)
      if (deltas.cpu.length === 0)
        warnings.push(`${after.source}: no cpu= figures (JDK 8 or older): CPU is unknown`)
      rounds.push(
        buildRound({
          index: i - 1,
          startedAt: '',
          intervalMs: deltas.intervalMs,
          cpuMethod: deltas.cpu.length > 0 ? 'dump-cpu' : 'none',
          cpu: deltas.cpu,
          dump: after.dump,
          ...(keepText && after.text ? { dumpText: after.text } : {}),
          dumpSource: after.source,
          thresholds,
        }),
      )
    }
  }
  const lastDump = dumps[dumps.length - 1]!.dump
  const result: ThreadsResult = {
    schema: threadsResultSchema,
    cpuMethod: rounds[0]?.cpuMethod ?? 'none',
    rounds,
    hottest: hottestThreads(rounds, input.top ?? 5),
    warnings,
  }
  if (lastDump.vm) result.jvm = jvmOf(lastDump)
  return result
}
