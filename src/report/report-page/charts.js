// The report page's time-series charts, drawn with uPlot from report.json's `series` (see
// docs/bundle.md): lag per partition (with the lag as seen through each claimed leader as separate
// points), requests and errors per second per API, and the JVM's CPU. Times in report.json are ms
// since the epoch; uPlot wants seconds. Every chart is registered in `registry` so that the page (and
// its browser test) can see what was drawn.
import uPlot from 'uplot'

const palette = [
  '#1f77b4',
  '#d62728',
  '#2ca02c',
  '#9467bd',
  '#ff7f0e',
  '#17becf',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
]
/** Claimed-leader points: drawn in colours of their own, as large hollow markers. */
const claimPalette = ['#e6007e', '#ff9f00', '#00a651', '#6a3d9a']

const maxLagSeries = 10

export function colourAt(index) {
  return palette[index % palette.length]
}

/** A number for drawing: offsets beyond 2^53 arrive as decimal strings. */
function drawable(value) {
  if (value === null || value === undefined) return null
  const n = typeof value === 'string' ? Number(value) : value
  return Number.isFinite(n) ? n : null
}

/** Aligns series given as [{ t, v }] lists on the union of their times (uPlot's data layout). */
export function align(lists) {
  const times = [...new Set(lists.flatMap((list) => list.map((p) => p.t)))].sort((a, b) => a - b)
  const at = new Map(times.map((t, i) => [t, i]))
  const columns = lists.map((list) => {
    const column = new Array(times.length).fill(null)
    for (const p of list) column[at.get(p.t)] = p.v
    return column
  })
  return [times.map((t) => t / 1000), ...columns]
}

/** A horizontal line at y = 0, so that negative lag is seen at a glance. */
function zeroLine(u) {
  const min = u.scales.y.min
  const max = u.scales.y.max
  if (min === null || max === null || min > 0 || max < 0) return
  const y = Math.round(u.valToPos(0, 'y', true))
  const { ctx } = u
  ctx.save()
  ctx.strokeStyle = '#555'
  ctx.lineWidth = 1
  ctx.setLineDash([4, 4])
  ctx.beginPath()
  ctx.moveTo(u.bbox.left, y)
  ctx.lineTo(u.bbox.left + u.bbox.width, y)
  ctx.stroke()
  ctx.restore()
}

function chartWidth(container) {
  return Math.max(280, Math.min(container.clientWidth || 800, 1100))
}

function utc(ts) {
  return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC')
}

const clock = uPlot.fmtDate('{HH}:{mm}:{ss}')

function timeAxis() {
  return { label: 'time (UTC)', labelSize: 20, values: (_u, splits) => splits.map((s) => clock(utc(s))) }
}

export function makeChart(
  registry,
  container,
  { id, title, yLabel, series, data, log = false, zero = false },
) {
  const holder = document.createElement('div')
  holder.className = 'chart'
  holder.dataset.chart = id
  container.appendChild(holder)
  const options = {
    title,
    width: chartWidth(container),
    height: 260,
    tzDate: utc,
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true }, y: log ? { distr: 3, log: 10 } : { auto: true } },
    axes: [timeAxis(), { label: yLabel, labelSize: 20, size: 60 }],
    series: [{ label: 'time', value: (_u, v) => (v === null ? '--' : clock(utc(v))) }, ...series],
    hooks: zero ? { draw: [zeroLine] } : {},
  }
  const chart = new uPlot(options, data, holder)
  registry.push({ id, chart, holder })
  return chart
}

function lineSeries(label, stroke) {
  return { label, stroke, width: 2, spanGaps: true, points: { show: true, size: 5, fill: stroke } }
}

function pointSeries(label, stroke) {
  return {
    label,
    stroke,
    width: 2,
    paths: () => null,
    points: { show: true, size: 11, width: 2.5, fill: '#fff', stroke },
  }
}

/** One chart per group × topic: lag per partition, and the lag each claimed leader's HW gives. */
export function lagCharts(registry, container, lagSeries) {
  const byTopic = new Map()
  for (const s of lagSeries) {
    const key = `${s.group}\u0000${s.topic}`
    if (!byTopic.has(key)) byTopic.set(key, [])
    byTopic.get(key).push(s)
  }
  let n = 0
  for (const list of byTopic.values()) {
    const first = list[0]
    // Partitions with something to show come first: claimed leaders, then the largest |lag|.
    const extent = (s) => Math.max(0, ...s.points.map((p) => Math.abs(drawable(p.lag) ?? 0)))
    const ranked = [...list].sort(
      (a, b) =>
        b.claimedLeaders.length - a.claimedLeaders.length ||
        extent(b) - extent(a) ||
        a.partition - b.partition,
    )
    const shown = ranked.slice(0, maxLagSeries).sort((a, b) => a.partition - b.partition)
    const lists = []
    const series = []
    shown.forEach((s, i) => {
      series.push(lineSeries(`p${s.partition} lag`, colourAt(i)))
      lists.push(s.points.map((p) => ({ t: p.t, v: drawable(p.lag) })))
    })
    let claims = 0
    for (const s of shown) {
      const byBroker = new Map()
      for (const c of s.claimedLeaders) {
        const key = `${c.broker}/${c.leaderEpoch}`
        if (!byBroker.has(key)) byBroker.set(key, [])
        byBroker.get(key).push(c)
      }
      for (const points of byBroker.values()) {
        const c = points[0]
        series.push(
          pointSeries(
            `p${s.partition} via broker ${c.broker} (epoch ${c.leaderEpoch})`,
            claimPalette[claims++ % claimPalette.length],
          ),
        )
        lists.push(points.map((p) => ({ t: p.t, v: drawable(p.lag) })))
      }
    }
    const omitted = list.length - shown.length
    makeChart(registry, container, {
      id: `lag-${n++}`,
      title: `Lag of ${first.group} on ${first.topic}${omitted > 0 ? ` (${shown.length} of ${list.length} partitions)` : ''}`,
      yLabel: 'records (HW − committed)',
      series,
      data: align(lists),
      zero: true,
    })
  }
}

/** Requests per second per API (log scale: Fetch and Metadata differ by orders of magnitude). */
export function trafficCharts(registry, container, traffic) {
  const apis = [...new Set(traffic.points.flatMap((p) => Object.keys(p.byApi)))]
  const total = (api, key) => traffic.points.reduce((sum, p) => sum + (p.byApi[api]?.[key] ?? 0), 0)
  apis.sort((a, b) => total(b, 'requestsPerS') - total(a, 'requestsPerS') || a.localeCompare(b))
  const column = (api, key, zeroAsGap) =>
    traffic.points.map((p) => {
      const v = p.byApi[api]?.[key] ?? 0
      return { t: p.t, v: zeroAsGap && v === 0 ? null : v }
    })
  makeChart(registry, container, {
    id: 'requests',
    title: 'Requests per second, per API (log scale)',
    yLabel: 'requests/s',
    series: apis.map((api, i) => lineSeries(api, colourAt(i))),
    data: align(apis.map((api) => column(api, 'requestsPerS', true))),
    log: true,
  })
  const erroring = apis.filter((api) => total(api, 'errorsPerS') > 0)
  if (erroring.length === 0) {
    const note = document.createElement('p')
    note.className = 'note'
    note.dataset.chart = 'errors'
    note.textContent = 'No error code in any answer of the capture.'
    container.appendChild(note)
    return
  }
  makeChart(registry, container, {
    id: 'errors',
    title: 'Answers with an error code per second, per API',
    yLabel: 'errors/s',
    series: erroring.map((api) => lineSeries(api, colourAt(apis.indexOf(api)))),
    data: align(erroring.map((api) => column(api, 'errorsPerS', false))),
  })
}

export function cpuChart(registry, container, cpu) {
  makeChart(registry, container, {
    id: 'cpu',
    title: 'JVM process CPU (% of one core)',
    yLabel: '% of a core',
    series: [lineSeries('process CPU', colourAt(0))],
    data: align([cpu.map((p) => ({ t: p.t, v: p.processCpuPercent }))]),
  })
}

/** Charts follow the window's width (narrow windows, print). */
export function resizeCharts(registry) {
  for (const { chart, holder } of registry) {
    const width = chartWidth(holder.parentElement)
    if (Math.abs(width - chart.width) > 2) chart.setSize({ width, height: chart.height })
  }
}
