/**
 * A HotSpot thread dump (`jcmd <pid> Thread.print -l`, `jstack -l <pid>`, or `kill -3` output) as data.
 * Everything here is plain JSON: the `diagnose` step stores dumps in the evidence bundle as they are.
 */

/** `java.lang.Thread.State` as printed on a Java thread's state line. */
export type JavaThreadState = 'NEW' | 'RUNNABLE' | 'BLOCKED' | 'WAITING' | 'TIMED_WAITING' | 'TERMINATED'

export interface StackFrame {
  /** Fully qualified method, `org.apache.kafka.common.network.Selector.poll`. */
  method: string
  /**
   * What HotSpot printed in the parentheses, e.g. `Selector.java:451`, `Native Method`,
   * `java.base@17.0.15/Thread.java:840`. Kept verbatim; analysis uses `method` only.
   */
  location: string
}

export type LockKind = 'locked' | 'waiting-to-lock' | 'waiting-on' | 'parking' | 'eliminated' | 'other'

/** A `- locked <0x…> (a X)` style line, attached to the frame printed just above it. */
export interface LockLine {
  frame: number
  kind: LockKind
  /** `0x000000069ed8ede8`, when printed. */
  address?: string
  /** `java.util.concurrent.ForkJoinPool`, when printed. */
  className?: string
}

export interface DumpedThread {
  name: string
  /** `#N`: the Java thread id. Absent for VM and GC threads. */
  javaId?: number
  /**
   * The Linux thread id (LWP; the `top -H` PID column; `/proc/<pid>/task/<tid>`), from `nid=0x…`
   * (hex, JDK ≤ 17), `nid=N` (decimal, JDK 19+) or JDK 21's `[tid]` after the Java id (the only
   * place it appears for a carrier thread with a mounted virtual thread, which prints no nid).
   */
  osTid?: number
  daemon: boolean
  priority?: number
  osPriority?: number
  /** `cpu=…ms`: CPU the thread used since it started (JDK 11+). */
  cpuMs?: number
  /** `elapsed=…s`: wall time since the thread started (JDK 11+). */
  elapsedS?: number
  /** The status word(s) after nid: `runnable`, `waiting on condition`, `in Object.wait()` … */
  status?: string
  /** From `java.lang.Thread.State:` — Java threads only. */
  state?: JavaThreadState
  /** The parenthesised detail of the state line: `sleeping`, `parking`, `on object monitor`. */
  stateDetail?: string
  /** JDK 21+: `Carrying virtual thread #N` printed instead of a state line. */
  carryingVirtualThread?: number
  /** `No compile task` / `Compiling: …` lines of JIT compiler threads. */
  compileTask?: string
  /** Innermost frame first, as printed. */
  frames: StackFrame[]
  locks: LockLine[]
  /** From `Locked ownable synchronizers:` (with `-l`). */
  ownableSynchronizers: string[]
}

export interface ThreadDump {
  /** `OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)`. */
  vm?: string
  /** The JDK feature version read from `vm` (8, 11, 17, 21 …), when it can be told. */
  jdkMajor?: number
  /** The timestamp line printed before `Full thread dump`, verbatim (JVM local time). */
  printedAt?: string
  threads: DumpedThread[]
  /** Truncation, unparsable lines and similar: the dump is still usable, with these caveats. */
  warnings: string[]
  /** True when the `JNI global refs` trailer was seen, i.e. the dump is complete. */
  complete: boolean
}
