// The flame graph as both pages draw it (profile.html and report.html): d3-flame-graph with Kafka
// frames in their own colour, a plain substring search, and the search / reset / Kafka-frames
// controls. Each page says how to write a weight in words (its profile's unit).
import flamegraph from 'd3-flame-graph'
import { select } from 'd3-selection'
import { frameColour } from './frame-colours.js'

/**
 * Draws `tree` into `container` and wires the controls (any of them may be absent).
 * `describeSearch(sum, total)` fills `details` after a search; `describeFrame(value)` is a frame's
 * weight in its tooltip.
 */
export function drawFlameChart({ container, details, tree, describeSearch, describeFrame, controls }) {
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
      details.textContent = `search: ${describeSearch(sum, total)} (${((100 * sum) / total).toFixed(1)}%)`
    })
    .setLabelHandler(
      (d) => `${d.data.name} — ${describeFrame(d.value)} (${((100 * d.value) / tree.value).toFixed(2)}%)`,
    )
  select(container).datum(tree).call(chart)

  const { search, reset, kafka } = controls
  search?.addEventListener('input', () => {
    if (search.value) chart.search(search.value)
    else chart.clear()
  })
  reset?.addEventListener('click', () => {
    if (search) search.value = ''
    chart.clear()
    chart.resetZoom()
  })
  kafka?.addEventListener('click', () => {
    if (search) search.value = 'org.apache.kafka.'
    chart.search('org.apache.kafka.')
  })
  return chart
}
