import { type ClassifyThresholds, classifyThread, defaultThresholds } from '../../analyse/threads/classify.js'
import { type FoldedStack, StackFolder } from '../../analyse/threads/fold.js'
import { hotMethods } from '../../analyse/threads/hot-methods.js'
import { BadInputError } from '../../errors.js'
import { type ProfiledThread, type ProfileResult, profileResultSchema } from './profile-result.js'

/**
 * Reads collapsed ("folded") stacks written by other profilers, so that an async-profiler run
 * (`asprof -d 30 -t -o collapsed`) or FlameGraph's `stackcollapse-*.pl` output goes through the same
 * analysis and rendering as kafka-doctor's own profiles.
 *
 * - A line is `frame;frame;…;leaf COUNT` (root first); a second trailing number (a differential
 *   profile) is ignored; decimal counts are rounded.
 * - async-profiler writes JVM names with slashes (`org/apache/kafka/common/network/Selector.poll`)
 *   and may add `_[j]`/`_[i]`/`_[k]`/`_[0]`/`_[1]` type suffixes: both are normalised to the dotted
 *   names thread dumps use, so Kafka frames are recognised.
 * - With `-t`, async-profiler puts `[name tid=N]` first. Without a thread frame, every stack is put
 *   under one `all threads` root so that the first element is still a thread, as in kafka-doctor's own
 *   output.
 */
export interface CollapsedProfile {
  stacks: FoldedStack[]
  totalWeight: number
  /** True when stacks carried async-profiler `[thread tid=N]` frames or FlameGraph jstack thread roots. */
  perThread: boolean
  warnings: string[]
}

/** Native frames at the root of JVM stacks when async-profiler runs without `-t`. */
const nativeRoots: ReadonlySet<string> = new Set([
  'start_thread',
  'thread_native_entry',
  'clone',
  'clone3',
  'JavaMain',
  'java_start',
  'ThreadJavaMain',
  'JavaThread::run',
  'Thread::call_run',
  '[unknown]',
])

const linePattern = /^(.*?)\s+(\d+(?:\.\d*)?)(?:\s+\d+(?:\.\d*)?)?\s*$/s

export function parseCollapsed(text: string, source = 'input'): CollapsedProfile {
  const folder = new StackFolder()
  let bad = 0
  let firstBad = 0
  let lines = 0
  let perThread = false
  let lineNumber = 0
  for (const raw of text.split('\n')) {
    lineNumber++
    const line = raw.replace(/\r$/, '')
    if (line.trim() === '') continue
    lines++
    const m = linePattern.exec(line)
    if (!m?.[1]) {
      if (bad === 0) firstBad = lineNumber
      bad++
      continue
    }
    const frames = m[1].split(';').map(normaliseFrame)
    const thread = threadFrame(frames[0] ?? '')
    if (thread !== undefined) {
      perThread = true
      frames[0] = thread
    } else frames.unshift('all threads')
    folder.addFolded(frames, Number(m[2]))
  }
  if (lines === 0 || bad === lines) {
    throw new BadInputError(`${source} is not a collapsed-stack file: no 'frame;frame;… COUNT' line`, {
      hint: 'give async-profiler `-o collapsed` output or a FlameGraph stackcollapse-*.pl output',
    })
  }
  const warnings: string[] = []
  if (bad > 0)
    warnings.push(
      `${source}: ${bad} line(s) are not 'stack count' and were skipped (first at line ${firstBad})`,
    )
  return { stacks: folder.stacks(), totalWeight: folder.totalWeight, perThread, warnings }
}

/** `java/lang/Thread.run_[j]` → `java.lang.Thread.run`; native and kernel frames are left alone. */
export function normaliseFrame(frame: string): string {
  let f = frame.replace(/_\[[jik01]\]$/, '')
  if (/^[A-Za-z_$][\w$]*(\/[\w$]+)+\.[\w$<>]+$/.test(f)) f = f.replaceAll('/', '.')
  return f
}

/**
 * The thread frame of a stack, if the first frame is one: async-profiler's `[name tid=N]`, or a
 * FlameGraph stackcollapse-jstack thread name (no package-qualified method shape).
 */
function threadFrame(frame: string): string | undefined {
  const bracket = /^\[(.+?)(?: tid=\d+)?\]$/.exec(frame)
  if (bracket) return bracket[1]
  // A Java method is `pkg.Class.method`; a native frame has no dots but is usually a C symbol; a
  // stackcollapse-jstack root is a thread name such as `main`, `busy-spinner` or `GC Thread#0`.
  if (/^[\w$]+(\.[\w$<>]+)+$/.test(frame)) return undefined
  if (nativeRoots.has(frame) || /^(_|\[)/.test(frame) || frame.includes('::') || frame.endsWith('.so'))
    return undefined
  return frame.length > 0 ? frame : undefined
}

export interface CollapsedProfileOptions {
  source?: string
  /** Only threads whose name contains this text. */
  thread?: string
  hotMethodLimit?: number
  thresholds?: ClassifyThresholds
}

/** `profile --from-collapsed FILE`: the same result shape as a live profile, weights in samples. */
export function profileFromCollapsed(text: string, options: CollapsedProfileOptions = {}): ProfileResult {
  const parsed = parseCollapsed(text, options.source ?? 'input')
  const stacks = options.thread
    ? parsed.stacks.filter((s) => (s.frames[0] ?? '').includes(options.thread ?? ''))
    : parsed.stacks
  const warnings = [...parsed.warnings]
  if (!parsed.perThread) {
    warnings.push("the stacks carry no thread frame (async-profiler without -t): all are under 'all threads'")
  }
  const byThread = new Map<string, { weight: number; heaviest: FoldedStack }>()
  for (const s of stacks) {
    const name = s.frames[0] ?? '?'
    const acc = byThread.get(name)
    if (!acc) byThread.set(name, { weight: s.weight, heaviest: s })
    else {
      acc.weight += s.weight
      if (s.weight > acc.heaviest.weight) acc.heaviest = s
    }
  }
  const threads: ProfiledThread[] = [...byThread.entries()]
    .map(([name, acc]) => {
      // No CPU figures here: classify by the heaviest stack only (innermost frame first, as dumps are).
      const frames = acc.heaviest.frames
        .slice(1)
        .reverse()
        .map((method) => ({ method, location: '' }))
      const c = classifyThread(
        { name, dumped: { name, daemon: false, frames, locks: [], ownableSynchronizers: [] } },
        options.thresholds ?? defaultThresholds,
      )
      return { name, weight: acc.weight, kind: c.kind, label: c.label }
    })
    .sort((a, b) => b.weight - a.weight)
  if (stacks.length === 0) warnings.push(`no stack matches thread filter '${options.thread}'`)
  const result: ProfileResult = {
    schema: profileResultSchema,
    source: 'collapsed',
    weightUnit: 'samples',
    totalWeight: stacks.reduce((sum, s) => sum + s.weight, 0),
    stacks,
    threads,
    hotMethods: hotMethods(stacks, { limit: options.hotMethodLimit ?? 50 }),
    warnings,
  }
  if (options.thread) result.threadFilter = options.thread
  return result
}
