import type { ThreadClassification, ThreadKind } from '../../analyse/threads/classify.js'
import type { StackFrame, ThreadDump } from './thread-dump-types.js'

/**
 * The result of `kafka-doctor threads` (and of the library's `sampleThreads` / `analyseThreadFiles`).
 * Plain JSON all the way down, so that `diagnose` can store it in an evidence bundle as
 * `threads.json` and `analyze` can read it back:
 *
 * - `rounds[]`: one entry per sample interval, with EVERY thread's CPU over that interval, joined to
 *   the thread dump taken right after it (`rounds[i].dump`, parsed; `dumpText`, verbatim, unless
 *   the caller asked not to keep it).
 * - `hottest[]`: the top N threads over all rounds, with their stack and classification.
 */
export const threadsResultSchema = 'kafka-doctor/threads@1'

/** How per-thread CPU was measured. */
export type ThreadCpuMethod =
  /** /proc/<pid>/task/<tid>/schedstat deltas (ns precision). */
  | 'schedstat'
  /** /proc/<pid>/task/<tid>/stat utime+stime deltas (clock ticks). */
  | 'stat'
  /** A saved `top -H -b -n 2` output (its second iteration). */
  | 'top-file'
  /** The `cpu=` figures of two dumps (JDK 11+), for when /proc is not readable. */
  | 'dump-cpu'
  /** No CPU figures at all: a single dump. Classification falls back to the stack. */
  | 'none'

export interface ThreadSample {
  /** Linux thread id (top -H PID, jstack nid). Absent for a dumped thread with no nid (rare). */
  tid?: number
  /** `nid` as older JDKs print it (`0x2529`), for grepping jstack output by hand. */
  nidHex?: string
  javaId?: number
  /** The Java name from the dump, else the kernel's 15-byte comm. */
  name: string
  /** % of ONE core over the interval, as top -H shows it (can exceed 100 only for rounding). */
  cpuPercent?: number
  /** CPU time used in the interval, ms. */
  cpuMs?: number
  /**
   * % of the interval the thread was runnable but waiting for a CPU (schedstat). On a saturated host
   * a spinning thread shows e.g. 40% CPU + 60% waiting; an idle one ~0 + ~0.
   */
  runQueuePercent?: number
  /** Java thread state from the dump, else the kernel state letter (R, S, D …). */
  state?: string
  classification: ThreadClassification
  /** Index into `round.dump.threads` when the thread was found in the dump. */
  dumpIndex?: number
}

export interface ThreadsRound {
  index: number
  /** ISO time the interval started. */
  startedAt: string
  /** Measured interval length, ms. */
  intervalMs: number
  cpuMethod: ThreadCpuMethod
  /** Whole-process CPU over the interval, % of one core (sum of threads). */
  processCpuPercent?: number
  /** Every thread, hottest first. */
  threads: ThreadSample[]
  dump?: ThreadDump
  /** The dump as printed by the tool, when kept. */
  dumpText?: string
  /** Which tool produced the dump (`jcmd` path), or the file it came from. */
  dumpSource?: string
}

export interface HotThread extends ThreadSample {
  /** Mean % of a core over all rounds in which the thread was seen. */
  meanCpuPercent?: number
  maxCpuPercent?: number
  /** Rounds the thread was seen in. */
  rounds: number
  /** The round (index) the CPU figure, classification, `dumpIndex` and stack come from. */
  fromRound: number
  /** Classification counts over the rounds (a spinning thread may be caught in different frames). */
  kinds: Partial<Record<ThreadKind, number>>
  /** The stack from the round where the thread was hottest, innermost frame first. */
  frames: StackFrame[]
}

export interface ThreadsResult {
  schema: typeof threadsResultSchema
  pid?: number
  /** The JVM as seen from /proc (no command line: it may hold secrets). */
  target?: {
    name: string
    exe?: string
    uid: number
    user?: string
    nsPid: number
    otherMountNamespace: boolean
  }
  jvm?: { vm?: string; jdkMajor?: number }
  cpuMethod: ThreadCpuMethod
  clockTicksPerSecond?: number
  rounds: ThreadsRound[]
  hottest: HotThread[]
  warnings: string[]
}
