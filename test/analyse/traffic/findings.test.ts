/**
 * The findings on captures of real consumers: the reference incident (a real pre-3.7 Java consumer
 * through the fault-injection proxy, stale Metadata naming a broker that answers
 * NOT_LEADER_OR_FOLLOWER), a healthy consumer, and a consumer spinning on fetch.max.wait.ms=0.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseCaptureFiles } from '../../../src/analyse/traffic/analyse-capture.js'
import type { TrafficReport } from '../../../src/analyse/traffic/traffic-report.js'
import { type Incident, startIncident } from '../../support/incident.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { startLoopbackCapture } from '../../support/loopback-capture.js'
import { startConsumerPatient } from '../../support/patients.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Captures `ports` on loopback for `ms` and analyses the file. */
async function captureFor(
  name: string,
  ports: number[],
  ms: number,
): Promise<{ file: string; report: TrafficReport }> {
  const file = join(await mkdtemp(join(tmpdir(), 'kd-findings-')), `${name}.pcap`)
  const capture = await startLoopbackCapture(ports, file)
  await sleep(ms)
  await capture.stop()
  const { report } = await analyseCaptureFiles([file], { brokerPorts: ports })
  return { file, report }
}

/**
 * The findings about one client. Other test files use the same cluster at the same time, and their
 * clients are in the capture too.
 */
const ids = (report: TrafficReport, client: string) =>
  report.findings
    .filter((f) => f.subject.client === client)
    .map((f) => f.id)
    .sort()

describe('the reference incident captured between the consumer and the proxy', () => {
  let incident: Incident
  let report: TrafficReport

  beforeAll(async () => {
    incident = await startIncident({ clientVersion: 'old' })
    const ports = incident.proxy.listeners().map((l) => l.port)
    report = (await captureFor('incident', ports, 6000)).report
  }, 300_000)

  afterAll(async () => {
    await incident?.stop()
  })

  it('fires the not-leader loop naming the partition, the stale broker and the client', () => {
    const loop = report.findings.filter((f) => f.id === 'traffic.not-leader-loop')
    expect(loop).toHaveLength(1)
    const [finding] = loop
    expect(finding?.severity).toBe('critical')
    expect(finding?.subject).toEqual({
      topic: incident.topic,
      partition: incident.partition,
      client: incident.consumer.clientId,
      broker: incident.staleBroker,
    })
    expect(finding?.summary).toContain('NOT_LEADER_OR_FOLLOWER')
    expect(finding?.summary).toContain(`Metadata answers kept naming broker ${incident.staleBroker}`)
    expect(finding?.evidence[0]?.at).toMatch(/^offset \d+ \(t=/)
    console.log(
      `incident findings:\n${report.findings.map((f) => `${f.severity} ${f.id}: ${f.summary}`).join('\n')}`,
    )
  })

  it('fires the poll storm for the flow to the stale broker, and nothing else', () => {
    const storm = report.findings.find((f) => f.id === 'traffic.poll-storm')
    expect(storm?.subject).toEqual({ client: incident.consumer.clientId, broker: incident.staleBroker })
    // The capture joined the connections midway: no ApiVersions, so the client version is unknown.
    expect(report.clients.find((c) => c.clientId === incident.consumer.clientId)?.software).toBeUndefined()
    expect(ids(report, incident.consumer.clientId)).toEqual(['traffic.not-leader-loop', 'traffic.poll-storm'])
  })

  it('reports the error counts per partition and the Metadata answers that did not change', () => {
    const errors = report.errors.find(
      (e) => e.api === 'Fetch' && e.topic === incident.topic && e.partition === incident.partition,
    )
    expect(errors?.error).toBe('NOT_LEADER_OR_FOLLOWER')
    expect(errors?.count).toBeGreaterThan(20)
    const leaders = report.metadata.partitions.find(
      (p) => p.topic === incident.topic && p.partition === incident.partition,
    )?.leaders
    expect(leaders?.map((l) => [l.leader, l.epoch])).toEqual([
      [incident.staleBroker, incident.staleLeaderEpoch],
    ])
    expect(report.metadata.ratePerS).toBeGreaterThan(2)
  })
})

describe('healthy and misconfigured consumers', () => {
  let kafka: KafkaCluster
  const topic = `findings-${process.pid}`

  beforeAll(async () => {
    kafka = await sharedCluster()
    await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })
    await kafka.produce(topic, ['a', 'b', 'c'])
  }, 180_000)

  afterAll(async () => {
    await kafka?.runTool('kafka-topics', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--delete',
      '--topic',
      topic,
    ])
  })

  /** Captures while a consumer patient runs; with `fromStart` the capture sees its connections open. */
  async function consumerCapture(
    name: string,
    props: Record<string, string>,
    options: { fromStart?: boolean; clientVersion?: string } = {},
  ) {
    const ports = kafka.brokers.map((b) => b.port)
    const file = join(await mkdtemp(join(tmpdir(), 'kd-findings-')), `${name}.pcap`)
    const capture = options.fromStart ? await startLoopbackCapture(ports, file) : undefined
    const consumer = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: `${topic}-${name}`,
      clientId: `${name}-consumer`,
      props,
      ...(options.clientVersion ? { clientVersion: options.clientVersion } : {}),
    })
    try {
      await consumer.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 3, { timeoutMs: 60_000 })
      if (!capture) return { consumer, ...(await captureFor(name, ports, 5000)) }
      await sleep(5000)
      await capture.stop()
      return { consumer, file, report: (await analyseCaptureFiles([file], { brokerPorts: ports })).report }
    } finally {
      await capture?.stop()
      await consumer.stop()
    }
  }

  it('a healthy idle consumer: no finding', async () => {
    const { report } = await consumerCapture('healthy', {})
    expect(ids(report, 'healthy-consumer')).toEqual([])
    const flows = report.fetch.clients.filter((f) => f.clientId === 'healthy-consumer')
    expect(flows.length).toBeGreaterThan(0)
    // Held by the broker for fetch.max.wait.ms: about 2 fetches per second per broker.
    for (const f of flows) expect(f.ratePerS).toBeLessThan(4)
  }, 120_000)

  it('fetch.max.wait.ms=0 on a pre-3.7 client: the fetch-settings spin and the old client, no not-leader loop', async () => {
    const { report, consumer } = await consumerCapture(
      'spinning',
      { 'fetch.max.wait.ms': '0' },
      { fromStart: true, clientVersion: 'old' },
    )
    // The capture sees every client of the shared cluster; other tests' consumers may spin too.
    const ours = report.findings.filter((f) => f.subject.client === 'spinning-consumer')
    const spin = ours.find((f) => f.id === 'traffic.fetch-settings-spin')
    expect(spin?.subject).toEqual({ client: 'spinning-consumer' })
    expect(spin?.severity).toBe('warning')
    const old = ours.find((f) => f.id === 'traffic.old-client')
    expect(old?.severity).toBe('info')
    expect(old?.summary).toContain(`apache-kafka-java ${consumer.clientVersion}`)
    expect(ids(report, 'spinning-consumer')).toEqual(['traffic.fetch-settings-spin', 'traffic.old-client'])
    const rate = report.fetch.clients
      .filter((f) => f.clientId === 'spinning-consumer')
      .reduce((sum, f) => sum + f.ratePerS, 0)
    expect(rate).toBeGreaterThan(20)
  }, 120_000)
})
