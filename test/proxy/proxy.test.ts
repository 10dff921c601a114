/**
 * The proxy in front of the real 3-broker cluster, with real Java consumers (a pre-3.7 client and a
 * current one) and Kafka's own tools as the judges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiKey } from '../../src/protocol/generated/apis.js'
import type { ApiVersionsResponse } from '../../src/protocol/generated/messages/api-versions.js'
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata.js'
import { type KafkaProxy, startProxy } from '../../src/proxy/proxy.js'
import { parseRules } from '../../src/proxy/rules.js'
import { type KafkaCluster, sharedCluster } from '../support/kafka.js'
import { startConsumerPatient } from '../support/patients.js'
import { parseConsumerGroupsDescribe, parseTopicsDescribe } from '../support/tool-output.js'
import {
  awaitPositions,
  connectRaw,
  fetchErrorLines,
  fetchErrorLogging,
  rawRequest,
  sleep,
} from './support.js'

let kafka: KafkaCluster
const proxies: KafkaProxy[] = []
const run = Date.now().toString(36)

async function newProxy(): Promise<KafkaProxy> {
  const proxy = await startProxy({ bootstrapServers: kafka.brokers, controlPort: 0 })
  proxies.push(proxy)
  return proxy
}

/** A topic of 3 partitions (RF 3) with `perPartition` records in each; its leaders by partition. */
async function topicWithData(name: string, perPartition: number): Promise<Map<number, number>> {
  await kafka.createTopic(name, { partitions: 3, replicationFactor: 3 })
  for (let partition = 0; partition < 3; partition++) {
    const records = Array.from({ length: perPartition }, (_, n) => ({
      key: `k${n}`,
      value: `value-${partition}-${n}`,
    }))
    await kafka.produce(name, records, { partition })
  }
  const metadata = await kafka.metadata({ topics: [name] })
  return new Map(metadata.topics[0]?.partitions.map((p) => [p.partition, p.leader]) ?? [])
}

async function describeGroup(bootstrap: string, group: string) {
  const result = await kafka.runTool('kafka-consumer-groups', [
    '--bootstrap-server',
    bootstrap,
    '--describe',
    '--group',
    group,
  ])
  expect(result.code, result.stderr).toBe(0)
  return parseConsumerGroupsDescribe(result.stdout).sort((a, b) => a.partition - b.partition)
}

beforeAll(async () => {
  kafka = await sharedCluster()
})
afterAll(async () => {
  for (const proxy of proxies) await proxy.stop()
})

describe('pass-through', () => {
  it('forwards the brokers’ bytes unchanged; only broker addresses differ, and only in Metadata', async () => {
    const topic = `proxy-bytes-${run}`
    const leaders = await topicWithData(topic, 20)
    const proxy = await newProxy()
    const listeners = proxy.listeners()
    const leader = leaders.get(0) ?? 1
    const brokerAddress = kafka.brokers.find((broker) => broker.id === leader)
    const listener = listeners.find((each) => each.brokerId === leader)
    if (!brokerAddress || !listener) throw new Error('no broker/listener')
    const direct = await connectRaw(brokerAddress)
    const proxied = await connectRaw(listener)
    try {
      const both = async <K extends ApiKey>(
        apiKey: K,
        version: number,
        body: Parameters<typeof rawRequest<K>>[3],
      ) => {
        const a = await rawRequest(direct, apiKey, version, body)
        const b = await rawRequest(proxied, apiKey, version, body)
        return [a, b] as const
      }
      const [versionsDirect, versionsProxied] = await both(ApiKey.ApiVersions, 3, {
        clientSoftwareName: 'test',
        clientSoftwareVersion: '1',
      })
      // Byte for byte, except that a KRaft broker's FinalizedFeaturesEpoch is the offset of its metadata
      // image, which moves whenever anything is written to the metadata log between the two asks
      // (other tests create topics at the same time): equal as bytes, or as bodies with that set aside.
      const sameBytes = Buffer.from(versionsProxied.bytes).equals(Buffer.from(versionsDirect.bytes))
      if (!sameBytes) {
        expect(versionsProxied.bytes.byteLength).toBe(versionsDirect.bytes.byteLength)
        const withoutEpoch = (body: ApiVersionsResponse) => ({ ...body, finalizedFeaturesEpoch: 0n })
        expect(withoutEpoch(versionsProxied.body)).toEqual(withoutEpoch(versionsDirect.body))
        expect(versionsProxied.body.finalizedFeaturesEpoch).toBeGreaterThan(
          versionsDirect.body.finalizedFeaturesEpoch,
        )
      }

      const [metaDirect, metaProxied] = await both(ApiKey.Metadata, 12, {
        topics: [{ name: topic, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      })
      const topicId = metaDirect.body.topics[0]?.topicId ?? ''
      // KRaft brokers name a random live broker as "controller" in each answer; that is not the proxy.
      const withoutAddresses = (body: MetadataResponse) => ({
        ...body,
        controllerId: kafka.brokers.some((broker) => broker.id === body.controllerId)
          ? 'a broker'
          : body.controllerId,
        brokers: body.brokers.map((broker) => ({ ...broker, host: '', port: 0 })),
      })
      expect(withoutAddresses(metaProxied.body)).toEqual(withoutAddresses(metaDirect.body))
      expect(
        metaProxied.body.brokers.map((broker) => [broker.nodeId, broker.host, broker.port]).sort(),
      ).toEqual(listeners.map((each) => [each.brokerId, each.host, each.port]).sort())

      // Fetch at an old version (names), a middle one and the newest the broker has (topic ids).
      for (const version of [4, 11, 17]) {
        const [fetchDirect, fetchProxied] = await both(ApiKey.Fetch, version, {
          maxWaitMs: 0,
          minBytes: 1,
          maxBytes: 1 << 20,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [
            {
              topic,
              topicId,
              partitions: [
                {
                  partition: 0,
                  currentLeaderEpoch: -1,
                  fetchOffset: 3n,
                  lastFetchedEpoch: -1,
                  logStartOffset: -1n,
                  partitionMaxBytes: 1 << 20,
                  replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
                  highWatermark: -1n,
                },
              ],
            },
          ],
          forgottenTopicsData: [],
        })
        expect(fetchDirect.body.responses[0]?.partitions[0]?.highWatermark).toBe(20n)
        expect(fetchDirect.body.responses[0]?.partitions[0]?.records?.byteLength).toBeGreaterThan(0)
        expect(
          Buffer.from(fetchProxied.bytes).equals(Buffer.from(fetchDirect.bytes)),
          `Fetch v${version}`,
        ).toBe(true)
      }
      for (const version of [1, 7]) {
        const [listDirect, listProxied] = await both(ApiKey.ListOffsets, version, {
          replicaId: -1,
          topics: [
            {
              name: topic,
              partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }],
            },
          ],
        })
        expect(listDirect.body.topics[0]?.partitions[0]?.offset).toBe(20n)
        expect(
          Buffer.from(listProxied.bytes).equals(Buffer.from(listDirect.bytes)),
          `ListOffsets v${version}`,
        ).toBe(true)
      }
    } finally {
      await direct.close()
      await proxied.close()
    }
    const changes = proxy.changes.recent()
    expect(changes.map((change) => `${change.change} ${change.api}`)).toEqual(['rewrite-addresses Metadata'])
    expect(proxy.counters.snapshot()).toMatchObject({ undecodable: 0, addressRewrites: 1, rules: {} })
  })

  it.each(['old', 'current', 'latest'])(
    'a %s Java consumer reads every record through the proxy, offsets as kafka-consumer-groups sees them directly',
    async (clientVersion) => {
      const topic = `proxy-read-${clientVersion}-${run}`
      await topicWithData(topic, 40)
      const proxy = await newProxy()
      const group = `${topic}-group`
      const consumer = await startConsumerPatient({
        bootstrap: proxy.bootstrap,
        topics: [topic],
        group,
        clientVersion,
        statusIntervalMs: 500,
      })
      try {
        const status = await consumer.awaitEvent(
          (event) =>
            event.event === 'status' &&
            event.consumed === 120 &&
            Object.keys(event.committed as object).length === 3,
          { timeoutMs: 60_000 },
        )
        expect(status.consumedUpTo).toEqual({ [`${topic}-0`]: 40, [`${topic}-1`]: 40, [`${topic}-2`]: 40 })
        expect(status.committed).toEqual({ [`${topic}-0`]: 40, [`${topic}-1`]: 40, [`${topic}-2`]: 40 })
      } finally {
        await consumer.stop()
      }
      const direct = await describeGroup(kafka.bootstrap, group)
      const proxied = await describeGroup(proxy.bootstrap, group)
      expect(direct.map((row) => [row.partition, row.currentOffset, row.logEndOffset, row.lag])).toEqual([
        [0, 40n, 40n, 0n],
        [1, 40n, 40n, 0n],
        [2, 40n, 40n, 0n],
      ])
      expect(proxied.map((row) => [row.partition, row.currentOffset, row.logEndOffset, row.lag])).toEqual(
        direct.map((row) => [row.partition, row.currentOffset, row.logEndOffset, row.lag]),
      )
      // The consumer's connections all went through the proxy, and nothing but addresses was changed.
      const counters = proxy.counters.snapshot()
      expect(Object.keys(counters.requests).sort()).toEqual(['1', '2', '3'])
      expect(counters.undecodable).toBe(0)
      expect(new Set(proxy.changes.recent().map((change) => change.change))).toEqual(
        new Set(['rewrite-addresses']),
      )
    },
  )
})

describe('faults a consumer meets', () => {
  it.each(['old', 'current'])(
    'NOT_LEADER_OR_FOLLOWER in Fetch for one partition: the %s consumer refetches it far faster than fetch.max.wait.ms allows',
    async (clientVersion) => {
      const topic = `proxy-notleader-${clientVersion}-${run}`
      const leaders = await topicWithData(topic, 10)
      const proxy = await newProxy()
      const consumer = await startConsumerPatient({
        bootstrap: proxy.bootstrap,
        topics: [topic],
        group: `${topic}-group`,
        clientVersion,
        statusIntervalMs: 500,
        jvmArgs: fetchErrorLogging,
      })
      try {
        await awaitPositions(
          consumer,
          (p) => p[`${topic}-0`] === 10 && p[`${topic}-1`] === 10 && p[`${topic}-2`] === 10,
          60_000,
        )
        const leader = leaders.get(0) ?? 1
        const key = `${topic}-0`
        const rate = async () => {
          const before = proxy.counters.snapshot()
          await sleep(3000)
          const after = proxy.counters.snapshot()
          const count = (s: typeof before) => s.fetchPartitions[String(leader)]?.[key]?.responses ?? 0
          return (count(after) - count(before)) / ((after.elapsedMs - before.elapsedMs) / 1000)
        }
        const healthy = await rate()
        proxy.addRules(
          parseRules(
            {
              id: 'nl',
              type: 'error',
              api: 'Fetch',
              error: 'NOT_LEADER_OR_FOLLOWER',
              topic,
              partitions: [0],
              brokers: [leader],
            },
            'test',
          ),
        )
        await kafka.produce(topic, ['a', 'b', 'c'], { partition: 0 })
        await kafka.produce(topic, ['a', 'b', 'c'], { partition: 1 })
        await sleep(1000)
        const faulted = await rate()
        // fetch.max.wait.ms is 500: a healthy idle consumer fetches a partition about twice a second.
        expect(healthy).toBeLessThan(5)
        expect(faulted).toBeGreaterThan(50)
        // The client's own log: it met the error for that partition, over and over.
        const seen = fetchErrorLines(consumer, key)
        expect(seen.errors).toEqual(new Set(['org.apache.kafka.common.errors.NotLeaderOrFollowerException']))
        expect(seen.count).toBeGreaterThan(50)
        expect(seen.perSecond).toBeGreaterThan(50)
        // Partition 1 moves on, partition 0 is stuck behind the error.
        const status = await awaitPositions(consumer, (p) => p[`${topic}-1`] === 13)
        expect((status.positions as Record<string, number>)[key]).toBe(10)
        // Healed: the partition catches up.
        proxy.removeRule('nl')
        await awaitPositions(consumer, (p) => p[key] === 13)
        expect(proxy.counters.snapshot().rules.nl).toBeGreaterThan(100)
      } finally {
        await consumer.stop()
      }
    },
  )

  it('a frozen high watermark: kafka-consumer-groups through the proxy shows the negative lag frozen HW − committed', async () => {
    const topic = `proxy-frozen-${run}`
    await topicWithData(topic, 30)
    const proxy = await newProxy()
    const group = `${topic}-group`
    const consumer = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'current',
      statusIntervalMs: 500,
    })
    try {
      await consumer.awaitEvent(
        (event) => event.event === 'status' && Object.values(event.committed as object).join() === '30,30,30',
        { timeoutMs: 60_000 },
      )
    } finally {
      await consumer.stop()
    }
    proxy.addRules(
      parseRules({ id: 'freeze', type: 'freeze-offsets', topic, partitions: [1], highWatermark: 23 }, 'test'),
    )
    const proxied = await describeGroup(proxy.bootstrap, group)
    expect(proxied.map((row) => [row.partition, row.currentOffset, row.logEndOffset, row.lag])).toEqual([
      [0, 30n, 30n, 0n],
      [1, 30n, 23n, -7n],
      [2, 30n, 30n, 0n],
    ])
    const direct = await describeGroup(kafka.bootstrap, group)
    expect(direct.map((row) => row.lag)).toEqual([0n, 0n, 0n])
    const offsets = await kafka.runTool('kafka-get-offsets', [
      '--bootstrap-server',
      proxy.bootstrap,
      '--topic',
      topic,
      '--time',
      '-1',
    ])
    expect(offsets.stdout.trim().split('\n').sort()).toEqual([
      `${topic}:0:30`,
      `${topic}:1:23`,
      `${topic}:2:30`,
    ])
    expect(proxy.counters.snapshot().rules.freeze).toBe(2)
  })

  it('stale metadata naming a follower: kafka-topics shows it as leader and an old consumer keeps going to it', async () => {
    const topic = `proxy-stale-${run}`
    const leaders = await topicWithData(topic, 10)
    const leader = leaders.get(0) ?? 1
    const follower = kafka.brokers.map((broker) => broker.id).find((id) => id !== leader) ?? 2
    const proxy = await newProxy()
    const consumer = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      assign: [`${topic}:0`, `${topic}:1`],
      clientVersion: 'old',
      statusIntervalMs: 500,
      jvmArgs: fetchErrorLogging,
    })
    try {
      await awaitPositions(consumer, (p) => p[`${topic}-0`] === 10 && p[`${topic}-1`] === 10, 60_000)
      // From now on Metadata names the follower; one injected error makes the client ask for Metadata.
      proxy.addRules(
        parseRules(
          [
            { id: 'stale', type: 'stale-metadata', topic, partitions: [0], leader: follower },
            {
              id: 'kick',
              type: 'error',
              api: 'Fetch',
              error: 6,
              topic,
              partitions: [0],
              brokers: [leader],
              count: 1,
            },
          ],
          'test',
        ),
      )
      await sleep(3000)
      const counters = proxy.counters.snapshot()
      expect(counters.rules.kick).toBe(1)
      // The client believes the follower leads partition 0 and keeps asking it (to validate its position
      // against the new leader, as KIP-320 clients do); the real follower keeps refusing.
      const toFollower = () => proxy.counters.snapshot().requests[String(follower)]?.OffsetForLeaderEpoch ?? 0
      const first = toFollower()
      expect(first).toBeGreaterThan(3)
      await sleep(2000)
      expect(toFollower()).toBeGreaterThan(first + 2)
      expect(counters.rules.stale).toBeGreaterThan(1)
      // Partition 1 still moves on; partition 0 does not.
      await kafka.produce(topic, ['a', 'b', 'c'], { partition: 0 })
      await kafka.produce(topic, ['a', 'b', 'c'], { partition: 1 })
      const status = await awaitPositions(consumer, (p) => p[`${topic}-1`] === 13)
      expect(status.consumedUpTo).toEqual({ [`${topic}-0`]: 10, [`${topic}-1`]: 13 })
    } finally {
      await consumer.stop()
    }

    const describeLeader = async (bootstrap: string) => {
      const result = await kafka.runTool('kafka-topics', [
        '--bootstrap-server',
        bootstrap,
        '--describe',
        '--topic',
        topic,
      ])
      expect(result.code, result.stderr).toBe(0)
      return parseTopicsDescribe(result.stdout).find((row) => row.partition === 0)?.leader
    }
    expect(await describeLeader(proxy.bootstrap)).toBe(follower)
    expect(await describeLeader(kafka.bootstrap)).toBe(leader)
  })
})
