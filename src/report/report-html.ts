import { jsonReplacer } from '../util/json.js'
import type { ReportJson } from './report-json.js'

/**
 * The hook for the self-contained HTML report. `kafka-doctor diagnose` and `analyze` call
 * `renderReportHtml(report)` and write `report.html` beside `report.json`. This placeholder shows the
 * root cause and embeds report.json safely; the full page (charts, flame graph) replaces it.
 */
export function renderReportHtml(report: ReportJson): string {
  const rc = report.rootCause
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>kafka-doctor: ${escapeHtml(rc.title)}</title></head>
<body>
<h1>${escapeHtml(rc.title)}</h1>
<p>${escapeHtml(rc.summary)}</p>
<script type="application/json" id="kafka-doctor-report">${embedJson(report)}</script>
</body>
</html>
`
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

/** JSON safe inside <script>: no `</script>`, `<!--`, or U+2028/2029 can end or break it. */
export function embedJson(value: unknown): string {
  return JSON.stringify(value, jsonReplacer())
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}
