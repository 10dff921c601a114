import pc from 'picocolors'
import type { ChainStatus } from '../analyse/diagnosis.js'
import { formatTable } from '../cli/table.js'
import { sourceNames } from '../collect/bundle/manifest.js'
import type { Severity } from '../outcome.js'
import { markdownToTerminal } from './markdown-text.js'
import type { ReportJson } from './report-json.js'

/**
 * The terminal summary of a diagnosis, root cause first: what is wrong, the chain of evidence that
 * shows it (each link seen, not seen, or without data), the remedies, then every finding ranked, what
 * could not be checked, and what each source collected. Plain text; colour only when asked.
 */
export interface DiagnosisTextOptions {
  color?: boolean
  /** Where report.json (and the bundle) were written, to print at the end. */
  written?: string[]
}

const statusWord: Record<string, string> = { ok: 'OK', issue: 'PROBLEM', 'insufficient-data': 'UNKNOWN' }
const exitWord = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const

export function renderDiagnosisText(report: ReportJson, options: DiagnosisTextOptions = {}): string {
  const c = options.color ? pc : pc.createColors(false)
  const lines: string[] = []
  const rc = report.rootCause
  const sevColour = (s: Severity, text: string) =>
    s === 'critical' ? c.red(text) : s === 'warning' ? c.yellow(text) : c.green(text)
  lines.push(
    `${c.bold('kafka-doctor')} ${exitWord[report.exitCode] ?? report.exitCode} — ${statusWord[report.verdict] ?? report.verdict}`,
    '',
    `${c.bold('ROOT CAUSE')}  ${sevColour(rc.severity, rc.title)}${rc.verdict === 'issue' ? `  (confidence ${rc.confidence})` : ''}`,
    ...wrap(rc.summary, 100).map((l) => `  ${l}`),
  )
  if (rc.chain.length > 0) {
    lines.push('', c.bold('EVIDENCE CHAIN'))
    const width = Math.max(...rc.chain.map((s) => s.label.length))
    for (const step of rc.chain) {
      const mark = chainMark(step.status)
      const text = wrap(step.text, 96 - width)
      lines.push(`  ${mark} ${step.label.padEnd(width)}  ${text[0] ?? ''}`)
      for (const more of text.slice(1)) lines.push(`    ${' '.repeat(width)}  ${more}`)
      const refs = step.evidence
        .slice(0, 3)
        .map((e) => `${e.source}${e.at ? `#${e.at}` : ''}`)
        .join(', ')
      if (refs) lines.push(`    ${' '.repeat(width)}  ${c.dim(`[${refs}]`)}`)
    }
  }
  if (rc.remedies.length > 0) {
    lines.push('', c.bold('REMEDIES'))
    for (const remedy of rc.remedies) {
      lines.push(`  ${c.bold(remedy.title)}`)
      for (const l of markdownToTerminal(remedy.markdown, c, options.color === true))
        lines.push(l.trim() === '' ? '' : `    ${l}`)
    }
  }
  const issues = report.findings.filter((f) => f.verdict === 'issue')
  const okOnes = report.findings.filter((f) => f.verdict === 'ok')
  lines.push('', c.bold('FINDINGS'))
  if (issues.length === 0) lines.push('  none above OK')
  for (const f of issues) {
    lines.push(
      `  ${sevColour(f.severity, f.severity.toUpperCase().padEnd(8))} ${f.id}  (confidence ${f.confidence})`,
    )
    for (const l of wrap(f.summary, 96)) lines.push(`    ${l}`)
  }
  if (okOnes.length > 0) lines.push(`  ok: ${[...new Set(okOnes.map((f) => f.id))].join(', ')}`)
  if (report.notChecked.length > 0) {
    lines.push('', c.bold('NOT CHECKED (insufficient data)'))
    for (const n of report.notChecked)
      for (const [i, l] of wrap(n, 98).entries()) lines.push(`${i ? '    ' : '  '}${l}`)
  }
  lines.push('', c.bold('EVIDENCE COLLECTED'))
  lines.push(
    formatTable(
      ['SOURCE', 'STATUS', 'FILES', 'NOTE'],
      sourceNames.map((name) => {
        const s = report.sources[name]
        const files = s.files.length > 1 ? `${s.files[0]} +${s.files.length - 1}` : s.files[0]
        return [name, s.status, files, s.reason ?? s.warnings[0]]
      }),
    )
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  )
  for (const w of report.warnings) lines.push(`  warning: ${w}`)
  if (options.written && options.written.length > 0) {
    lines.push('', `${c.bold('WRITTEN')}  ${options.written.join('  ')}`)
  }
  return lines.join('\n')
}

function chainMark(status: ChainStatus): string {
  return status === 'seen' ? '✔' : status === 'not-seen' ? '✘' : '?'
}

/** Word-wraps one paragraph. */
export function wrap(text: string, width: number): string[] {
  const out: string[] = []
  let line = ''
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  if (line) out.push(line)
  return out
}
