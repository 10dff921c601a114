import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type DecodedRequest,
  type DecodedResponse,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
} from '../../src/protocol/frame.js'
import { ApiKey, apiName, codecFor } from '../../src/protocol/generated/apis.js'
import { consumerProtocolSubscriptionCodec } from '../../src/protocol/generated/data/consumer-protocol-subscription.js'
import type {
  ApiVersionsRequest,
  ApiVersionsResponse,
} from '../../src/protocol/generated/messages/api-versions.js'
import type { FetchRequest, FetchResponse } from '../../src/protocol/generated/messages/fetch.js'
import type {
  FindCoordinatorRequest,
  FindCoordinatorResponse,
} from '../../src/protocol/generated/messages/find-coordinator.js'
import type { JoinGroupRequest, JoinGroupResponse } from '../../src/protocol/generated/messages/join-group.js'
import type { ListOffsetsResponse } from '../../src/protocol/generated/messages/list-offsets.js'
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata.js'
import type {
  OffsetFetchRequest,
  OffsetFetchResponse,
} from '../../src/protocol/generated/messages/offset-fetch.js'
import { Reader } from '../../src/protocol/reader.js'
import { type Batch, type RecordBatch, readRecordSet } from '../../src/protocol/records.js'
import { type KafkaCluster, sharedCluster } from '../support/kafka.js'
import {
  type KafkaExchange,
  kafkaExchanges,
  startLoopbackCapture,
  tcpStreams,
} from '../support/loopback-capture.js'
import { type Patient, runProducerPatient, startConsumerPatient } from '../support/patients.js'

/**
 * Real traffic: real Java producers write plain, compressed (gzip, snappy, lz4, zstd) and
 * transactional records into the shared 3-broker cluster; tcpdump captures a real Java consumer
 * group and kafka-consumer-groups reading them back. Every captured request and response must decode
 * completely, to the values the scenario makes known.
 */
const run = Math.random().toString(36).slice(2, 8)
const topics = {
  plain: `codec-plain-${run}`,
  gzip: `codec-gzip-${run}`,
  snappy: `codec-snappy-${run}`,
  lz4: `codec-lz4-${run}`,
  zstd: `codec-zstd-${run}`,
  txn: `codec-txn-${run}`,
}
const group = `codec-group-${run}`
const clientId = `codec-consumer-${run}`
const compressed = ['gzip', 'snappy', 'lz4', 'zstd'] as const
const EXPECTED_RECORDS = 30 + compressed.length * 20 + 10

interface Decoded {
  exchange: KafkaExchange
  request: DecodedRequest
  response: DecodedResponse | undefined
}

let kafka: KafkaCluster
let consumer: Patient | undefined
let decoded: Decoded[] = []
const undecodable: Record<string, unknown>[] = []
let workDir: string

beforeAll(async () => {
  kafka = await sharedCluster()
  await kafka.createTopic(topics.plain, { partitions: 3, replicationFactor: 3 })
  for (const name of [...compressed.map((c) => topics[c]), topics.txn]) {
    await kafka.createTopic(name, { partitions: 1, replicationFactor: 3 })
  }
  await kafka.produce(
    topics.plain,
    Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: `plain-${i}` })),
  )
  for (const codec of compressed) {
    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic: topics[codec],
      count: 20,
      valueSize: 300,
      compression: codec,
    })
    expect((await producer.result()).exit.code).toBe(0)
  }
  // 4 transactions of 5: commit, abort, commit, abort (the aborted records stay in the log).
  const txn = await runProducerPatient({
    bootstrap: kafka.bootstrap,
    topic: topics.txn,
    count: 20,
    transactionalId: `codec-txn-${run}`,
    transactionSize: 5,
    abortEvery: 2,
  })
  expect((await txn.result()).exit.code).toBe(0)

  workDir = mkdtempSync(join(tmpdir(), 'kafka-doctor-capture-'))
  const ports = kafka.brokers.map((b) => b.port)
  const capture = await startLoopbackCapture(ports, join(workDir, 'traffic.pcap'))
  consumer = await startConsumerPatient({
    bootstrap: kafka.bootstrap,
    topics: Object.values(topics),
    group,
    clientId,
    props: { 'isolation.level': 'read_committed' },
    statusIntervalMs: 200,
  })
  await consumer.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= EXPECTED_RECORDS, {
    timeoutMs: 90_000,
  })
  expect((await consumer.stop()).code).toBe(0)
  consumer = undefined
  const described = await kafka.runTool('kafka-consumer-groups', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--describe',
    '--group',
    group,
  ])
  expect(described.code).toBe(0)
  // tcpdump loses what is still in the kernel's buffer when it stops: let the last packets land.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const pcap = await capture.stop()
  decoded = []
  for (const exchange of kafkaExchanges(tcpStreams(pcap, ports))) {
    try {
      decoded.push({
        exchange,
        request: decodeRequestFrame(exchange.request),
        response:
          exchange.response && decodeResponseFrame(exchange.response, exchange.apiKey, exchange.apiVersion),
      })
    } catch (error) {
      undecodable.push({
        api: `${apiName(exchange.apiKey)} v${exchange.apiVersion}`,
        ports: `${exchange.clientPort}>${exchange.serverPort}`,
        correlationId: exchange.correlationId,
        error: error instanceof Error ? error.message : String(error),
        request: Buffer.from(exchange.request).toString('hex'),
        response: exchange.response ? Buffer.from(exchange.response).toString('hex') : undefined,
      })
    }
  }
  if (undecodable.length > 0) {
    // Kept for whoever has to find out why: the exact bytes, beside the test's other artefacts.
    mkdirSync('test-artifacts', { recursive: true })
    writeFileSync('test-artifacts/real-traffic-undecodable.json', JSON.stringify(undecodable, null, 1))
  }
  if (process.env.KAFKA_DOCTOR_RECORD_FIXTURES) recordFixtures()
}, 420_000)

afterAll(async () => {
  await consumer?.stop()
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

function exchangesOf(key: number, fromConsumer = false): Decoded[] {
  return decoded.filter(
    (d) => d.exchange.apiKey === key && (!fromConsumer || d.request.header.clientId === clientId),
  )
}

const topicIds = (): Map<string, string> => {
  const ids = new Map<string, string>()
  for (const d of exchangesOf(ApiKey.Metadata)) {
    for (const t of (d.response?.body as MetadataResponse | undefined)?.topics ?? [])
      if (t.name) ids.set(t.topicId, t.name)
  }
  return ids
}

describe('real traffic captured from the cluster', () => {
  it('decodes every captured request and response completely', () => {
    expect(undecodable.map(({ request, response, ...rest }) => rest)).toEqual([])
    expect(decoded.length).toBeGreaterThan(20)
    const keys = new Set(decoded.map((d) => d.exchange.apiKey))
    for (const key of [
      ApiKey.ApiVersions,
      ApiKey.Metadata,
      ApiKey.FindCoordinator,
      ApiKey.JoinGroup,
      ApiKey.SyncGroup,
      ApiKey.OffsetFetch,
      ApiKey.ListOffsets,
      ApiKey.Fetch,
      ApiKey.OffsetCommit,
    ]) {
      expect(keys.has(key), `captured ${apiName(key)}`).toBe(true)
    }
    for (const d of decoded) {
      expect(d.request.trailingBytes, `${apiName(d.exchange.apiKey)} request`).toBe(0)
      if (d.response) expect(d.response.trailingBytes, `${apiName(d.exchange.apiKey)} response`).toBe(0)
    }
    expect(decoded.filter((d) => d.response).length).toBeGreaterThan(decoded.length * 0.9)
  })

  it('reads the client id from every request header of the consumer', () => {
    const fromConsumer = decoded.filter((d) => d.request.header.clientId === clientId)
    expect(fromConsumer.length).toBeGreaterThan(10)
    expect(new Set(fromConsumer.map((d) => d.exchange.clientPort)).size).toBeGreaterThanOrEqual(2)
  })

  it('ApiVersions: the client software and the broker ranges', () => {
    const [first] = exchangesOf(ApiKey.ApiVersions, true)
    const request = first!.request.body as ApiVersionsRequest
    expect(request.clientSoftwareName).toBe('apache-kafka-java')
    expect(request.clientSoftwareVersion).toMatch(/^\d+\.\d+\.\d+/)
    const response = first!.response!.body as ApiVersionsResponse
    expect(response.errorCode).toBe(0)
    const fetch = response.apiKeys.find((k) => k.apiKey === ApiKey.Fetch)
    expect(fetch?.minVersion).toBe(kafka.version.startsWith('3.') ? 0 : 4)
    expect(fetch?.maxVersion).toBeGreaterThanOrEqual(16)
  })

  it('Metadata: brokers, cluster id and the topics with their partition counts', () => {
    const responses = exchangesOf(ApiKey.Metadata, true).map((d) => d.response!.body as MetadataResponse)
    const full = responses.find((m) => m.topics.some((t) => t.name === topics.plain))!
    expect(full.clusterId).toBe(kafka.clusterId)
    expect(full.brokers.map((b) => [b.nodeId, b.port]).sort()).toEqual(
      kafka.brokers.map((b) => [b.id, b.port]).sort(),
    )
    const byName = new Map(full.topics.map((t) => [t.name, t]))
    expect(byName.get(topics.plain)?.partitions).toHaveLength(3)
    for (const name of [...compressed.map((c) => topics[c]), topics.txn])
      expect(byName.get(name)?.partitions).toHaveLength(1)
    for (const partition of byName.get(topics.plain)!.partitions) {
      expect(partition.replicaNodes.sort()).toEqual([1, 2, 3])
      expect(partition.replicaNodes).toContain(partition.leaderId)
    }
  })

  it('FindCoordinator and JoinGroup: the group and the subscribed topics', () => {
    const finds = exchangesOf(ApiKey.FindCoordinator, true)
    for (const find of finds) {
      const request = find.request.body as FindCoordinatorRequest
      expect([request.key, ...request.coordinatorKeys]).toContain(group)
    }
    // The first answer may be COORDINATOR_NOT_AVAILABLE while __consumer_offsets is being created.
    const coordinators = finds.flatMap((d): Array<{ errorCode: number; nodeId: number; port: number }> => {
      const response = d.response!.body as FindCoordinatorResponse
      return response.coordinators.length ? response.coordinators : [response]
    })
    const found = coordinators.find((c) => c.errorCode === 0)!
    expect([1, 2, 3]).toContain(found.nodeId)
    expect(found.port).toBe(kafka.brokers.find((b) => b.id === found.nodeId)!.port)
    for (const c of coordinators) expect([0, 15]).toContain(c.errorCode)
    const joins = exchangesOf(ApiKey.JoinGroup, true)
    const joinRequest = joins[0]!.request.body as JoinGroupRequest
    expect(joinRequest.groupId).toBe(group)
    expect(joinRequest.protocolType).toBe('consumer')
    const protocol = joinRequest.protocols[0]!
    const r = new Reader(protocol.metadata)
    const subscription = consumerProtocolSubscriptionCodec.decode(
      r,
      Math.min(r.readInt16(), consumerProtocolSubscriptionCodec.maxVersion),
    )
    expect([...subscription.topics].sort()).toEqual(Object.values(topics).sort())
    const joined = joins.map((d) => d.response!.body as JoinGroupResponse).find((j) => j.errorCode === 0)!
    expect(joined.generationId).toBeGreaterThanOrEqual(1)
    expect(joined.memberId).toMatch(new RegExp(`^${clientId}-`))
  })

  it('OffsetFetch and ListOffsets: the committed offsets and log end offsets kafka-consumer-groups reads', () => {
    const offsetFetches = exchangesOf(ApiKey.OffsetFetch)
    const requested = offsetFetches.map((d) => d.request.body as OffsetFetchRequest)
    expect(requested.some((r) => r.groupId === group || r.groups.some((g) => g.groupId === group))).toBe(true)
    // The admin's OffsetFetch, after the consumer committed: committed = log end, per partition.
    // Other test files use the shared cluster at the same time and the capture sees their traffic
    // too: keep the admin's requests for this group only.
    const fromAdmin = offsetFetches.filter((d) => {
      const body = d.request.body as OffsetFetchRequest
      const forGroup = body.groupId === group || body.groups.some((g) => g.groupId === group)
      return d.request.header.clientId !== clientId && forGroup
    })
    const last = fromAdmin[fromAdmin.length - 1]!.response!.body as OffsetFetchResponse
    const committed = new Map<string, bigint>()
    for (const g of last.groups.length ? last.groups : [{ topics: last.topics }]) {
      for (const t of g.topics)
        for (const p of t.partitions) committed.set(`${t.name}:${p.partitionIndex}`, p.committedOffset)
    }
    expect(committed.get(`${topics.txn}:0`)).toBe(24n)
    expect([0, 1, 2].reduce((sum, p) => sum + (committed.get(`${topics.plain}:${p}`) ?? 0n), 0n)).toBe(30n)
    // ListOffsets (latest) answered with the same log end offsets.
    const ends = new Map<string, bigint>()
    for (const d of exchangesOf(ApiKey.ListOffsets).filter((e) => e.request.header.clientId !== clientId)) {
      for (const t of (d.response!.body as ListOffsetsResponse).topics) {
        for (const p of t.partitions) if (p.offset >= 0n) ends.set(`${t.name}:${p.partitionIndex}`, p.offset)
      }
    }
    expect(ends.get(`${topics.txn}:0`)).toBe(24n)
    for (const codec of compressed) expect(ends.get(`${topics[codec]}:0`)).toBe(20n)
  })

  it('Fetch: every record the producers wrote, compressed batches, transaction markers', () => {
    const names = topicIds()
    const batches = new Map<string, Map<bigint, Batch>>()
    const aborted = new Map<string, bigint[]>()
    let readCommitted = 0
    for (const d of exchangesOf(ApiKey.Fetch, true)) {
      const request = d.request.body as FetchRequest
      if (request.isolationLevel === 1) readCommitted++
      for (const t of (d.response!.body as FetchResponse).responses) {
        const name = t.topic || names.get(t.topicId) || t.topicId
        for (const p of t.partitions) {
          expect(p.errorCode).toBe(0)
          for (const a of p.abortedTransactions ?? [])
            (aborted.get(name) ?? aborted.set(name, []).get(name)!).push(a.firstOffset)
          if (!p.records) continue
          const set = readRecordSet(p.records)
          for (const batch of set.batches) {
            expect(batch.verifyCrc()).toBe(true)
            const byOffset = batches.get(`${name}:${p.partitionIndex}`) ?? new Map<bigint, Batch>()
            batches.set(`${name}:${p.partitionIndex}`, byOffset)
            byOffset.set((batch as RecordBatch).baseOffset, batch)
          }
        }
      }
    }
    expect(readCommitted).toBeGreaterThan(0)
    const records = (key: string) =>
      [...(batches.get(key)?.values() ?? [])]
        .filter((b) => !(b as RecordBatch).isControl)
        .flatMap((b) => b.records())
    const text = (b: Uint8Array | null) => (b ? Buffer.from(b).toString() : null)

    const plain = [0, 1, 2].flatMap((p) => records(`${topics.plain}:${p}`))
    expect(plain.map((r) => text(r.value)).sort()).toEqual(
      Array.from({ length: 30 }, (_, i) => `plain-${i}`).sort(),
    )
    for (const r of plain) expect(text(r.key)).toBe(`k${text(r.value)!.slice(6)}`)

    for (const codec of compressed) {
      const key = `${topics[codec]}:0`
      expect([...batches.get(key)!.values()].every((b) => b.compression === codec)).toBe(true)
      const values = records(key)
      expect(values.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => BigInt(i)))
      values.forEach((r, i) => {
        expect(text(r.key)).toBe(`key-${i}`)
        expect(text(r.value)).toBe(`value-${i}-`.padEnd(300, 'x'))
      })
    }

    const txn = [...batches.get(`${topics.txn}:0`)!.values()] as RecordBatch[]
    expect(txn.every((b) => b.isTransactional)).toBe(true)
    const markers = txn.flatMap((b) => b.controlRecords())
    expect(markers.map((m) => [m.offset, m.typeName])).toEqual([
      [5n, 'COMMIT'],
      [11n, 'ABORT'],
      [17n, 'COMMIT'],
      [23n, 'ABORT'],
    ])
    expect([...new Set(aborted.get(topics.txn))].sort((a, b) => Number(a - b))).toEqual([6n, 18n])
  })
})

/** Sends one request frame to a broker and returns its response frame (bounded by `timeoutMs`). */
async function roundTrip(port: number, frame: Uint8Array, timeoutMs = 10_000): Promise<Uint8Array> {
  const { createConnection } = await import('node:net')
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port })
    const chunks: Buffer[] = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no response from port ${port} within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on('connect', () => socket.write(frame))
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      const all = Buffer.concat(chunks)
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        clearTimeout(timer)
        socket.destroy()
        resolve(new Uint8Array(all.subarray(0, 4 + all.readInt32BE(0))))
      }
    })
    socket.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
  })
}

describe('ApiVersions fallback against a real broker', () => {
  it('reads the v0-layout UNSUPPORTED_VERSION answer to a version the broker does not know', async () => {
    const codec = codecFor(ApiKey.ApiVersions)
    const newest = codec.maxVersion
    const request = encodeRequestFrame(
      { apiKey: ApiKey.ApiVersions, apiVersion: newest, correlationId: 4242, clientId: clientId },
      { ...codec.defaultRequest(), clientSoftwareName: 'kafka-doctor-test', clientSoftwareVersion: '0.1.0' },
    )
    const broker = kafka.brokers[0]!
    const response = decodeResponseFrame(await roundTrip(broker.port, request), ApiKey.ApiVersions, newest)
    expect(response.correlationId).toBe(4242)
    if (kafka.version.startsWith('3.')) {
      // Kafka 3.9 serves ApiVersions 0-4; our newest (from 4.x) is beyond it.
      expect(newest).toBeGreaterThan(4)
      expect(response.apiVersion).toBe(0)
      expect(response.body.errorCode).toBe(35)
      expect(response.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 4 }])
    } else {
      expect(response.apiVersion).toBe(newest)
      expect(response.body.errorCode).toBe(0)
    }
    // The version the broker offers then works.
    const offered = response.body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions)!.maxVersion
    const retry = encodeRequestFrame(
      { apiKey: ApiKey.ApiVersions, apiVersion: offered, correlationId: 4243, clientId },
      { ...codec.defaultRequest(), clientSoftwareName: 'kafka-doctor-test', clientSoftwareVersion: '0.1.0' },
    )
    const ok = decodeResponseFrame(await roundTrip(broker.port, retry), ApiKey.ApiVersions, offered)
    expect(ok.apiVersion).toBe(offered)
    expect(ok.body.errorCode).toBe(0)
    expect(ok.body.apiKeys.length).toBeGreaterThan(40)
  })
})

/** Small real frames for unit tests that run without a cluster (test/protocol/captured-frames.test.ts). */
function recordFixtures(): void {
  const pick = (key: number, predicate: (d: Decoded) => boolean = () => true) =>
    decoded.find((d) => d.exchange.apiKey === key && d.response && predicate(d))
  const chosen: Array<[string, Decoded | undefined]> = [
    ['api-versions', pick(ApiKey.ApiVersions, (d) => d.request.header.clientId === clientId)],
    ['metadata', pick(ApiKey.Metadata, (d) => (d.response!.body as MetadataResponse).topics.length === 6)],
    ['find-coordinator', pick(ApiKey.FindCoordinator, (d) => d.request.header.clientId === clientId)],
    ['join-group', pick(ApiKey.JoinGroup, (d) => (d.response!.body as JoinGroupResponse).errorCode === 0)],
    ['offset-fetch', pick(ApiKey.OffsetFetch, (d) => d.request.header.clientId === clientId)],
    ['list-offsets', pick(ApiKey.ListOffsets)],
    [
      'fetch-records',
      pick(
        ApiKey.Fetch,
        (d) =>
          d.request.header.clientId === clientId &&
          (d.response!.body as FetchResponse).responses.some((t) =>
            t.partitions.some((p) => (p.records?.byteLength ?? 0) > 0),
          ),
      ),
    ],
  ]
  const frames = chosen.map(([name, d]) => {
    if (!d) throw new Error(`no ${name} exchange to record`)
    return {
      name,
      apiKey: d.exchange.apiKey,
      apiVersion: d.exchange.apiVersion,
      request: Buffer.from(d.exchange.request).toString('hex'),
      response: Buffer.from(d.exchange.response!).toString('hex'),
    }
  })
  const dir = join(import.meta.dirname, 'fixtures')
  mkdirSync(dir, { recursive: true })
  const scenario = {
    kafkaVersion: kafka.version,
    clusterId: kafka.clusterId,
    topics,
    group,
    clientId,
    brokers: kafka.brokers,
  }
  writeFileSync(join(dir, 'captured-frames.json'), `${JSON.stringify({ scenario, frames }, null, 1)}\n`)
}
