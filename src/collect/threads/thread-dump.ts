import { BadInputError } from '../../errors.js'
import type {
  DumpedThread,
  JavaThreadState,
  LockKind,
  LockLine,
  StackFrame,
  ThreadDump,
} from './thread-dump-types.js'

/**
 * Parses HotSpot thread dumps as printed by `jcmd <pid> Thread.print [-l]`, `jstack [-l] [-e] <pid>` and
 * `kill -3`, from JDK 7 to 25. The header line changed over the years (see research/jvm-threads.md §4):
 *
 *   JDK ≤7  "name" prio=10 tid=0x… nid=0x5b3b runnable [0x…]
 *   JDK 8   "name" #273 daemon prio=9 os_prio=0 tid=0x… nid=0xe3c runnable [0x…]
 *   JDK 11+ … os_prio=0 cpu=362.74ms elapsed=757.67s [allocated=… defined_classes=…] tid=0x… nid=0x…
 *   JDK 19+ nid is decimal;  JDK 21+ "name" #1 [8963] … (the OS tid right after the Java id)
 *   VM/GC   "GC Thread#0" os_prio=0 cpu=4.07ms elapsed=1.90s tid=0x… nid=0x2518 runnable
 *   carrier "ForkJoinPool-1-worker-1" #19 [9879] … tid=0x…  [0x…]   (no nid at all)
 *
 * A file may hold several concatenated dumps (the "poor man's profiler" habit of appending jstack
 * output); `parseThreadDumps` returns each. Bad input is reported, never thrown away: a truncated dump
 * keeps the threads read so far and says so in `warnings`.
 */

const headerPattern =
  /^"(.*)"(?: #(\d+))?(?: \[(\d+)\])?( daemon)?(?: prio=(\d+))?(?: os_prio=(-?\d+))?(?: cpu=([\d.]+)ms)?(?: elapsed=([\d.]+)s)?(?: allocated=\S+)?(?: defined_classes=\d+)?(?: tid=(0x[0-9a-fA-F]+))?(?: nid=(0x[0-9a-fA-F]+|\d+))?(.*)$/s
const statePattern = /^\s+java\.lang\.Thread\.State: ([A-Z_]+)(?: \((.+)\))?\s*$/
const lockPattern =
  /^\t- (locked|waiting to lock|waiting on|parking to wait for|eliminated|waiting to re-lock in wait\(\))\s+<([^>]+)>(?: \(a (.+)\))?/
const carrierPattern = /^\s+Carrying virtual thread #(\d+)/
const javaStates: ReadonlySet<string> = new Set([
  'NEW',
  'RUNNABLE',
  'BLOCKED',
  'WAITING',
  'TIMED_WAITING',
  'TERMINATED',
])

const lockKinds: Record<string, LockKind> = {
  locked: 'locked',
  'waiting to lock': 'waiting-to-lock',
  'waiting on': 'waiting-on',
  'parking to wait for': 'parking',
  eliminated: 'eliminated',
}

/** Parses a text that holds exactly one dump (the usual jcmd/jstack output). */
export function parseThreadDump(text: string): ThreadDump {
  const dumps = parseThreadDumps(text)
  const first = dumps[0]!
  if (dumps.length > 1) {
    first.warnings.push(`the input holds ${dumps.length} thread dumps; only the first was used`)
  }
  return first
}

/** Parses one or more concatenated dumps. Throws BadInputError when there is no thread at all. */
export function parseThreadDumps(text: string): ThreadDump[] {
  const parser = new DumpParser()
  let start = 0
  const length = text.length
  let lineNumber = 0
  while (start <= length) {
    let end = text.indexOf('\n', start)
    if (end === -1) end = length
    let line = text.slice(start, end)
    if (line.endsWith('\r')) line = line.slice(0, -1)
    lineNumber++
    parser.line(line, lineNumber)
    start = end + 1
  }
  return parser.finish()
}

type Section = 'preamble' | 'thread' | 'trailer'

class DumpParser {
  private readonly dumps: ThreadDump[] = []
  private dump: ThreadDump | undefined
  private thread: DumpedThread | undefined
  private section: Section = 'preamble'
  private inSynchronizers = false
  private pendingTimestamp: string | undefined
  private unknownLines = 0
  private firstUnknownLine = 0

  line(line: string, lineNumber: number): void {
    if (line.length === 0) {
      this.inSynchronizers = false
      return
    }
    const first = line.charCodeAt(0)
    // Frames and lock lines are by far the most common: test them first.
    if (first === 9 /* \t */ && this.thread && this.section === 'thread') {
      if (line.startsWith('\tat ')) {
        this.thread.frames.push(parseFrame(line))
        return
      }
      if (line.startsWith('\t- ')) {
        if (this.inSynchronizers) {
          const text = line.slice(3).trim()
          if (text !== 'None') this.thread.ownableSynchronizers.push(text)
        } else this.thread.locks.push(parseLock(line, this.thread.frames.length - 1))
        return
      }
    }
    if (first === 34 /* " */) {
      if (this.section === 'trailer') return // e.g. the "Found one Java-level deadlock" section
      if (this.header(line)) return
    }
    if (line.startsWith('Full thread dump ')) {
      this.startDump(line.slice('Full thread dump '.length).replace(/:\s*$/, ''))
      return
    }
    if (line.startsWith('JNI global ref')) {
      this.closeThread()
      if (this.dump) this.dump.complete = true
      this.section = 'trailer'
      return
    }
    if (this.thread && this.section === 'thread') {
      if (first === 32 /* space */) {
        const state = statePattern.exec(line)
        if (state) {
          const name = state[1] ?? ''
          if (javaStates.has(name)) this.thread.state = name as JavaThreadState
          if (state[2]) this.thread.stateDetail = state[2]
          return
        }
        const trimmed = line.trim()
        if (trimmed === 'Locked ownable synchronizers:') {
          this.inSynchronizers = true
          return
        }
        const carrier = carrierPattern.exec(line)
        if (carrier) {
          this.thread.carryingVirtualThread = Number(carrier[1])
          return
        }
        if (trimmed === 'No compile task' || trimmed.startsWith('Compiling:')) {
          this.thread.compileTask = trimmed
          return
        }
      }
      this.unknown(lineNumber)
      return
    }
    if (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/.test(line)) {
      this.pendingTimestamp = line.trim()
      return
    }
    // Everything else outside a thread block (the "<pid>:" line jcmd prints, "Threads class SMR info",
    // its address list, deadlock reports, JNI and heap trailers) carries nothing we use.
  }

  finish(): ThreadDump[] {
    this.closeThread()
    const dumps = this.dumps.filter((d) => d.threads.length > 0)
    if (dumps.length === 0) {
      throw new BadInputError('not a thread dump: no thread header ("name" … tid=… nid=…) found', {
        hint: 'give the output of `jcmd <pid> Thread.print -l` or `jstack -l <pid>`',
      })
    }
    for (const dump of dumps) {
      if (!dump.complete) {
        dump.warnings.push(
          `thread dump is truncated: it ends without the 'JNI global refs' trailer after ${dump.threads.length} threads; the last stack may be incomplete`,
        )
      }
    }
    if (this.unknownLines > 0) {
      dumps[dumps.length - 1]!.warnings.push(
        `${this.unknownLines} line(s) inside thread blocks were not understood (first at line ${this.firstUnknownLine})`,
      )
    }
    return dumps
  }

  private startDump(vm: string | undefined): ThreadDump {
    this.closeThread()
    const dump: ThreadDump = { threads: [], warnings: [], complete: false }
    if (vm) {
      dump.vm = vm
      const major = jdkMajorFromVm(vm)
      if (major !== undefined) dump.jdkMajor = major
    }
    if (this.pendingTimestamp) dump.printedAt = this.pendingTimestamp
    this.pendingTimestamp = undefined
    this.dumps.push(dump)
    this.dump = dump
    this.section = 'preamble'
    return dump
  }

  private header(line: string): boolean {
    const m = headerPattern.exec(line)
    // A line that starts with a quote but has neither a tid nor a nid is not a thread header
    // (deadlock reports print `"name":`).
    if (!m || (m[9] === undefined && m[10] === undefined && m[2] === undefined)) return false
    this.closeThread()
    const dump = this.dump ?? this.startDump(undefined)
    const thread: DumpedThread = {
      name: m[1] ?? '',
      daemon: m[4] !== undefined,
      frames: [],
      locks: [],
      ownableSynchronizers: [],
    }
    if (m[2] !== undefined) thread.javaId = Number(m[2])
    const nid = m[10]
    if (m[3] !== undefined) thread.osTid = Number(m[3])
    else if (nid !== undefined)
      thread.osTid = nid.startsWith('0x') ? Number.parseInt(nid.slice(2), 16) : Number(nid)
    if (m[5] !== undefined) thread.priority = Number(m[5])
    if (m[6] !== undefined) thread.osPriority = Number(m[6])
    if (m[7] !== undefined) thread.cpuMs = Number(m[7])
    if (m[8] !== undefined) thread.elapsedS = Number(m[8])
    const status = (m[11] ?? '').replace(/\[0x[0-9a-fA-F]+\]\s*$/, '').trim()
    if (status) thread.status = status
    this.thread = thread
    dump.threads.push(thread)
    this.section = 'thread'
    this.inSynchronizers = false
    return true
  }

  private closeThread(): void {
    this.thread = undefined
    this.inSynchronizers = false
  }

  private unknown(lineNumber: number): void {
    if (this.unknownLines === 0) this.firstUnknownLine = lineNumber
    this.unknownLines++
  }
}

function parseFrame(line: string): StackFrame {
  const open = line.indexOf('(', 4)
  if (open === -1) return { method: line.slice(4).trim(), location: '' }
  const close = line.endsWith(')') ? line.length - 1 : line.length
  return { method: line.slice(4, open), location: line.slice(open + 1, close) }
}

function parseLock(line: string, frame: number): LockLine {
  const m = lockPattern.exec(line)
  if (!m) return { frame, kind: 'other' }
  const lock: LockLine = { frame, kind: lockKinds[m[1] ?? ''] ?? 'other' }
  if (m[2]?.startsWith('0x')) lock.address = m[2]
  if (m[3]) lock.className = m[3]
  return lock
}

/**
 * The JDK feature version from the VM banner. JDK 8 and older print the HotSpot version instead
 * (`25.181-b13` is JDK 8, `24.x-bNN` JDK 7), which must not be read as JDK 25.
 */
export function jdkMajorFromVm(vm: string): number | undefined {
  const version = /\((\d+)\.(\d+)(?:\.\d+)*(?:[-+_]([^\s,)]*))?/.exec(vm)
  if (!version) return undefined
  const major = Number(version[1])
  if (/-b\d+/.test(version[0]) && major >= 20 && major <= 25 && !version[0].includes('+')) {
    return major === 25 ? 8 : 7
  }
  if (major === 1) return Number(version[2]) // 1.8.0_… style
  return major
}
