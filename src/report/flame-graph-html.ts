import { readFileSync } from 'node:fs'
import type { ProfileResult } from '../collect/profile/profile-result.js'
import { CollectError } from '../errors.js'
import { flameTree } from './flame-tree.js'

export { type FlameNode, flameTree } from './flame-tree.js'

/**
 * A self-contained HTML flame graph: d3-flame-graph (bundled with its d3 modules at build time by
 * scripts/bundle-flame-graph.mjs) and the profile are inlined, a Content-Security-Policy forbids any
 * network access, and the page works from a file:// URL, an e-mail attachment or an evidence bundle.
 * Zoom (click), substring search, a "Kafka frames" button; Kafka client frames are teal, JDK frames
 * grey, everything else warm. The hot-method table is rendered here, in HTML, so it reads without
 * JavaScript too.
 *
 * The data goes into a `<script type="application/json">` element. JSON.stringify alone is not safe
 * there: `</script>` in a frame or thread name would end the element, and U+2028/U+2029 break older
 * parsers, so `<`, `>`, `&`, U+2028 and U+2029 are written as \u escapes (still the same JSON).
 */

/** JSON that can sit inside an HTML `<script>` element whatever the strings hold. */
export function jsonForScriptElement(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

interface PageAssets {
  script: string
  css: string
}

let assets: PageAssets | undefined

/**
 * The bundle is read from dist/ whether this module runs from dist/ (installed) or from src/ (tests
 * through tsx/vitest): both sit three levels below the package root.
 */
function loadAssets(): PageAssets {
  if (assets) return assets
  const dir = new URL('../../dist/report/flame-graph/', import.meta.url)
  try {
    assets = {
      script: readFileSync(new URL('page.bundle.js', dir), 'utf8'),
      css: readFileSync(new URL('flame-graph.css', dir), 'utf8'),
    }
  } catch {
    throw new CollectError('the flame graph page assets are missing (dist/report/flame-graph)', {
      hint: 'run `npm run build` in the kafka-doctor checkout',
    })
  }
  return assets
}

export interface FlameGraphPageOptions {
  title: string
  /** One line under the title: what was profiled, how long, how. */
  subtitle: string
  toolVersion: string
  hotMethodRows?: number
}

export function renderFlameGraphHtml(profile: ProfileResult, options: FlameGraphPageOptions): string {
  const { script, css } = loadAssets()
  const tree = flameTree(profile.stacks)
  const data = { unit: profile.weightUnit, tree }
  const unit = profile.weightUnit === 'cpu-us' ? 'CPU ms' : 'samples'
  const fmt = (v: number) => (profile.weightUnit === 'cpu-us' ? (v / 1000).toFixed(1) : String(v))
  const rows = profile.hotMethods.slice(0, options.hotMethodRows ?? 30)
  const table = rows
    .map(
      (m) =>
        `<tr${m.kafka ? ' class="kafka"' : ''}><td class="num">${fmt(m.self)}</td><td class="num">${m.selfPercent.toFixed(1)}%</td><td class="num">${fmt(m.total)}</td><td class="num">${m.totalPercent.toFixed(1)}%</td><td>${escapeHtml(m.method)}</td></tr>`,
    )
    .join('\n')
  const threads = profile.threads
    .slice(0, 15)
    .map(
      (t) =>
        `<tr><td class="num">${fmt(t.weight)}</td><td class="num">${t.cpuPercent === undefined ? '' : `${t.cpuPercent.toFixed(1)}%`}</td><td>${escapeHtml(t.label ?? '')}</td><td>${escapeHtml(t.name)}</td></tr>`,
    )
    .join('\n')
  const warnings = profile.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="kafka-doctor ${escapeHtml(options.toolVersion)}">
<title>${escapeHtml(options.title)}</title>
<style>
${css}
body { font: 14px system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; }
.sub { color: #555; margin-bottom: 12px; }
.bar { display: flex; gap: 8px; align-items: center; margin: 8px 0; }
.bar input { flex: 0 1 360px; padding: 4px 6px; }
#details { color: #555; min-height: 1.4em; font-family: ui-monospace, monospace; font-size: 12px; }
#chart { width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 12px; }
th, td { padding: 2px 10px 2px 0; text-align: left; font-family: ui-monospace, monospace; }
th { border-bottom: 1px solid #ccc; font-family: system-ui, sans-serif; }
td.num { text-align: right; }
tr.kafka td { color: #00796b; font-weight: 600; }
.legend span { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 4px 0 12px; }
.warnings { color: #8a5300; }
</style>
</head>
<body>
<h1>${escapeHtml(options.title)}</h1>
<div class="sub">${escapeHtml(options.subtitle)}</div>
<div class="bar">
<input id="search" type="search" placeholder="search frames (substring)" aria-label="search frames">
<button id="kafka" type="button">Kafka frames</button>
<button id="reset" type="button">Reset zoom</button>
<span class="legend"><span style="background:rgb(0,150,136)"></span>Kafka client<span style="background:rgb(181,190,200)"></span>JDK/JVM<span style="background:rgb(230,120,40)"></span>other</span>
</div>
<div id="details"></div>
<div id="chart"></div>
${warnings ? `<ul class="warnings">${warnings}</ul>` : ''}
<h2>Hot methods</h2>
<table>
<thead><tr><th>self ${unit}</th><th>self</th><th>total ${unit}</th><th>total</th><th>method</th></tr></thead>
<tbody>
${table}
</tbody>
</table>
<h2>Threads</h2>
<table>
<thead><tr><th>${unit}</th><th>CPU</th><th>class</th><th>thread</th></tr></thead>
<tbody>
${threads}
</tbody>
</table>
<script type="application/json" id="profile-data">${jsonForScriptElement(data)}</script>
<script>${script}</script>
</body>
</html>
`
}
