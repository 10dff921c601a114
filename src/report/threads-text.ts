import { formatTable } from '../cli/table.js'
import type { StackFrame } from '../collect/threads/thread-dump-types.js'
import type { HotThread, ThreadsResult } from '../collect/threads/threads-result.js'
import { formatDuration } from '../util/duration.js'

/**
 * The human view of a threads result: a summary line, the hottest threads as a table in the style of
 * `top -H` (TID decimal and NID hex side by side, so the row can be found in any jstack by hand),
 * then each hot thread's verdict and stack, trimmed unless `fullStack`.
 */
export interface ThreadsTextOptions {
  fullStack?: boolean
  /** Frames shown per thread when not `fullStack` (default 12). */
  stackDepth?: number
}

const cpuMethodText: Record<ThreadsResult['cpuMethod'], string> = {
  schedstat: '/proc schedstat',
  stat: '/proc stat',
  'top-file': 'top -H output',
  'dump-cpu': 'cpu= of consecutive dumps',
  none: 'no CPU figures',
}

export function renderThreadsText(result: ThreadsResult, options: ThreadsTextOptions = {}): string {
  const lines: string[] = []
  const rounds = result.rounds
  const interval = rounds[0]?.intervalMs ?? 0
  const who = result.pid !== undefined ? `JVM ${result.pid}` : 'thread dump'
  const user = result.target?.user ?? (result.target ? `uid ${result.target.uid}` : undefined)
  const process =
    rounds.length > 0 && rounds.every((r) => r.processCpuPercent !== undefined)
      ? `, process CPU ${(rounds.reduce((s, r) => s + (r.processCpuPercent ?? 0), 0) / rounds.length).toFixed(1)}% of a core`
      : ''
  lines.push(
    `${who}${user ? ` (${user})` : ''}${result.jvm?.vm ? ` — ${result.jvm.vm}` : ''}`,
    `${rounds.length} round${rounds.length === 1 ? '' : 's'}${interval > 0 ? ` of ${formatDuration(interval)}` : ''}, CPU from ${cpuMethodText[result.cpuMethod]}${process}`,
    '',
  )
  const rows = result.hottest.map((t, i) => [
    i + 1,
    t.tid,
    t.nidHex,
    cpuText(t),
    t.runQueuePercent === undefined ? undefined : t.runQueuePercent.toFixed(1),
    t.state,
    t.classification.label,
    t.name,
  ])
  lines.push(formatTable(['#', 'TID', 'NID', 'CPU%', 'WAIT%', 'STATE', 'CLASS', 'NAME'], rows))
  if (result.hottest.some((t) => t.runQueuePercent !== undefined)) {
    lines.push('(WAIT%: runnable but waiting for a CPU; CPU% + WAIT% is what the thread wanted)')
  }
  const depth = options.fullStack ? Number.POSITIVE_INFINITY : (options.stackDepth ?? 12)
  result.hottest.forEach((t, i) => {
    lines.push('', `[${i + 1}] "${t.name}" ${t.classification.label}: ${t.classification.reason}`)
    lines.push(...stackLines(t.frames, depth))
  })
  for (const w of result.warnings) lines.push('', `warning: ${w}`)
  return lines.join('\n')
}

function cpuText(t: HotThread): string | undefined {
  if (t.meanCpuPercent === undefined) return undefined
  const mean = t.meanCpuPercent.toFixed(1)
  return t.rounds > 1 && t.maxCpuPercent !== undefined ? `${mean} (max ${t.maxCpuPercent.toFixed(1)})` : mean
}

function stackLines(frames: readonly StackFrame[], depth: number): string[] {
  if (frames.length === 0) return ['    (no Java stack)']
  const shown = frames.slice(0, depth).map((f) => `    at ${f.method}(${f.location})`)
  if (frames.length > depth) shown.push(`    … ${frames.length - depth} more frames (--full-stack)`)
  return shown
}
