/**
 * Real traffic, known values: tcpdump on loopback while Kafka's CLI tools, a Java producer and a Java
 * consumer (kafka-clients patients) run a scenario on the real 3-broker cluster. The decoded values and
 * the report must equal what the scenario did, and every PDU tshark's dissector shows must agree with
 * ours field by field.
 */
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseCaptureFiles } from '../../../src/analyse/traffic/analyse-capture.js'
import { countRecords } from '../../../src/analyse/traffic/record-batches.js'
import type { TrafficReport } from '../../../src/analyse/traffic/traffic-report.js'
import { TruncatedInputError } from '../../../src/errors.js'
import { type DecodedBody, KafkaDecoder } from '../../../src/pcap/kafka-decoder.js'
import type { KafkaExchange } from '../../../src/pcap/kafka-frame.js'
import { apiName } from '../../../src/protocol/generated/apis.js'
import type { OffsetCommitRequest } from '../../../src/protocol/generated/messages/offset-commit.js'
import type { ProduceRequest } from '../../../src/protocol/generated/messages/produce.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { runCapture } from '../../support/kafka-capture-run.js'
import { startLoopbackCapture } from '../../support/loopback-capture.js'
import { runProducerPatient, startConsumerPatient } from '../../support/patients.js'
import { compareWithTshark, type OurPdu, tsharkKafkaPdus } from '../../support/tshark-kafka.js'

const topic = `traffic-${process.pid}`
const group = `${topic}-group`
const consumerClientId = `traffic-consumer-${process.pid}`
const producerClientId = `traffic-producer-${process.pid}`
const fireAndForgetClientId = `traffic-acks0-${process.pid}`
/**
 * Records per partition: 10 each from the CLI producer, then 20 more on partition 0 from a patient,
 * and 5 on partition 1 from a patient with acks=0 (no answers).
 */
const expectedHw = [30, 15, 10]

let kafka: KafkaCluster
let file: string
let ports: number[]
let consumerVersion: string
let exchanges: Array<KafkaExchange<DecodedBody, DecodedBody>>
let report: TrafficReport

beforeAll(async () => {
  kafka = await sharedCluster()
  ports = kafka.brokers.map((b) => b.port)
  file = join(await mkdtemp(join(tmpdir(), 'kd-traffic-')), 'scenario.pcap')
  const capture = await startLoopbackCapture(ports, file)
  try {
    await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })
    for (let p = 0; p < 3; p++)
      await kafka.produce(
        topic,
        Array.from({ length: 10 }, (_, i) => `cli-${p}-${i}`),
        { partition: p },
      )
    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic,
      count: 20,
      partition: 0,
      clientId: producerClientId,
    })
    expect((await producer.result()).exit.code).toBe(0)
    const acks0 = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic,
      count: 5,
      partition: 1,
      acks: '0',
      clientId: fireAndForgetClientId,
    })
    expect((await acks0.result()).exit.code).toBe(0)
    const consumer = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group,
      clientId: consumerClientId,
      commit: 'sync',
      maxRecords: 55,
    })
    consumerVersion = consumer.clientVersion
    await consumer.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 55, { timeoutMs: 60_000 })
    expect((await consumer.exited).code).toBe(0)
    const described = await kafka.runTool('kafka-consumer-groups', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--describe',
      '--group',
      group,
    ])
    expect(described.code).toBe(0)
  } finally {
    await capture.stop()
  }
  const decoder = new KafkaDecoder()
  exchanges = runCapture(await readFile(file), { brokerPorts: ports, decoder }).exchanges
  report = (await analyseCaptureFiles([file], { brokerPorts: ports })).report
}, 240_000)

afterAll(async () => {
  await kafka?.runTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--delete', '--topic', topic])
})

const ofClient = (clientId: string, apiKey: number) =>
  exchanges.filter((e) => e.request?.header?.clientId === clientId && e.request.header.apiKey === apiKey)

describe('decoding real traffic', () => {
  it('decodes every exchange of the scenario without a decode error', () => {
    expect(exchanges.length).toBeGreaterThan(50)
    const failed = exchanges.filter((e) => e.decodeError)
    const scenario = new Set([consumerClientId, producerClientId, fireAndForgetClientId])
    expect(failed.filter((e) => scenario.has(e.request?.header?.clientId ?? ''))).toEqual([])
    // Other tests' clients share the cluster: a frame of theirs still in flight when tcpdump stopped is
    // cut, and is reported as a truncated frame, never as anything else.
    for (const e of failed)
      expect(e.decodeError, apiName(e.request?.header?.apiKey ?? -1)).toBeInstanceOf(TruncatedInputError)
    expect(report.decodeErrors.count).toBe(failed.length)
    expect(report.exchanges.unmatchedResponses).toBe(0)
  })

  it('the producer patient wrote 20 records to partition 0 in Produce requests', () => {
    const produced = ofClient(producerClientId, 0).flatMap((e) =>
      (e.requestBody as unknown as ProduceRequest).topicData.flatMap((t) =>
        t.partitionData.map((p) => ({ topic: t.name, partition: p.index, records: countRecords(p.records) })),
      ),
    )
    expect(produced.every((p) => p.topic === topic && p.partition === 0)).toBe(true)
    expect(produced.reduce((sum, p) => sum + p.records, 0)).toBe(20)
  })

  it('Produce with acks=0 expects no answer: unanswered by design, not left waiting', () => {
    const produce = ofClient(fireAndForgetClientId, 0)
    expect(produce.length).toBeGreaterThan(0)
    for (const e of produce) {
      expect((e.requestBody as unknown as ProduceRequest).acks).toBe(0)
      expect(e.status).toBe('unanswered')
      expect(e.unansweredReason).toBe('no-response-expected')
    }
    expect(report.exchanges.unanswered['no-response-expected']).toBe(produce.length)
  })

  it('given only the first broker port, learns the others from Metadata answers', async () => {
    const first = ports[0] ?? 0
    const learnt = (await analyseCaptureFiles([file], { brokerPorts: [first] })).report
    expect(learnt.brokersLearnt.length).toBeGreaterThanOrEqual(3)
    const learntPorts = new Set(learnt.brokersLearnt.map((b) => Number(b.split(':').at(-1))))
    for (const port of ports) expect(learntPorts.has(port)).toBe(true)
    // The consumer started after the first Metadata answer: all of its traffic is followed.
    const fetches = (r: TrafficReport) =>
      r.flows
        .filter((f) => f.clientId === consumerClientId && f.api === 'Fetch')
        .reduce((n, f) => n + f.requests, 0)
    expect(fetches(learnt)).toBe(fetches(report))
    expect(fetches(learnt)).toBeGreaterThan(0)
  })

  it('the consumer committed exactly the end of every partition', () => {
    const last = new Map<number, bigint>()
    for (const e of ofClient(consumerClientId, 8))
      for (const t of (e.requestBody as unknown as OffsetCommitRequest).topics)
        for (const p of t.partitions) {
          expect(t.name).toBe(topic)
          last.set(p.partitionIndex, p.committedOffset)
        }
    expect(Object.fromEntries(last)).toEqual({ 0: 30n, 1: 15n, 2: 10n })
  })

  it('reports the client ids, software names and versions announced in ApiVersions', () => {
    const consumer = report.clients.find((c) => c.clientId === consumerClientId)
    expect(consumer?.software).toEqual({ name: 'apache-kafka-java', version: consumerVersion })
    expect(consumer?.clientAddress).toBe('127.0.0.1')
    const producer = report.clients.find((c) => c.clientId === producerClientId)
    expect(producer?.software?.name).toBe('apache-kafka-java')
  })

  it('reports the records fetched and the high watermarks the leaders reported', () => {
    const partitions = report.fetch.partitions.filter((p) => p.topic === topic)
    expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2])
    for (const p of partitions) {
      expect(p.records).toBe(expectedHw[p.partition])
      expect(p.watermarks.at(-1)?.highWatermark).toBe(BigInt(expectedHw[p.partition] ?? -1))
      expect(p.watermarks.at(-1)?.logStartOffset).toBe(0n)
      expect(p.errors).toEqual({})
    }
    const fetch = report.fetch.clients.filter((f) => f.clientId === consumerClientId)
    expect(fetch.length).toBeGreaterThan(0)
    // The patient's consumer runs with Kafka's defaults.
    for (const f of fetch)
      expect(f.settings).toEqual({
        maxWaitMs: 500,
        minBytes: 1,
        maxBytes: 52428800,
        isolationLevel: 'read_uncommitted',
      })
  })

  it('reports the group: its generation, the MEMBER_ID_REQUIRED round, no findings', () => {
    const g = report.groups.find((x) => x.group === group)
    // The first JoinGroup is answered MEMBER_ID_REQUIRED (KIP-394); a busy coordinator may make the
    // client join once more, so the counts are bounds.
    expect(g?.joinGroups).toBeGreaterThanOrEqual(2)
    expect(g?.joinGroups).toBeLessThanOrEqual(4)
    expect(g?.syncGroups).toBeGreaterThanOrEqual(1)
    expect(g?.generations[0]).toBe(1)
    expect(g?.generations.length).toBeLessThanOrEqual(2)
    expect(g?.errors.MEMBER_ID_REQUIRED).toBe(1)
    expect(g?.leaveGroups).toBe(1)
    const memberIdRequired = report.errors.find((e) => e.api === 'JoinGroup' && e.code === 79)
    expect(memberIdRequired?.clients).toContain(consumerClientId)
    // Other test files use the cluster at the same time: only this scenario's clients and group count.
    const mine = [consumerClientId, producerClientId, fireAndForgetClientId]
    expect(
      report.findings.filter((f) => mine.includes(f.subject.client ?? '') || f.subject.group === group),
    ).toEqual([])
  })

  it('agrees with tshark on every PDU it dissects; lists what only kafka-doctor decodes', async () => {
    const tshark = await tsharkKafkaPdus(file, ports)
    const ours: OurPdu[] = []
    for (const e of exchanges) {
      const c = e.connection
      const h = e.request?.header
      if (e.request && h)
        ours.push({
          clientPort: c.client.port,
          brokerPort: c.broker.port,
          request: true,
          apiKey: h.apiKey,
          apiVersion: h.apiVersion,
          correlationId: h.correlationId,
          body: e.requestBody,
          fromStart: c.sawSyn,
        })
      if (e.response)
        ours.push({
          clientPort: c.client.port,
          brokerPort: c.broker.port,
          request: false,
          apiKey: h?.apiKey,
          apiVersion: h?.apiVersion,
          correlationId: e.response.correlationId,
          body: e.responseBody,
          fromStart: c.sawSyn,
        })
    }
    const result = compareWithTshark(tshark, ours, apiName)
    const only = [...result.onlyOurs].map(
      ([what, { count, reason }]) => `${what}: ${count} (tshark: ${reason})`,
    )
    console.log(
      `tshark comparison: ${result.compared} PDUs compared (${result.bodiesCompared} with bodies), ` +
        `${result.disagreements.length} disagreements (${result.midStream} PDUs on connections opened before ` +
        `the capture not compared)\nonly kafka-doctor decodes:\n  ${only.join('\n  ')}`,
    )
    expect(result.missing).toEqual([])
    expect(result.disagreements).toEqual([])
    expect(result.compared + result.midStream).toBe(tshark.length)
    expect(result.compared).toBeGreaterThan(100)
    // Per api key, as many requests as tshark decodes, and at least its responses (connections the
    // capture saw open; kafka-doctor pcap --json on a whole capture: test/cli/commands/pcap.test.ts).
    const complete = new Set(ours.filter((p) => p.fromStart).map((p) => `${p.clientPort}|${p.brokerPort}`))
    const theirs = tshark.filter((t) => complete.has(`${t.clientPort}|${t.brokerPort}`))
    const mine = ours.filter((p) => p.fromStart)
    for (const key of new Set(theirs.filter((t) => t.request).map((t) => t.apiKey))) {
      const count = (
        list: ReadonlyArray<{ request: boolean; apiKey: number | undefined }>,
        request: boolean,
      ) => list.filter((p) => p.request === request && p.apiKey === key).length
      expect(count(mine, true)).toBe(count(theirs, true))
      expect(count(mine, false)).toBeGreaterThanOrEqual(count(theirs, false))
    }
  })
})
