/// <reference lib="dom" />
/**
 * report.html as a person opens it: headless Chromium loads the page from file:// with no network, on
 * the report of real recorded bundles (the reference incident with the 3.6 client, a healthy consumer,
 * a run without --pid) written by the built CLI, and on a report whose names hold everything that can
 * break an HTML page. It finds the root cause, checks that every chart and the flame graph were drawn
 * (non-empty canvases with the series' colours on them, the flame graph's rectangles), the tables, no
 * console error, no request, and keeps screenshots (and a PDF) under test-artifacts/.
 */
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { diagnoseBundle } from '../../src/analyse/diagnosis.js'
import { readBundle } from '../../src/collect/bundle/read-bundle.js'
import { embedJson, renderReportHtml } from '../../src/report/report-html.js'
import { buildReport, type ReportJson } from '../../src/report/report-json.js'
import { toolVersion } from '../../src/version.js'
import { withChromium } from '../support/chromium.js'
import { runCli } from '../support/cli.js'
import { recordedBundle } from '../support/recorded-bundles.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const artifacts = join(repo, 'test-artifacts')
let work: string

beforeAll(() => {
  // The page inlines what `npm run build` makes (the CLI runs from dist/); build it for a targeted run.
  execFileSync('npm', ['run', 'build'], { cwd: repo, stdio: 'pipe' })
  work = mkdtempSync(join(tmpdir(), 'kd-report-html-'))
  mkdirSync(artifacts, { recursive: true })
}, 120_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

interface Opened {
  page: Page
  problems: string[]
  requests: string[]
}

/** Opens a page from file:// and records every console error or warning, page error, dialog and request. */
async function open(context: BrowserContext, file: string, width = 1280): Promise<Opened> {
  const page = await context.newPage()
  await page.setViewportSize({ width, height: 900 })
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`)
    void d.dismiss()
  })
  page.on('request', (r) => {
    if (r.url() !== `file://${file}`) requests.push(r.url())
  })
  await page.goto(`file://${file}`)
  await page.waitForSelector('body[data-ready]', { timeout: 15_000 })
  expect(await page.getAttribute('body', 'data-ready')).toBe('true')
  return { page, problems, requests }
}

interface DrawnChart {
  id: string
  title: string
  series: { label: string; stroke: string; values: (number | null)[] }[]
}

async function charts(page: Page): Promise<DrawnChart[]> {
  return page.evaluate(
    () => (window as unknown as { kafkaDoctorReport: { charts: DrawnChart[] } }).kafkaDoctorReport.charts,
  )
}

/**
 * How many pixels of a chart's canvas have (about) a colour: proof that a series was drawn, not just
 * an empty frame with axes.
 */
async function pixelsOf(page: Page, chartId: string, colour: string): Promise<number> {
  return page.evaluate(
    ([id, hex]) => {
      const canvas = document.querySelector<HTMLCanvasElement>(`[data-chart="${id}"] canvas`)
      if (!canvas || canvas.width === 0 || canvas.height === 0) return -1
      const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16))
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data
      let n = 0
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3]! < 200) continue
        if (Math.abs(data[i]! - r!) + Math.abs(data[i + 1]! - g!) + Math.abs(data[i + 2]! - b!) < 60) n++
      }
      return n
    },
    [chartId, colour] as const,
  )
}

async function canvasSizes(page: Page): Promise<{ chart: string; width: number; height: number }[]> {
  return page.$$eval('[data-chart] canvas', (list) =>
    list.map((c) => {
      const box = c.getBoundingClientRect()
      return {
        chart: c.closest('[data-chart]')?.getAttribute('data-chart') ?? '',
        width: box.width,
        height: box.height,
      }
    }),
  )
}

describe('report.html of the recorded incident (kafka-clients 3.6), written by the built CLI', () => {
  it('shows the root cause first, draws every chart and the flame graph, offline, without errors', async () => {
    const out = join(work, 'incident-old')
    const run = await runCli(['analyze', recordedBundle('incident-old'), '--out', out], {
      built: true,
      timeoutMs: 60_000,
    })
    expect(run.code, run.stderr).toBe(2)
    expect(run.stdout).toContain(`${join(out, 'report.html')}`)
    const file = join(out, 'report.html')
    const html = readFileSync(file, 'utf8')
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ReportJson
    // One data island and one inlined script, allowed by its hash; nothing from the network.
    expect(html.match(/<script/g)).toHaveLength(2)
    expect(html).toMatch(
      /Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-/,
    )
    expect(html).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i)
    expect(html).not.toMatch(/@import|url\(\s*["']?(?:https?:)?\/\//i)

    await withChromium(async (context) => {
      const { page, problems, requests } = await open(context, file)
      const title = await page.textContent('#root-cause-title')
      expect(title).toBe(report.rootCause.title)
      expect(title).toMatch(/^Stale leadership on broker 2 for incident-old-[a-z0-9]+-0$/)
      expect(await page.textContent('#verdict-badge')).toBe('CRITICAL')
      const facts = await page.textContent('#verdict')
      expect(facts).toContain('partition 0')
      expect(facts).toContain('broker 2')
      expect(await page.textContent('#root-cause-summary')).toContain('Lag reads negative (-5)')
      // The verdict comes before everything else on the page.
      const order = await page.$$eval('body > header, body > section', (list) => list.map((e) => e.id))
      expect(order).toEqual([
        'verdict',
        'chain',
        'remedies',
        'lag',
        'traffic',
        'cpu',
        'threads',
        'profile',
        'findings',
        'sources',
      ])

      // The evidence chain: every link seen, with references into the bundle.
      const links = await page.$$eval('ol.chain > li', (list) =>
        list.map((li) => ({
          label: li.querySelector('.label')?.textContent,
          status: li.querySelector('.status')?.textContent,
          refs: [...li.querySelectorAll('.refs code')].map((c) => c.textContent),
        })),
      )
      expect(links.map((l) => `${l.label}: ${l.status}`)).toEqual([
        'hot thread: seen',
        'fetch storm: seen',
        'NOT_LEADER from broker 2: seen',
        'Metadata naming broker 2: seen',
        'brokers disagree: seen',
        'negative lag: seen',
        'old client: seen',
      ])
      expect(links[0]?.refs).toEqual(['threads.json#/hottest/0'])
      expect(links[4]?.refs[0]).toMatch(
        /^cluster\/end\/views\/broker-2-round-2\.json#\/metadata\/topics\/\d+\/partitions\/0$/,
      )
      // Remedies rendered from markdown: numbered steps and commands as code.
      const production = page.locator('.remedy', { hasText: 'Production' })
      expect(await production.locator('ol > li').count()).toBe(5)
      expect(await production.locator('code', { hasText: '--election-type PREFERRED' }).count()).toBe(1)
      expect(await page.locator('.remedy h3').allTextContents()).toEqual([
        'Production',
        'Test environment',
        'Client',
      ])

      // Charts: drawn, with data, and their series on the canvas.
      const drawn = await charts(page)
      expect(drawn.map((c) => c.id)).toEqual(['lag-0', 'requests', 'errors', 'cpu'])
      for (const size of await canvasSizes(page)) {
        expect(size.width, size.chart).toBeGreaterThan(200)
        expect(size.height, size.chart).toBeGreaterThan(100)
      }
      const lag = drawn[0]!
      expect(lag.series.map((s) => s.label)).toEqual([
        'p0 lag',
        'p1 lag',
        'p2 lag',
        'p0 via broker 1 (epoch 1)',
        'p0 via broker 2 (epoch 0)',
      ])
      const stale = lag.series[4]!
      expect(stale.values.filter((v) => v !== null)).toEqual([-5, -5])
      expect(lag.series[0]!.values.filter((v) => v !== null)).toEqual(
        report.series.lag[0]!.points.map((p) => p.lag),
      )
      expect(await pixelsOf(page, 'lag-0', stale.stroke)).toBeGreaterThan(20)
      const requestsChart = drawn[1]!
      expect(requestsChart.series[0]?.label).toBe('Fetch')
      expect(requestsChart.series[0]!.values.filter((v) => v !== null).length).toBe(
        report.series.traffic!.points.length,
      )
      expect(await pixelsOf(page, 'requests', requestsChart.series[0]!.stroke)).toBeGreaterThan(200)
      expect(drawn[2]!.series.map((s) => s.label)).toContain('Fetch')
      expect(await pixelsOf(page, 'errors', drawn[2]!.series[0]!.stroke)).toBeGreaterThan(200)
      expect(drawn[3]!.series[0]!.values).toEqual(report.series.cpu.map((p) => p.processCpuPercent))
      expect(await pixelsOf(page, 'cpu', drawn[3]!.series[0]!.stroke)).toBeGreaterThan(50)
      // The claimed leaders' high watermarks as a table too (print, no script).
      expect(await page.locator('#claimed-leaders tbody tr').count()).toBe(4)

      // Hot threads: one row per hot thread, the spinning poll thread first.
      const rows = page.locator('#hot-threads tbody tr')
      expect(await rows.count()).toBe(report.hotThreads.length)
      const first = await rows.first().textContent()
      expect(first).toContain('main')
      expect(first).toContain('0x2aba')
      expect(first).toContain('SPINNING')

      // The flame graph: drawn, Kafka frames teal, the hot method table beside it.
      const flame = await page.locator('#flame svg').boundingBox()
      expect(flame?.width).toBeGreaterThan(500)
      expect(await page.locator('#flame rect').count()).toBeGreaterThan(20)
      const kafkaFill = await page
        .locator('#flame g', { hasText: 'org.apache.kafka.clients.NetworkClient.poll' })
        .first()
        .locator('rect')
        .getAttribute('fill')
      expect(kafkaFill).toBe('rgb(0,150,136)')
      await page.click('#flame-kafka')
      await page.waitForTimeout(300)
      expect(await page.textContent('#flame-details')).toMatch(
        /^search: [\d.,]+ ms CPU of [\d.,]+ ms CPU \(\d+\.\d%\)$/,
      )
      expect(await page.locator('#hot-methods tbody tr').count()).toBeGreaterThan(5)

      // Findings ranked and collapsible, each with its evidence; sources with their status.
      const findings = await page.$$eval('details.finding[data-id]', (list) =>
        list.map((d) => [d.getAttribute('data-id'), (d as HTMLDetailsElement).open]),
      )
      expect(findings.slice(0, 3)).toEqual([
        ['doctor.not-leader-loop', true],
        ['doctor.metadata-divergence', true],
        ['doctor.negative-lag', true],
      ])
      expect(findings.at(-1)?.[1]).toBe(false)
      expect(await page.locator('details.finding[data-id="doctor.not-leader-loop"] .refs li').count()).toBe(2)
      expect(
        await page.$$eval('#sources-table tbody tr', (list) => list.map((r) => r.textContent?.slice(0, 40))),
      ).toHaveLength(5)
      expect(await page.textContent('#sources-table tr[data-source="capture"]')).toContain(
        'cut to its first 200 packets',
      )

      // Stamped: tool version, and the hash of exactly the embedded data.
      const data = await page.textContent('#report-data')
      const hash = createHash('sha256')
        .update(data ?? '', 'utf8')
        .digest('hex')
      expect(await page.textContent('#data-sha256')).toBe(hash)
      expect(await page.getAttribute('meta[name="kafka-doctor-data-sha256"]', 'content')).toBe(hash)
      expect(await page.textContent('#tool-version')).toBe(toolVersion)
      expect(JSON.parse(data ?? '')).toEqual(report)

      await page.screenshot({ path: join(artifacts, 'report-incident-old.png'), fullPage: true })
      await page.emulateMedia({ media: 'print' })
      await page.pdf({ path: join(artifacts, 'report-incident-old.pdf'), format: 'A4' })
      await page.emulateMedia({ media: 'screen' })

      // A narrow window: the page reflows (tables and the flame graph scroll inside their boxes).
      await page.setViewportSize({ width: 420, height: 900 })
      await page.waitForTimeout(300)
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
      expect(overflow).toBeLessThanOrEqual(1)
      const narrow = await canvasSizes(page)
      for (const size of narrow) expect(size.width, size.chart).toBeLessThanOrEqual(400)
      await page.screenshot({ path: join(artifacts, 'report-incident-old-narrow.png'), fullPage: false })

      expect(problems).toEqual([])
      expect(requests).toEqual([])
    })
  }, 120_000)
})

describe('report.html of other recorded bundles', () => {
  it('healthy: says so, draws the charts, no evidence chain', async () => {
    const out = join(work, 'healthy')
    const run = await runCli(['analyze', recordedBundle('healthy'), '--out', out], {
      built: true,
      timeoutMs: 60_000,
    })
    expect(run.code, run.stderr).toBe(0)
    await withChromium(async (context) => {
      const { page, problems, requests } = await open(context, join(out, 'report.html'))
      expect(await page.textContent('#root-cause-title')).toBe('No problem found')
      expect(await page.textContent('#verdict-badge')).toBe('OK')
      expect(await page.locator('#chain').count()).toBe(0)
      const drawn = await charts(page)
      expect(drawn.map((c) => c.id)).toEqual(expect.arrayContaining(['lag-0', 'requests', 'cpu']))
      for (const size of await canvasSizes(page))
        expect(size.width * size.height, size.chart).toBeGreaterThan(0)
      expect(
        await pixelsOf(page, 'requests', drawn.find((c) => c.id === 'requests')!.series[0]!.stroke),
      ).toBeGreaterThan(100)
      expect(await page.locator('#flame rect').count()).toBeGreaterThan(5)
      expect(await page.locator('#hot-threads tbody tr').count()).toBeGreaterThan(0)
      expect(await page.locator('details.finding[open]').count()).toBe(0)
      await page.screenshot({ path: join(artifacts, 'report-healthy.png'), fullPage: true })
      expect(problems).toEqual([])
      expect(requests).toEqual([])
    })
  }, 120_000)

  it('a run without --pid: the missing sources say why, the rest still draws', async () => {
    const bundle = await readBundle(recordedBundle('topic-recreated'))
    const report = buildReport(bundle, diagnoseBundle(bundle))
    const file = join(work, 'topic-recreated.html')
    writeFileSync(file, renderReportHtml(report))
    await withChromium(async (context) => {
      const { page, problems } = await open(context, file)
      expect(await page.textContent('#threads')).toContain(
        'No thread samples: the threads source was skipped',
      )
      expect(await page.textContent('#profile')).toContain('No profile: the profile source was skipped')
      expect(await page.textContent('#sources-table tr[data-source="threads"]')).toContain('skipped')
      expect((await charts(page)).map((c) => c.id)).toEqual(expect.arrayContaining(['lag-0', 'requests']))
      expect(problems).toEqual([])
    })
  }, 120_000)
})

/** Replaces `from` with `to` in every string of a JSON value (keys too). */
function replaceStrings(value: unknown, from: string, to: string): unknown {
  if (typeof value === 'string') return value.split(from).join(to)
  if (Array.isArray(value)) return value.map((v) => replaceStrings(v, from, to))
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k.split(from).join(to), replaceStrings(v, from, to)]),
    )
  return value
}

describe('names that could break the page', () => {
  // A topic, a group and a client id holding a closing script tag, an HTML comment opener, markup,
  // quotes, an ampersand and the two JavaScript line separators.
  const hostileTopic = 'orders</script><script>alert(1)</script><!--\u2028x\u2029"&\'<b>bold</b>'
  const hostileClient = 'app<img src=x onerror=alert(2)>\u2028-->'

  it('are embedded as data and shown as text: the page loads, nothing runs, nothing is fetched', async () => {
    const bundle = await readBundle(recordedBundle('incident-old'))
    const real = buildReport(bundle, diagnoseBundle(bundle))
    const topic = real.rootCause.subject.topic!
    const client = real.findings[0]!.subject.client!
    const report = replaceStrings(
      replaceStrings(JSON.parse(embedJson(real)), topic, hostileTopic),
      client,
      hostileClient,
    ) as ReportJson
    const text = embedJson(report)
    expect(text).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(text)).toEqual(report)
    const html = renderReportHtml(report)
    expect(html.match(/<script/g)).toHaveLength(2)
    expect(html.match(/<\/script>/g)).toHaveLength(2)
    expect(html).not.toContain('<b>bold</b>')
    expect(html).not.toContain('<img src=x')
    const file = join(work, 'hostile.html')
    writeFileSync(file, html)

    await withChromium(async (context) => {
      const { page, problems, requests } = await open(context, file)
      expect(await page.textContent('#root-cause-title')).toBe(
        `Stale leadership on broker 2 for ${hostileTopic}-0`,
      )
      expect(await page.title()).toBe(`kafka-doctor: Stale leadership on broker 2 for ${hostileTopic}-0`)
      // The data island parses back to exactly the report, strings and all.
      expect(JSON.parse((await page.textContent('#report-data')) ?? '')).toEqual(report)
      // Drawn as text in the charts' titles and legends, the remedies' code and the findings.
      const drawn = await charts(page)
      expect(drawn[0]?.title).toBe(`Lag of ${hostileTopic}-group on ${hostileTopic}`)
      expect(await page.textContent('[data-chart="lag-0"] .u-title')).toBe(
        `Lag of ${hostileTopic}-group on ${hostileTopic}`,
      )
      expect(
        await page.locator('.remedy code', { hasText: `--topic ${hostileTopic}` }).count(),
      ).toBeGreaterThan(0)
      expect(await page.textContent('details.finding[data-id="doctor.not-leader-loop"] summary')).toContain(
        hostileClient,
      )
      // No element was made from the names: no <b>, no <img>, exactly the page's two scripts.
      // (The page's own <b> facts hold the whole name as text; an injected one would hold just "bold".)
      expect(await page.$$eval('b', (list) => list.filter((b) => b.textContent === 'bold').length)).toBe(0)
      expect(await page.locator('img').count()).toBe(0)
      expect(await page.locator('script').count()).toBe(2)
      await page.screenshot({ path: join(artifacts, 'report-hostile-names.png'), fullPage: false })
      expect(problems).toEqual([])
      expect(requests).toEqual([])
    })
  }, 120_000)
})
