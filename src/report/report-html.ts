import type { ReportJson } from './report-json.js'
import { reportPageAssets } from './report-page/assets.js'
import { embedJson, escapeHtml, scriptHashSource, sha256Hex } from './report-page/html.js'
import {
  chainSection,
  cpuSection,
  findingsSection,
  lagSection,
  profileSection,
  remediesSection,
  sourcesSection,
  threadsSection,
  tocNav,
  trafficSection,
  verdictSection,
} from './report-page/sections.js'

export { embedJson, escapeHtml } from './report-page/html.js'

/**
 * `report.html`: one self-contained file rendered from report.json alone — the verdict and root cause
 * first, the evidence chain, the remedies, lag over time (with the lag as each claimed leader reports
 * it), requests and errors per API over time, CPU, the hot threads, the flame graph, the ranked
 * findings and what each source collected. The text is rendered here (src/report/report-page/
 * sections.ts); the inlined script (uPlot and d3-flame-graph, bundled at build time) draws the charts
 * from the report embedded as JSON. A Content-Security-Policy allows exactly that one script (by its
 * hash) and inline styles, and nothing from the network: the page works from file://, as an e-mail
 * attachment or inside an evidence bundle.
 *
 * The page is stamped with the tool version and the SHA-256 of the embedded data (the text of the
 * `report-data` element), so that a copy can be checked against the report.json it came from.
 */
export function renderReportHtml(report: ReportJson): string {
  const assets = reportPageAssets()
  const data = embedJson(report)
  const dataHash = sha256Hex(data)
  const scriptSources = assets ? scriptHashSource(assets.script) : "'none'"
  const csp = `default-src 'none'; script-src ${scriptSources}; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'`
  const sections: [string, string][] = [
    ...(report.rootCause.chain.length > 0 ? ([['chain', 'Evidence chain']] as [string, string][]) : []),
    ...(report.rootCause.remedies.length > 0 ? ([['remedies', 'Remedies']] as [string, string][]) : []),
    ['lag', 'Lag'],
    ['traffic', 'Requests & errors'],
    ['cpu', 'CPU'],
    ['threads', 'Hot threads'],
    ['profile', 'Flame graph'],
    ['findings', 'Findings'],
    ['sources', 'Evidence collected'],
  ]
  const missingAssets = assets
    ? ''
    : '<p class="note failed" id="no-assets">The charts and the flame graph are missing: this kafka-doctor was not built with its page assets (run <code>npm run build</code> in its checkout, then <code>kafka-doctor analyze</code> on the bundle again).</p>'
  const version = report.tool.version
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kafka-doctor ${escapeHtml(version)}">
<meta name="kafka-doctor-data-sha256" content="${dataHash}">
<title>kafka-doctor: ${escapeHtml(report.rootCause.title)}</title>
<style>
${assets?.css ?? ''}
</style>
</head>
<body>
${verdictSection(report)}
${tocNav(sections)}
${missingAssets}
${chainSection(report)}
${remediesSection(report)}
${lagSection(report)}
${trafficSection(report)}
${cpuSection(report)}
${threadsSection(report)}
${profileSection(report)}
${findingsSection(report)}
${sourcesSection(report)}
<footer id="stamp">
Written by kafka-doctor <span id="tool-version">${escapeHtml(version)}</span> at ${escapeHtml(report.generatedAt)} from a bundle collected by ${escapeHtml(report.bundle.collectedBy)} (${escapeHtml(report.bundle.createdAt)}).
Report schema ${escapeHtml(report.schema)}; data SHA-256 <code id="data-sha256">${dataHash}</code> (of the <code>report-data</code> element's text).
</footer>
<script type="application/json" id="report-data">${data}</script>
${assets ? `<script>${assets.script}</script>` : ''}
</body>
</html>
`
}
