// The flame graph page's script, bundled with d3-flame-graph by scripts/bundle-flame-graph.mjs into
// dist/report/flame-graph/page.bundle.js and inlined into every profile HTML page. It reads the
// profile from the page's <script type="application/json" id="profile-data"> element: no network.
import { drawFlameChart } from './flame-chart.js'

function start() {
  const data = JSON.parse(document.getElementById('profile-data').textContent)
  const unit = data.unit === 'cpu-us' ? 'ms CPU' : 'samples'
  const scale = data.unit === 'cpu-us' ? 1000 : 1
  const amount = (value) => (value / scale).toLocaleString(undefined, { maximumFractionDigits: 1 })
  drawFlameChart({
    container: document.getElementById('chart'),
    details: document.getElementById('details'),
    tree: data.tree,
    describeSearch: (sum, total) => `${amount(sum)} of ${amount(total)} ${unit}`,
    describeFrame: (value) => `${amount(value)} ${unit}`,
    controls: {
      search: document.getElementById('search'),
      reset: document.getElementById('reset'),
      kafka: document.getElementById('kafka'),
    },
  })
  document.body.dataset.ready = 'true'
  document.body.dataset.renderMs = String(Math.round(performance.now()))
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
