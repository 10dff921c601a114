/**
 * `kafka-doctor analyze` on evidence bundles recorded from real runs (test/fixtures/bundles, see its
 * README): the same diagnosis offline, missing or failed sources turned into insufficient-data rather
 * than guesses, and bad bundles refused with one line and exit 3.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { ReportJson } from '../../../src/report/report-json.js'
import { runCli } from '../../support/cli.js'
import { recordedBundle } from '../../support/recorded-bundles.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

/** A writable copy of a fixture bundle, optionally edited. */
async function copyOf(name: string, edit?: (dir: string) => Promise<void>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-analyze-'))
  dirs.push(dir)
  const bundle = join(dir, name)
  await cp(recordedBundle(name), bundle, { recursive: true })
  await edit?.(bundle)
  return bundle
}

interface EditableManifest {
  sources: Record<string, Record<string, unknown>>
}

async function editManifest(bundle: string, change: (manifest: EditableManifest) => void): Promise<void> {
  const path = join(bundle, 'manifest.json')
  const manifest = JSON.parse(await readFile(path, 'utf8'))
  change(manifest)
  await writeFile(path, JSON.stringify(manifest, null, 2))
}

async function analyze(bundle: string): Promise<{ code: number | null; report: ReportJson; stderr: string }> {
  const run = await runCli(['analyze', bundle, '--json'], { timeoutMs: 60_000 })
  return { code: run.code, report: JSON.parse(run.stdout) as ReportJson, stderr: run.stderr }
}

describe('analyze on the recorded incident bundles', () => {
  it.each([
    ['incident-old', '3.6.2'],
    ['incident-current', undefined],
  ])('%s: stale leadership first, every link of the chain seen, exit 2', async (name, oldVersion) => {
    const bundle = await copyOf(name)
    const { code, report } = await analyze(bundle)
    const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8'))
    const topic = manifest.target.groups[0].replace(/-group$/, '')
    expect(code).toBe(2)
    expect(report.rootCause).toMatchObject({
      kind: 'stale-leadership',
      title: `Stale leadership on broker 2 for ${topic}-0`,
      subject: { topic, partition: 0, broker: 2 },
    })
    expect(report.rootCause.chain.map((s) => [s.label, s.status])).toEqual([
      ['hot thread', 'seen'],
      ['fetch storm', 'seen'],
      ['NOT_LEADER from broker 2', 'seen'],
      ['Metadata naming broker 2', 'seen'],
      ['brokers disagree', 'seen'],
      ['negative lag', 'seen'],
      ...(oldVersion ? [['old client', 'seen']] : []),
    ])
    expect(report.findings.slice(0, 3).map((f) => f.id)).toEqual([
      'doctor.not-leader-loop',
      'doctor.metadata-divergence',
      'doctor.negative-lag',
    ])
    expect(report.findings.filter((f) => f.verdict === 'insufficient-data')).toEqual([])
    expect(report.rootCause.remedies.map((r) => r.title)).toEqual([
      'Production',
      'Test environment',
      ...(oldVersion ? ['Client'] : []),
    ])
  })

  it('writes findings.json, report.json and report.html beside the bundle, or into --out', async () => {
    const bundle = await copyOf('incident-current')
    const out = join(bundle, '..', 'out')
    const run = await runCli(['analyze', bundle, '--out', out], { timeoutMs: 60_000 })
    expect(run.code).toBe(2)
    expect(run.stdout).toContain(
      `WRITTEN  ${join(out, 'findings.json')}  ${join(out, 'report.json')}  ${join(out, 'report.html')}`,
    )
    const html = await readFile(join(out, 'report.html'), 'utf8')
    expect(html).toContain('<h1 id="root-cause-title">Stale leadership on broker 2 for ')
    const findings = JSON.parse(await readFile(join(out, 'findings.json'), 'utf8'))
    expect(findings.schema).toBe('kafka-doctor/findings@1')
    expect(findings.decision).toEqual({ kind: 'stale-leadership', row: 0 })
  })
})

describe('missing or failed evidence: insufficient-data, never a guess', () => {
  it('a capture listed but gone: the loop is not claimed, the brokers’ disagreement is', async () => {
    const bundle = await copyOf('incident-old', async (dir) => {
      await rm(join(dir, 'capture'), { recursive: true })
    })
    const { code, report, stderr } = await analyze(bundle)
    expect(stderr).toBe('')
    expect(report.sources.capture).toMatchObject({ status: 'missing', usable: false })
    expect(report.warnings).toEqual(['capture: capture/traffic.json is not in the bundle'])
    const loop = report.findings.find((f) => f.id === 'doctor.not-leader-loop')
    expect(loop).toMatchObject({ verdict: 'insufficient-data', severity: 'info', confidence: 0 })
    expect(loop?.summary).toBe(
      'whether a client loops on leadership errors needs the traffic: capture missing from the bundle (capture/traffic.json is not in the bundle)',
    )
    expect(report.rootCause.kind).toBe('broker-metadata-divergence')
    expect(report.notChecked.map((n) => n.split(':')[0])).toEqual([
      'doctor.not-leader-loop',
      'doctor.fetch-settings',
    ])
    expect(code).toBe(2)
  })

  it('a capture that failed for lack of permission: the reason is carried into each rule that needed it', async () => {
    const reason = 'tcpdump may not capture on lo: permission denied: run as root (sudo)'
    const bundle = await copyOf('incident-current', async (dir) => {
      await rm(join(dir, 'capture'), { recursive: true })
      await editManifest(dir, (m) => {
        m.sources.capture = { ...m.sources.capture, status: 'failed', files: [], reason, options: {} }
      })
    })
    const { report } = await analyze(bundle)
    expect(report.warnings).toEqual([])
    const fetch = report.findings.find((f) => f.id === 'doctor.fetch-settings')
    expect(fetch?.summary).toBe(`the fetch settings are in the Fetch requests: capture failed (${reason})`)
    // The spin is still seen in the JVM, but why is left open rather than guessed.
    const spin = report.findings.find((f) => f.id === 'doctor.poll-spin')
    expect(spin).toMatchObject({ verdict: 'issue', confidence: 0.5 })
    expect(spin?.summary).toContain(`why needs the traffic: capture failed (${reason})`)
  })

  it('no thread samples and no capture: only the cluster and lag speak', async () => {
    const bundle = await copyOf('incident-old', async (dir) => {
      await editManifest(dir, (m) => {
        for (const s of ['threads', 'profile', 'capture'])
          m.sources[s] = {
            ...m.sources[s],
            status: 'skipped',
            files: [],
            reason: 'no --pid given: the JVM was not sampled',
          }
      })
    })
    const { code, report } = await analyze(bundle)
    expect(code).toBe(2)
    expect(report.rootCause.kind).toBe('broker-metadata-divergence')
    for (const id of ['doctor.poll-spin', 'doctor.not-kafka', 'doctor.not-leader-loop'])
      expect(report.findings.find((f) => f.id === id)?.verdict, id).toBe('insufficient-data')
    expect(report.hotThreads).toEqual([])
    expect(report.profile).toBeNull()
  })

  it('nothing collected at all: UNKNOWN (exit 3), root cause "not enough evidence"', async () => {
    const bundle = await copyOf('incident-old', async (dir) => {
      await editManifest(dir, (m) => {
        for (const s of Object.keys(m.sources))
          m.sources[s] = { ...m.sources[s], status: 'failed', files: [], reason: 'broker unreachable' }
      })
    })
    const { code, report } = await analyze(bundle)
    expect(code).toBe(3)
    expect(report.rootCause.kind).toBe('insufficient-data')
    expect(report.findings.every((f) => f.verdict === 'insufficient-data')).toBe(true)
  })
})

describe('bad bundles: one line, exit 3', () => {
  it('a corrupt manifest names the file and the first problem', async () => {
    const bundle = await copyOf('incident-current', (dir) =>
      editManifest(dir, (m) => {
        m.sources.lag = { ...m.sources.lag, status: 'done' }
      }),
    )
    const run = await runCli(['analyze', bundle])
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'kafka-doctor: manifest.json: /sources/lag/status: Invalid option: expected one of "collected"|"partial"|"failed"|"skipped": expected a kafka-doctor/bundle@1 manifest, as kafka-doctor writes it\n',
    )
  })

  it('a manifest that is not JSON, a damaged source file, no bundle at all', async () => {
    const broken = await copyOf('incident-current', (dir) =>
      writeFile(join(dir, 'manifest.json'), '{"schema":'),
    )
    const notJson = await runCli(['analyze', broken])
    expect(notJson.code).toBe(3)
    expect(notJson.stderr).toMatch(
      /^kafka-doctor: manifest\.json: not JSON \(.*\): the bundle file is damaged; collect it again\n$/,
    )

    const damaged = await copyOf('incident-current', async (dir) => {
      const path = join(dir, 'lag', 'snapshots.jsonl')
      const lines = (await readFile(path, 'utf8')).split('\n')
      lines[1] = lines[1]?.replace('"committed":[', '"committed":7,"x":[') ?? ''
      await writeFile(path, lines.join('\n'))
    })
    const source = await runCli(['analyze', damaged])
    expect(source.code).toBe(3)
    expect(source.stderr).toMatch(
      /^kafka-doctor: lag\/snapshots\.jsonl, line 2: \/groups\/0\/committed: Invalid input: expected array, received number/,
    )
    expect(source.stderr.trim().split('\n')).toHaveLength(1)

    const none = await runCli(['analyze', join(tmpdir(), 'no-such-bundle-here')])
    expect(none.code).toBe(3)
    expect(none.stderr).toMatch(
      /^kafka-doctor: bundle .* does not exist \(ENOENT\): give the directory kafka-doctor diagnose wrote \(--out\)\n$/,
    )
  })
})
