// The flame graph page's script, bundled with d3-flame-graph by scripts/bundle-flame-graph.mjs into
// dist/report/flame-graph/page.bundle.js and inlined into every profile HTML page. It reads the
// profile from the page's <script type="application/json" id="profile-data"> element: no network.
import flamegraph from 'd3-flame-graph'
import { select } from 'd3-selection'
import { frameColour } from './frame-colours.js'

function start() {
  const data = JSON.parse(document.getElementById('profile-data').textContent)
  const container = document.getElementById('chart')
  const details = document.getElementById('details')
  const unit = data.unit === 'cpu-us' ? 'ms CPU' : 'samples'
  const scale = data.unit === 'cpu-us' ? 1000 : 1
  const chart = flamegraph()
    .width(Math.max(600, container.clientWidth))
    .cellHeight(18)
    .transitionDuration(250)
    .minFrameSize(1)
    .sort(true)
    .title('')
    .setDetailsElement(details)
    .setColorMapper(frameColour)
    // Plain substring search: the library's default compiles the term as a regular expression, which
    // throws on input such as `poll(`.
    .setSearchMatch(
      (d, term) => Boolean(term) && (d.data.name || '').toLowerCase().includes(term.toLowerCase()),
    )
    .setSearchHandler((_results, sum, total) => {
      details.textContent = `search: ${(sum / scale).toLocaleString(undefined, { maximumFractionDigits: 1 })} of ${(total / scale).toLocaleString(undefined, { maximumFractionDigits: 1 })} ${unit} (${((100 * sum) / total).toFixed(1)}%)`
    })
    .setLabelHandler(
      (d) =>
        `${d.data.name} — ${(d.value / scale).toLocaleString(undefined, { maximumFractionDigits: 1 })} ${unit} (${((100 * d.value) / data.tree.value).toFixed(2)}%)`,
    )
  select(container).datum(data.tree).call(chart)

  const search = document.getElementById('search')
  search.addEventListener('input', () => {
    if (search.value) chart.search(search.value)
    else chart.clear()
  })
  document.getElementById('reset').addEventListener('click', () => {
    search.value = ''
    chart.clear()
    chart.resetZoom()
  })
  document.getElementById('kafka').addEventListener('click', () => {
    search.value = 'org.apache.kafka.'
    chart.search(search.value)
  })
  document.body.dataset.ready = 'true'
  document.body.dataset.renderMs = String(Math.round(performance.now()))
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
