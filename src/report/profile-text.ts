import { formatTable } from '../cli/table.js'
import type { ProfileResult } from '../collect/profile/profile-result.js'
import { formatDuration } from '../util/duration.js'

/** The terminal view of a profile: what was sampled, the hottest threads, the hot-method table. */
export function renderProfileText(profile: ProfileResult, files: readonly string[], rows = 20): string {
  const cpu = profile.weightUnit === 'cpu-us'
  const fmt = (v: number) => (cpu ? (v / 1000).toFixed(1) : String(v))
  const unit = cpu ? 'CPU ms' : 'samples'
  const lines: string[] = []
  if (profile.source === 'jvm-dumps') {
    lines.push(
      `JVM ${profile.pid}${profile.jvm?.vm ? ` — ${profile.jvm.vm}` : ''}`,
      `${profile.dumps} dumps in ${formatDuration(profile.durationMs ?? 0)} (${profile.achievedRate}/s of ${profile.requestedRate}/s requested, via ${profile.dumpVia ?? '?'}), stacks weighted by thread CPU: ${fmt(profile.totalWeight)} CPU ms in total`,
    )
  } else {
    lines.push(`collapsed stacks: ${profile.totalWeight} samples, ${profile.stacks.length} distinct stacks`)
  }
  if (profile.threadFilter) lines.push(`threads matching '${profile.threadFilter}' only`)
  lines.push('', 'Threads')
  lines.push(
    formatTable(
      [unit.toUpperCase(), 'CPU%', 'CLASS', 'THREAD'],
      profile.threads.slice(0, 10).map((t) => [fmt(t.weight), t.cpuPercent?.toFixed(1), t.label, t.name]),
    ),
  )
  lines.push('', 'Hot methods (self = the leaf frame; total = anywhere on the stack)')
  lines.push(
    formatTable(
      ['SELF', 'SELF%', 'TOTAL', 'TOTAL%', 'METHOD'],
      profile.hotMethods
        .slice(0, rows)
        .map((m) => [
          fmt(m.self),
          m.selfPercent.toFixed(1),
          fmt(m.total),
          m.totalPercent.toFixed(1),
          `${m.method}${m.kafka ? '  [kafka]' : ''}`,
        ]),
    ),
  )
  if (files.length > 0) lines.push('', 'Written:', ...files.map((f) => `  ${f}`))
  return lines.join('\n')
}
