import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs'
import { NotFoundError, PermissionError } from '../../errors.js'

/**
 * Per-thread CPU time from Linux procfs, the way `top -H` gets it, but cheap enough to run once a
 * second against a JVM with thousands of threads.
 *
 * - `/proc/<pid>/task/<tid>/schedstat` field 1 is the nanoseconds the thread spent on a CPU
 *   (scheduler accounting, CONFIG_SCHED_INFO): precise, unlike the 10 ms ticks of `stat`.
 * - Without schedstat, `stat` fields 14 (utime) + 15 (stime) in clock ticks are used (proc(5)).
 *
 * Cost is what matters here: opening 1,000 files a second costs ~2% of a core, so each thread's file
 * is opened once and re-read in place with pread at offset 0 (procfs regenerates the text on every read
 * from the start). See bench/threads-sampling.bench.ts.
 */

export type CpuSource = 'schedstat' | 'stat'

/** One reading of every thread's cumulative CPU time. */
export interface CpuSnapshot {
  /** Monotonic clock (performance.now()) at the end of the reading, in ms. */
  atMs: number
  /** Cumulative on-CPU time per tid, in ns. */
  cpuNs: Map<number, number>
  /**
   * Cumulative time each thread was runnable but waiting for a CPU (schedstat field 2), in ns. On a
   * saturated machine a spinning thread gets only its share of a core but waits for the rest: CPU
   * plus run-queue wait is what it *wanted*, which tells a starved spinner from an idle thread.
   */
  waitNs?: Map<number, number>
}

/** The fields of `/proc/<pid>/task/<tid>/stat` that matter here. */
export interface TaskStat {
  tid: number
  /** The kernel's thread name, at most 15 bytes (HotSpot sets it from the Java name, truncated). */
  comm: string
  /** R running, S sleeping, D disk wait, Z zombie, T stopped … */
  state: string
  utimeTicks: number
  stimeTicks: number
}

/** Parses one stat line. `comm` may hold spaces and parentheses, so fields are split after the LAST `)`. */
export function parseTaskStat(text: string): TaskStat | undefined {
  const open = text.indexOf('(')
  const close = text.lastIndexOf(')')
  if (open < 0 || close < open) return undefined
  const rest = text
    .slice(close + 2)
    .trim()
    .split(' ')
  // rest[0] is field 3 (state); utime is field 14 → rest[11], stime field 15 → rest[12].
  const utime = Number(rest[11])
  const stime = Number(rest[12])
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined
  return {
    tid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    utimeTicks: utime,
    stimeTicks: stime,
  }
}

/** Reads schedstat's first two decimals (on-CPU ns, run-queue wait ns) without making a string. */
function readSchedstat(buffer: Buffer, length: number, out: [number, number]): void {
  let field = 0
  let value = 0
  out[0] = 0
  out[1] = 0
  for (let i = 0; i < length && field < 2; i++) {
    const c = buffer[i]!
    if (c >= 48 && c <= 57) value = value * 10 + (c - 48)
    else {
      out[field++] = value
      value = 0
    }
  }
}

export interface ThreadCpuReaderOptions {
  /** procfs mount point (tests and containers may differ), default `/proc`. */
  procRoot?: string
  /** Clock ticks per second for `stat` (from `getconf CLK_TCK`); only used without schedstat. */
  clockTicks?: number
  /** Force a source (tests); by default schedstat when the kernel provides it. */
  source?: CpuSource
}

/**
 * Keeps one open descriptor per thread file across samples. Call `close()` when done. Descriptors are
 * capped below the process's open-file limit; threads beyond the cap are read with open/read/close.
 */
export class ThreadCpuReader {
  readonly pid: number
  readonly source: CpuSource
  private readonly taskDir: string
  private readonly clockTicks: number
  private readonly fds = new Map<number, number>()
  private readonly maxFds: number
  private readonly buffer = Buffer.alloc(1024)
  private readonly schedstat: [number, number] = [0, 0]
  private lastWait = 0

  constructor(pid: number, options: ThreadCpuReaderOptions = {}) {
    this.pid = pid
    this.taskDir = `${options.procRoot ?? '/proc'}/${pid}/task`
    this.clockTicks = options.clockTicks ?? 100
    this.source = options.source ?? (this.hasSchedstat() ? 'schedstat' : 'stat')
    this.maxFds = Math.max(0, openFileLimit() - 512)
  }

  /** Every live thread's cumulative CPU now. */
  sample(): CpuSnapshot {
    const tids = this.listTids()
    const cpuNs = new Map<number, number>()
    const waitNs = this.source === 'schedstat' ? new Map<number, number>() : undefined
    for (const tid of tids) {
      const value = this.readTask(tid)
      if (value === undefined) continue
      cpuNs.set(tid, value)
      waitNs?.set(tid, this.lastWait)
    }
    // Threads that exited keep an open descriptor to a dead task: drop them.
    if (this.fds.size > cpuNs.size) {
      for (const [tid, fd] of this.fds) {
        if (!cpuNs.has(tid)) {
          closeSync(fd)
          this.fds.delete(tid)
        }
      }
    }
    const snapshot: CpuSnapshot = { atMs: performance.now(), cpuNs }
    if (waitNs) snapshot.waitNs = waitNs
    return snapshot
  }

  /** Name and scheduler state of some threads (read on demand: only for the ones reported). */
  describe(tids: Iterable<number>): Map<number, TaskStat> {
    const out = new Map<number, TaskStat>()
    for (const tid of tids) {
      try {
        const stat = parseTaskStat(readFileSync(`${this.taskDir}/${tid}/stat`, 'latin1'))
        if (stat) out.set(tid, stat)
      } catch {
        // the thread exited between the sample and now
      }
    }
    return out
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd)
    this.fds.clear()
  }

  private hasSchedstat(): boolean {
    try {
      readFileSync(`${this.taskDir}/${this.pid}/schedstat`)
      return true
    } catch {
      return false
    }
  }

  private listTids(): number[] {
    let names: string[]
    try {
      names = readdirSync(this.taskDir)
    } catch (error) {
      throw procError(this.pid, error)
    }
    return names.map(Number)
  }

  private readTask(tid: number): number | undefined {
    const file = `${this.taskDir}/${tid}/${this.source}`
    try {
      let fd = this.fds.get(tid)
      let transient = false
      if (fd === undefined) {
        fd = openSync(file, 'r')
        if (this.fds.size < this.maxFds) this.fds.set(tid, fd)
        else transient = true
      }
      const length = readSync(fd, this.buffer, 0, this.buffer.length, 0)
      if (transient) closeSync(fd)
      if (length === 0) return undefined
      if (this.source === 'schedstat') {
        readSchedstat(this.buffer, length, this.schedstat)
        this.lastWait = this.schedstat[1]
        return this.schedstat[0]
      }
      const stat = parseTaskStat(this.buffer.toString('latin1', 0, length))
      return stat ? ((stat.utimeTicks + stat.stimeTicks) * 1e9) / this.clockTicks : undefined
    } catch {
      // ESRCH/ENOENT: the thread exited since the directory listing.
      const fd = this.fds.get(tid)
      if (fd !== undefined) {
        closeSync(fd)
        this.fds.delete(tid)
      }
      return undefined
    }
  }
}

function procError(pid: number, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT' || code === 'ESRCH') {
    return new NotFoundError(`no such process ${pid}`, {
      hint: 'check the pid with `jps -l` or `pgrep -a java`; the JVM may have exited',
    })
  }
  return new PermissionError(`cannot read /proc/${pid}/task: ${code ?? String(error)}`, {
    hint: 'run as the JVM user or root; where /proc stays hidden, give two dumps (--jstack-file A --jstack-file B, JDK 11+)',
  })
}

/** The soft RLIMIT_NOFILE of this process, from /proc/self/limits (Node has no getrlimit). */
function openFileLimit(): number {
  try {
    const limits = readFileSync('/proc/self/limits', 'latin1')
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits)
    if (m?.[1] === 'unlimited') return 65_536
    if (m?.[1]) return Number(m[1])
  } catch {
    // not Linux: fall through
  }
  return 1024
}

/** CPU used by each thread between two snapshots, as % of one core (top -H, Irix mode) and ms. */
export interface ThreadCpuDelta {
  tid: number
  cpuMs: number
  cpuPercent: number
  /** % of the interval the thread was runnable but waiting for a CPU (schedstat only). */
  runQueuePercent?: number
}

export function cpuDeltas(before: CpuSnapshot, after: CpuSnapshot): ThreadCpuDelta[] {
  const wallMs = after.atMs - before.atMs
  const out: ThreadCpuDelta[] = []
  for (const [tid, ns] of after.cpuNs) {
    // A thread born during the interval used all its CPU inside it.
    const base = before.cpuNs.get(tid) ?? 0
    const cpuMs = Math.max(0, ns - base) / 1e6
    const delta: ThreadCpuDelta = { tid, cpuMs, cpuPercent: wallMs > 0 ? (cpuMs / wallMs) * 100 : 0 }
    const wait = after.waitNs?.get(tid)
    if (wait !== undefined && wallMs > 0) {
      const waitMs = Math.max(0, wait - (before.waitNs?.get(tid) ?? 0)) / 1e6
      delta.runQueuePercent = (waitMs / wallMs) * 100
    }
    out.push(delta)
  }
  return out.sort((a, b) => b.cpuMs - a.cpuMs)
}
