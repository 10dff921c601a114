/**
 * `kafka-doctor diagnose` on a healthy consumer under load (a real producer and a real consumer on
 * the shared cluster): every source collected, no finding above OK, exit 0 — and the bundle's capture
 * holds no record payload although records flowed during it. Then the same without permission to
 * capture or to sample the JVM: the run goes on, the manifest says why, and the rules that needed
 * that evidence say insufficient-data.
 */
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rules } from '../../../src/analyse/rules/index.js'
import type { ReportJson } from '../../../src/report/report-json.js'
import { type CliRun, runCli } from '../../support/cli.js'
import { diagnoseRun } from '../../support/diagnose-run.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import {
  type Patient,
  type ProducerPatient,
  runProducerPatient,
  startConsumerPatient,
} from '../../support/patients.js'

const dirs: string[] = []
const cleanups: (() => Promise<void>)[] = []
let cluster: KafkaCluster
let producer: ProducerPatient | undefined
let consumer: Patient | undefined
const topic = `healthy-${Date.now().toString(36)}`
const group = `${topic}-group`

beforeAll(async () => {
  cluster = await sharedCluster()
  await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 })
  producer = await runProducerPatient({
    bootstrap: cluster.bootstrap,
    topic,
    count: -1,
    rate: 200,
    valueSize: 200,
  })
  consumer = await startConsumerPatient({
    bootstrap: cluster.bootstrap,
    topics: [topic],
    group,
    clientVersion: 'current',
    statusIntervalMs: 1000,
  })
  await consumer.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 400, { timeoutMs: 90_000 })
}, 180_000)

afterAll(async () => {
  await consumer?.stop()
  await producer?.stop()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
  for (const cleanup of cleanups) await cleanup()
})

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-diagnose-healthy-'))
  dirs.push(dir)
  return dir
}

describe('diagnose on a healthy consumer under load', () => {
  let run: CliRun
  let report: ReportJson
  let bundle: string

  beforeAll(async () => {
    const result = await diagnoseRun('healthy', [
      '--bootstrap-server',
      cluster.bootstrap,
      '--group',
      group,
      '--pid',
      String(consumer?.pid),
      '--capture',
      '8s',
      '--interface',
      'lo',
      '--duration',
      '8s',
      '--profile-duration',
      '3s',
    ])
    cleanups.push(result.cleanup)
    ;({ run, report, bundle } = result)
  }, 180_000)

  it('finds nothing above OK and exits 0', () => {
    expect(run.code, run.stderr).toBe(0)
    expect(report.rootCause).toMatchObject({ kind: 'healthy', verdict: 'ok', severity: 'info' })
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(report.findings.filter((f) => f.verdict === 'insufficient-data')).toEqual([])
    // Every rule looked, each ok (the old-client rule knows 3.9.1 from the jar).
    expect(new Set(report.findings.map((f) => f.id))).toEqual(new Set(rules.map((r) => r.id)))
    expect(rules).toHaveLength(12)
    expect(report.findings.find((f) => f.id === 'doctor.old-client')?.summary).toMatch(
      /^client version 3\.9\.1 has the busy-loop fixes/,
    )
  })

  it('saw the load: records consumed, fetches answered with data, lag sampled', () => {
    for (const source of ['threads', 'profile', 'cluster', 'lag', 'capture'] as const)
      expect(report.sources[source].status, source).toBe('collected')
    const series = report.series.lag.filter((s) => s.group === group)
    expect(series.map((s) => s.partition)).toEqual([0, 1, 2])
    const first = series.reduce((sum, s) => sum + Number(s.points[0]?.committed ?? 0), 0)
    const last = series.reduce((sum, s) => sum + Number(s.points.at(-1)?.committed ?? 0), 0)
    expect(last - first).toBeGreaterThan(500)
    expect(report.series.traffic?.points.some((p) => (p.byApi.Fetch?.requestsPerS ?? 0) > 0)).toBe(true)
    expect(report.series.traffic?.points.some((p) => (p.byApi.Produce?.requestsPerS ?? 0) > 0)).toBe(true)
  })

  it('keeps no record payload in the bundle, though records flowed during the capture', async () => {
    const pcap = await readFile(join(bundle, 'capture', 'capture.pcap'))
    expect(pcap.length).toBeGreaterThan(1000)
    expect(pcap.includes(Buffer.from('value-'))).toBe(false)
    expect(pcap.includes(Buffer.from('xxxxxxxxxxxxxxxx'))).toBe(false)
    const traffic = await readFile(join(bundle, 'capture', 'traffic.json'), 'utf8')
    expect(traffic).not.toContain('value-')
    const manifest = JSON.parse(await readFile(join(bundle, 'manifest.json'), 'utf8'))
    expect(manifest.sources.capture.options.frameHeadersKept).toBeGreaterThan(0)
  })
})

describe('diagnose without permission to capture or to sample the JVM', () => {
  it('records each failure with its reason, goes on, and says insufficient-data where it matters', async () => {
    const dir = await outDir()
    await chmod(dir, 0o777)
    const nobody = 65534
    const bundle = join(dir, 'as-nobody')
    const run = await runCli(
      [
        'diagnose',
        '--bootstrap-server',
        cluster.bootstrap,
        '--group',
        group,
        '--pid',
        String(consumer?.pid),
        '--capture',
        '3s',
        '--duration',
        '4s',
        '--out',
        bundle,
        '--json',
      ],
      { uid: nobody, gid: nobody, timeoutMs: 120_000 },
    )
    const report = JSON.parse(run.stdout) as ReportJson
    expect(report.sources.capture).toMatchObject({ status: 'failed', usable: false })
    expect(report.sources.capture.reason).toMatch(/permission/)
    // /proc/PID/task/*/schedstat is world-readable, attaching to another user's JVM is not: CPU per
    // thread without stacks.
    expect(report.sources.threads.status).toBe('partial')
    expect(report.sources.threads.reason).toMatch(
      /^3 of 3 thread dumps failed: .*; per-thread CPU without stacks$/,
    )
    expect(report.sources.profile.status).toBe('failed')
    expect(report.sources.lag.status).toBe('collected')
    expect(report.sources.cluster.status).toBe('collected')
    for (const id of ['doctor.not-leader-loop', 'doctor.fetch-settings']) {
      const finding = report.findings.find((f) => f.id === id)
      expect(finding?.verdict, id).toBe('insufficient-data')
      expect(finding?.summary, id).toMatch(/: capture failed \(.*permission/)
    }
    expect(report.rootCause.kind).toBe('healthy')
    expect(report.rootCause.summary).toMatch(/not checked for lack of evidence: .*doctor\.not-leader-loop/)
    expect(run.code).toBe(0)
  }, 180_000)
})
