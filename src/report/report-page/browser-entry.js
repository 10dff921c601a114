// The report page's script, bundled with uPlot and d3-flame-graph by scripts/bundle-report-page.mjs
// into dist/report/report-page/page.bundle.js and inlined into every report.html. Everything that is
// text (root cause, chain, remedies, findings, tables) is already in the HTML; this draws what needs
// drawing — the charts and the flame graph — from report.json, embedded in the page as
// <script type="application/json" id="report-data">. No network: the page's CSP forbids it.
import { drawFlameChart } from '../flame-graph/flame-chart.js'
import { flameTree } from '../flame-tree.js'
import { cpuChart, lagCharts, resizeCharts, trafficCharts } from './charts.js'

function formatWeight(value, unit) {
  return unit === 'cpu-us'
    ? `${(value / 1000).toLocaleString(undefined, { maximumFractionDigits: 1 })} ms CPU`
    : `${value.toLocaleString()} samples`
}

function drawFlameGraph(profile) {
  const container = document.getElementById('flame')
  if (!container || !profile || profile.stacks.length === 0) return null
  const weight = (value) => formatWeight(value, profile.weightUnit)
  return drawFlameChart({
    container,
    details: document.getElementById('flame-details'),
    tree: flameTree(profile.stacks),
    describeSearch: (sum, total) => `${weight(sum)} of ${weight(total)}`,
    describeFrame: weight,
    controls: {
      search: document.getElementById('flame-search'),
      reset: document.getElementById('flame-reset'),
      kafka: document.getElementById('flame-kafka'),
    },
  })
}

/** Runs one part of the page; a failure is shown where the part would be, and the rest still draws. */
function part(id, draw) {
  const container = document.getElementById(id)
  if (!container) return
  try {
    draw(container)
  } catch (error) {
    const note = document.createElement('p')
    note.className = 'note failed'
    note.textContent = `could not draw this part: ${error instanceof Error ? error.message : String(error)}`
    container.appendChild(note)
    throw error
  }
}

function start() {
  const report = JSON.parse(document.getElementById('report-data').textContent)
  const registry = []
  const failures = []
  const run = (id, draw) => {
    try {
      part(id, draw)
    } catch (error) {
      failures.push(error)
    }
  }
  const { lag, traffic, cpu } = report.series
  if (lag.length > 0) run('lag-charts', (c) => lagCharts(registry, c, lag))
  if (traffic && traffic.points.length > 0) run('traffic-charts', (c) => trafficCharts(registry, c, traffic))
  if (cpu.length > 0) run('cpu-charts', (c) => cpuChart(registry, c, cpu))
  let flame = null
  run('flame', () => {
    flame = drawFlameGraph(report.profile)
  })

  let pending = 0
  window.addEventListener('resize', () => {
    cancelAnimationFrame(pending)
    pending = requestAnimationFrame(() => resizeCharts(registry))
  })
  // Printing shows every finding, closed or not.
  window.addEventListener('beforeprint', () => {
    for (const d of document.querySelectorAll('details')) d.open = true
  })

  // What was drawn, for a person in the console and for the page's browser test.
  window.kafkaDoctorReport = {
    charts: registry.map(({ id, chart }) => ({
      id,
      title: chart.root.querySelector('.u-title')?.textContent ?? '',
      series: chart.series.slice(1).map((s, i) => ({
        label: s.label,
        stroke: typeof s.stroke === 'function' ? s.stroke(chart, i + 1) : s.stroke,
        values: chart.data[i + 1],
      })),
    })),
    flameGraph: flame !== null,
  }
  document.body.dataset.ready = failures.length === 0 ? 'true' : 'partial'
  document.body.dataset.renderMs = String(Math.round(performance.now()))
  for (const error of failures) console.error(error)
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
