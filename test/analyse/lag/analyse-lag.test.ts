import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseLag, type LagReport } from '../../../src/analyse/lag/analyse-lag.js'
import { evaluateSamples, windowKey } from '../../../src/analyse/lag/evaluate-samples.js'
import { LagCollector } from '../../../src/collect/lag/collect-lag.js'
import { lagSamplesToJsonLines, parseLagSamples, samplesOf } from '../../../src/collect/lag/lag-samples.js'
import type { LagSnapshot } from '../../../src/collect/lag/lag-snapshot.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { type Patient, runProducerPatient, startConsumerPatient } from '../../support/patients.js'

/**
 * A watch over real consumers, each driven into one of Burrow's states, while a producer keeps
 * writing 100 records a second, one per batch, to one partition:
 *
 *   lag-watch-stop   consumed, committed, then shut down (left the group): nobody commits → STOP
 *   lag-watch-stall  consumed, committed, then frozen (SIGSTOP) with a long session timeout, so it
 *                    stays a member that owns the partition and never moves → STALL
 *   lag-watch-warn   alive but slow — one batch (one record) per 500 ms fetch (fetch.min.bytes never
 *                    reached, max.partition.fetch.bytes=1), two records a second against a hundred:
 *                    commits keep moving, lag keeps growing → WARN
 *
 * Six samples 2 s apart, judged by the documented rules (docs/lag.md).
 */
const topic = 'lag-watch'
const groups = { stop: 'lag-watch-stop', stall: 'lag-watch-stall', warn: 'lag-watch-warn' }

let kafka: KafkaCluster
const patients: Patient[] = []
let frozen: number | undefined
const snapshots: LagSnapshot[] = []
let report: LagReport

const committedSome = (p: Patient) =>
  p.awaitEvent(
    (e) => e.event === 'status' && ((e.committed as Record<string, number>)[`${topic}-0`] ?? 0) > 20,
    {
      timeoutMs: 60_000,
    },
  )

beforeAll(async () => {
  kafka = await sharedCluster()
  await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
  // One record per batch (batch.size below one record), so a fetch limited to one batch returns one record.
  const producer = await runProducerPatient({
    bootstrap: kafka.bootstrap,
    topic,
    count: -1,
    rate: 100,
    props: { 'batch.size': '16', 'linger.ms': '0' },
  })
  patients.push(producer)
  const [stop, stall, warn] = await Promise.all([
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: groups.stop,
      statusIntervalMs: 200,
    }),
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: groups.stall,
      statusIntervalMs: 200,
      props: { 'session.timeout.ms': '90000', 'heartbeat.interval.ms': '3000' },
    }),
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: groups.warn,
      statusIntervalMs: 200,
      props: {
        'max.poll.records': '1',
        'fetch.min.bytes': '10000000',
        'fetch.max.wait.ms': '500',
        'max.partition.fetch.bytes': '1',
      },
    }),
  ])
  patients.push(stop, stall, warn)
  await Promise.all([committedSome(stop), committedSome(stall), committedSome(warn)])
  expect((await stop.stop()).code).toBe(0)
  process.kill(stall.pid, 'SIGSTOP')
  frozen = stall.pid

  const collector = await LagCollector.connect({ bootstrap: kafka.bootstrap })
  try {
    for (let i = 0; i < 6; i++) {
      const started = Date.now()
      snapshots.push(await collector.snapshot({ groups: Object.values(groups) }))
      if (i < 5) await new Promise((r) => setTimeout(r, Math.max(0, 2000 - (Date.now() - started))))
    }
  } finally {
    await collector.close()
  }
  report = analyseLag(snapshots, { requestedGroups: Object.values(groups) })
}, 180_000)

afterAll(async () => {
  if (frozen !== undefined) process.kill(frozen, 'SIGCONT')
  await Promise.all(patients.map((p) => p.stop()))
})

const rowOf = (group: string) => report.groups.find((g) => g.group === group)?.rows[0]

describe('a watch over real consumers', () => {
  it('STOP: the consumer left, its offset never moves, lag grows', () => {
    const row = rowOf(groups.stop)
    expect(row?.status).toBe('STOP')
    expect(row?.rule).toMatch(/^no commit for \d+\.\ds, longer than the 0\.0s the window's commits spanned/)
    expect(row?.memberId).toBeNull()
    expect(report.groups.find((g) => g.group === groups.stop)).toMatchObject({
      state: 'Empty',
      status: 'ERR',
    })
  })

  it('STALL: the frozen member still owns the partition, its offset never moves', () => {
    const row = rowOf(groups.stall)
    expect(row?.status).toBe('STALL')
    expect(row?.rule).toMatch(/^the committed offset stayed at \d+ in all 6 commit\(s\)/)
    expect(row?.memberId).toMatch(/^patient-consumer-/)
    expect(report.groups.find((g) => g.group === groups.stall)).toMatchObject({
      state: 'Stable',
      status: 'ERR',
    })
  })

  it('WARN: the slow consumer commits, but its lag never decreases', () => {
    const row = rowOf(groups.warn)
    expect(row?.status).toBe('WARN')
    expect(row?.rule).toMatch(/^lag never decreased over 6 commit\(s\)/)
    expect(report.groups.find((g) => g.group === groups.warn)?.status).toBe('WARN')
  })

  it('gives the lag in seconds from the HW history', () => {
    for (const group of Object.values(groups)) {
      const row = rowOf(group)
      expect(row?.lagSeconds, group).toBeGreaterThan(0)
      expect(['exact', 'extrapolated']).toContain(row?.lagSecondsKind)
    }
    // The stopped consumer has been behind since before the watch: more than its 10 s span.
    expect(rowOf(groups.stop)?.lagSeconds).toBeGreaterThan(10)
  })

  it('reports findings and the exit code of the worst status', () => {
    const ids = report.findings.map((f) => `${f.id} ${f.subject.group}`).sort()
    expect(ids).toEqual(
      expect.arrayContaining([
        `lag.status.stall ${groups.stall}`,
        `lag.status.stop ${groups.stop}`,
        `lag.status.warn ${groups.warn}`,
      ]),
    )
    expect(report.findings.find((f) => f.id === 'lag.status.warn')?.severity).toBe('warning')
    expect(report.findings.find((f) => f.id === 'lag.status.stall')?.severity).toBe('critical')
    expect(report.samples).toBe(6)
    expect(report.windowMs).toBeGreaterThanOrEqual(9000)
    expect(report.exitCode).toBe(2)
  })

  it('gives the same verdicts from the JSON-lines samples alone (what a bundle stores)', () => {
    const text = snapshots.map((s, i) => lagSamplesToJsonLines(samplesOf(s, i))).join('')
    const samples = parseLagSamples(text)
    expect(samples).toHaveLength(18)
    const windows = evaluateSamples(samples)
    for (const [name, group] of Object.entries(groups)) {
      expect(windows.get(windowKey(group, topic, 0))?.evaluation.status).toBe(name.toUpperCase())
    }
    const stall = samples.filter((s) => s.group === groups.stall)
    expect(new Set(stall.map((s) => s.owner)).size).toBe(1)
    expect(stall[0]?.owner).not.toBeNull()
    expect(samples.filter((s) => s.group === groups.stop).every((s) => s.owner === null)).toBe(true)
  })
})
