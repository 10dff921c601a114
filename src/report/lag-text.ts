import type { LagGroupReport, LagReport, LagReportRow } from '../analyse/lag/analyse-lag.js'
import { type Cell, formatTable } from '../cli/table.js'
import type { Severity } from '../outcome.js'
import { formatDuration } from '../util/duration.js'

/**
 * The human view of a lag report. First the table kafka-consumer-groups users know — the same nine
 * columns in the same order, `-` where it prints `-` — followed by kafka-doctor's own columns (last
 * stable offset and the lag against it, log start, leader and leader epoch, status, and under
 * --watch the lag in seconds); then one line per group; then the findings, worst first.
 */

export const lagTableHeaders = [
  'GROUP',
  'TOPIC',
  'PARTITION',
  'CURRENT-OFFSET',
  'LOG-END-OFFSET',
  'LAG',
  'CONSUMER-ID',
  'HOST',
  'CLIENT-ID',
  'LSO',
  'LAG-LSO',
  'LOG-START',
  'LEADER',
  'EPOCH',
  'STATUS',
] as const

export interface LagTextOptions {
  /** Print each finding's remedy (default true). */
  remedies?: boolean
}

export function renderLagText(report: LagReport, options: LagTextOptions = {}): string {
  const lines: string[] = []
  const watching = report.samples > 1
  const headers: string[] = [...lagTableHeaders, ...(watching ? ['LAG-SECONDS'] : [])]
  const rows = report.groups.flatMap((g) => g.rows)
  if (watching) {
    lines.push(`${report.samples} samples over ${formatDuration(report.windowMs)}`, '')
  }
  lines.push(
    rows.length > 0
      ? rowTable(headers, rows, watching)
      : report.groups.length > 0
        ? 'no partitions to show'
        : 'no consumer groups',
  )
  if (report.groups.length > 0) {
    lines.push(
      '',
      formatTable(
        ['GROUP', 'TYPE', 'STATE', 'MEMBERS', 'COORDINATOR', 'ISOLATION', 'LAG', 'MAX-LAG', 'STATUS'],
        report.groups.map((g) => [
          g.group,
          g.type,
          g.state,
          g.members,
          g.coordinator,
          isolationText(g),
          g.totalLag,
          g.maxLag ? `${g.maxLag.lag} (${g.maxLag.topic}-${g.maxLag.partition})` : null,
          g.status,
        ]),
      ),
    )
  }
  const findings = [...report.findings]
    .filter((f) => f.severity !== 'info' || f.verdict !== 'ok')
    .sort((a, b) => severityOrder(b.severity) - severityOrder(a.severity) || b.confidence - a.confidence)
  if (findings.length > 0) {
    lines.push('', 'FINDINGS')
    for (const f of findings) lines.push(`${f.severity.toUpperCase().padEnd(8)} ${f.id}  ${f.summary}`)
    if (options.remedies ?? true) {
      const seen = new Set<string>()
      for (const f of findings) {
        if (!f.remedy || f.severity === 'info' || seen.has(f.id)) continue
        seen.add(f.id)
        lines.push('', `What to do (${f.id}):`, ...f.remedy.split('\n').map((l) => `  ${l}`))
      }
    }
  }
  const notes = report.findings.filter((f) => f.severity === 'info' && f.verdict === 'ok')
  if (notes.length > 0) {
    lines.push('')
    for (const n of notes) lines.push(`note: ${n.summary}`)
  }
  return lines.join('\n')
}

/**
 * The partition table, laid out exactly as formatTable does (`-` for empty cells, two spaces between
 * columns, the last one unpadded), but in two passes over one flat array of cell texts: with
 * --all-groups on a large cluster it holds tens of thousands of rows.
 */
function rowTable(headers: readonly string[], rows: readonly LagReportRow[], watching: boolean): string {
  const columns = headers.length
  const cells: string[] = new Array(rows.length * columns)
  const widths = headers.map((h) => h.length)
  let i = 0
  for (const r of rows) {
    const values: Cell[] = [
      r.group,
      r.topic,
      r.partition,
      r.committed,
      r.highWatermark,
      r.lag,
      r.memberId,
      r.host,
      r.clientId,
      r.lastStableOffset,
      r.lagLso,
      r.logStartOffset,
      r.leader,
      r.leaderEpoch,
      r.topic === null ? null : r.status,
    ]
    if (watching) values.push(secondsText(r))
    for (let c = 0; c < columns; c++) {
      const v = values[c]
      const text = v === null || v === undefined || v === '' ? '-' : String(v)
      cells[i++] = text
      if (text.length > (widths[c] ?? 0)) widths[c] = text.length
    }
  }
  const line = (at: (c: number) => string) => {
    let out = ''
    for (let c = 0; c < columns; c++) {
      const text = at(c)
      out += c === columns - 1 ? text : `${text.padEnd(widths[c] ?? 0)}  `
    }
    return out.trimEnd()
  }
  const out: string[] = [line((c) => headers[c] ?? '')]
  for (let r = 0; r < rows.length; r++) out.push(line((c) => cells[r * columns + c] ?? '-'))
  return out.join('\n')
}

function secondsText(r: LagReportRow): string | null {
  if (r.lagSeconds === undefined || r.lagSeconds === null) return null
  const value = r.lagSeconds.toFixed(1)
  return r.lagSecondsKind === 'at-least' ? `>=${value}` : r.lagSecondsKind === 'zero' ? '0' : value
}

function isolationText(g: LagGroupReport): string {
  if (g.isolation.level === 'unknown') return 'unknown'
  return g.isolation.source === 'inferred' ? `${g.isolation.level} (inferred)` : g.isolation.level
}

function severityOrder(s: Severity): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0
}
