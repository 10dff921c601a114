import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { beforeAll, describe, expect, it } from 'vitest'
import { parseCollapsed, profileFromCollapsed } from '../../src/collect/profile/collapsed-input.js'
import { flameTree, jsonForScriptElement } from '../../src/report/flame-graph-html.js'
import { writeProfileFiles } from '../../src/report/profile-files.js'
import { toSpeedscope } from '../../src/report/speedscope.js'
import { withChromium } from '../support/chromium.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

// Stacks with everything that can break an HTML page or a JSON island: a thread named like a closing
// script tag, a frame with U+2028/U+2029, quotes and ampersands; and Kafka frames to colour.
const hostile = [
  '[</script><script>alert(1)</script> tid=7];java/lang/Thread.run;Evil.method 5',
  '[main tid=1];java/lang/Thread.run;org/apache/kafka/clients/consumer/KafkaConsumer.poll;org/apache/kafka/common/network/Selector.poll;sun/nio/ch/EPoll.wait 90',
  '[main tid=1];java/lang/Thread.run;com/example/Odd\u2028Line\u2029Sep.run 3',
  '[a&b "quoted" tid=2];Foo.bar 2',
].join('\n')

beforeAll(() => {
  // The page inlines the bundle that `npm run build` makes; make it here for a targeted test run.
  execFileSync('node', [join(repo, 'scripts', 'bundle-flame-graph.mjs')], { stdio: 'pipe' })
})

describe('flame graph data', () => {
  it('builds the tree the library draws: value = sum of children + self', () => {
    const tree = flameTree(parseCollapsed('t;a;b 3\nt;a 2\nu;c 1\n').stacks)
    expect(tree).toEqual({
      name: 'all',
      value: 6,
      children: [
        {
          name: 't',
          value: 5,
          children: [{ name: 'a', value: 5, children: [{ name: 'b', value: 3, children: [] }] }],
        },
        { name: 'u', value: 1, children: [{ name: 'c', value: 1, children: [] }] },
      ],
    })
  })

  it('escapes what would end or break a <script> element, and stays the same JSON', () => {
    const value = { s: '</script><!-- & \u2028 \u2029 >' }
    const text = jsonForScriptElement(value)
    expect(text).not.toMatch(/[<>&\u2028\u2029]/)
    expect(JSON.parse(text)).toEqual(value)
  })

  it('writes speedscope JSON with one profile per thread', () => {
    const profile = profileFromCollapsed(hostile)
    const file = toSpeedscope(profile, 'p', 'kafka-doctor test')
    expect(file.profiles.map((p) => [p.name, p.endValue, p.unit])).toEqual([
      ['main', 93, 'none'],
      ['</script><script>alert(1)</script>', 5, 'none'],
      ['a&b "quoted"', 2, 'none'],
    ])
    const main = file.profiles[0]!
    expect(main.samples[0]!.map((i) => file.shared.frames[i]!.name)).toEqual([
      'java.lang.Thread.run',
      'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
      'org.apache.kafka.common.network.Selector.poll',
      'sun.nio.ch.EPoll.wait',
    ])
    expect(main.weights).toEqual([90, 3])
  })
})

describe('the HTML page in headless Chromium', () => {
  it('renders offline with no console errors and no request, searches, and colours Kafka frames', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-flame-'))
    const profile = profileFromCollapsed(hostile)
    const files = await writeProfileFiles(profile, dir, 'Flame </title> test', 'hostile names')
    const html = readFileSync(files.html, 'utf8')
    // Exactly the two script elements of the page: the data island and the inlined bundle.
    expect(html.match(/<script/g)).toHaveLength(2)
    expect(html).toContain('Content-Security-Policy')
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/i)

    await withChromium(async (context) => {
      const page = await context.newPage()
      const problems: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
      })
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`request: ${r.url()}`)
      })
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`)
        void d.dismiss()
      })
      await page.goto(`file://${files.html}`)
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 })
      const renderMs = Number(await page.getAttribute('body', 'data-render-ms'))
      // A bound against pathological drawing only (the suite runs with every core busy); speed is a bench matter.
      expect(renderMs).toBeLessThan(5000)
      expect(await page.title()).toBe('Flame </title> test')
      // The hostile thread name is drawn as text, not run.
      expect(await page.locator('#chart').textContent()).toContain('</script><script>alert(1)</script>')
      const kafkaFill = await page
        .locator('#chart g', { hasText: 'org.apache.kafka.common.network.Selector.poll' })
        .first()
        .locator('rect')
        .getAttribute('fill')
      expect(kafkaFill).toBe('rgb(0,150,136)')
      await page.click('#kafka')
      await page.waitForTimeout(300)
      expect(await page.textContent('#details')).toBe('search: 90 of 100 samples (90.0%)')
      mkdirSync(join(repo, 'test-artifacts'), { recursive: true })
      await page.screenshot({ path: join(repo, 'test-artifacts', 'flame-graph-hostile.png') })
      expect(problems).toEqual([])
    })
  })
})
