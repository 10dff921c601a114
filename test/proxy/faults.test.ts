/**
 * The other fault types against the real cluster: latency, dropped connections, coordinator errors,
 * errors in Produce, OffsetCommit and ListOffsets answers — each judged by what the real client or
 * tool did, not only by the proxy's counters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { UnreachableError } from '../../src/errors.js'
import { ApiKey } from '../../src/protocol/generated/apis.js'
import { type KafkaProxy, startProxy } from '../../src/proxy/proxy.js'
import { parseRules } from '../../src/proxy/rules.js'
import { type KafkaCluster, sharedCluster } from '../support/kafka.js'
import { runProducerPatient, startConsumerPatient } from '../support/patients.js'
import { awaitPositions, connectRaw, rawRequest } from './support.js'

let kafka: KafkaCluster
let proxy: KafkaProxy
const run = Date.now().toString(36)

beforeAll(async () => {
  kafka = await sharedCluster()
  proxy = await startProxy({ bootstrapServers: kafka.brokers })
})
afterAll(async () => {
  await proxy?.stop()
})

const rule = (input: unknown) => proxy.addRules(parseRules(input, 'test'))[0]?.id ?? ''

describe('latency', () => {
  it('delays the answers of the chosen API on the chosen listener, and only those', async () => {
    const listener = proxy.listeners()[0]
    if (!listener) throw new Error('no listener')
    // 1 s of latency against a 600 ms bound for the answers left alone: far apart, even on a loaded host.
    const id = rule({ type: 'latency', apis: ['Metadata'], brokers: [listener.brokerId], ms: 1000 })
    const transport = await connectRaw(listener)
    try {
      const time = async (apiKey: typeof ApiKey.Metadata | typeof ApiKey.ApiVersions) => {
        const started = performance.now()
        if (apiKey === ApiKey.Metadata) await rawRequest(transport, ApiKey.Metadata, 12, { topics: [] })
        else
          await rawRequest(transport, ApiKey.ApiVersions, 3, {
            clientSoftwareName: 't',
            clientSoftwareVersion: '1',
          })
        return performance.now() - started
      }
      expect(await time(ApiKey.Metadata)).toBeGreaterThanOrEqual(995)
      expect(await time(ApiKey.ApiVersions)).toBeLessThan(600)
      proxy.removeRule(id)
      expect(await time(ApiKey.Metadata)).toBeLessThan(600)
    } finally {
      await transport.close()
    }
  })
})

describe('drop-connection', () => {
  it('closes the connection on a matching request; a real consumer reconnects and goes on', async () => {
    const listener = proxy.listeners()[0]
    if (!listener) throw new Error('no listener')
    const raw = await connectRaw(listener)
    const id = rule({ type: 'drop-connection', apis: ['Metadata'], brokers: [listener.brokerId], count: 1 })
    await expect(rawRequest(raw, ApiKey.Metadata, 12, { topics: [] })).rejects.toThrow(UnreachableError)
    await raw.close()
    const again = await connectRaw(listener)
    await expect(rawRequest(again, ApiKey.Metadata, 12, { topics: [] })).resolves.toBeDefined()
    await again.close()
    expect(proxy.rules.list().find((state) => state.rule.id === id)).toMatchObject({
      applied: 1,
      exhausted: true,
    })

    const topic = `faults-drop-${run}`
    await kafka.createTopic(topic, { partitions: 1 })
    await kafka.produce(topic, ['a', 'b'])
    const dropped = proxy.counters.connections.dropped
    rule({ type: 'drop-connection', apis: ['Fetch'], count: 3 })
    const consumer = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      assign: [`${topic}:0`],
      statusIntervalMs: 300,
    })
    try {
      await awaitPositions(consumer, (p) => p[`${topic}-0`] === 2, 30_000)
      await kafka.produce(topic, ['c'])
      await awaitPositions(consumer, (p) => p[`${topic}-0`] === 3, 30_000)
    } finally {
      await consumer.stop()
    }
    expect(proxy.counters.connections.dropped - dropped).toBe(3)
  })
})

describe('coordinator errors', () => {
  it('REBALANCE_IN_PROGRESS in a Heartbeat makes the real consumer rejoin its group', async () => {
    const topic = `faults-heartbeat-${run}`
    const group = `${topic}-group`
    await kafka.createTopic(topic, { partitions: 2 })
    const consumer = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      topics: [topic],
      group,
      props: { 'heartbeat.interval.ms': '500' },
    })
    try {
      await consumer.awaitEvent(
        (event) => event.event === 'assigned' && (event.partitions as string[]).length === 2,
      )
      const id = rule({
        type: 'coordinator-error',
        api: 'Heartbeat',
        error: 'REBALANCE_IN_PROGRESS',
        groups: [group],
        count: 1,
      })
      await consumer.awaitEvent((event) => event.event === 'revoked', { timeoutMs: 20_000 })
      const assignments = await consumer.awaitEvent(
        (event) =>
          event.event === 'assigned' &&
          consumer.events.filter((each) => each.event === 'assigned').length >= 2,
        { timeoutMs: 20_000 },
      )
      expect(assignments.partitions).toEqual([`${topic}-0`, `${topic}-1`])
      expect(proxy.counters.snapshot().rules[id]).toBe(1)
    } finally {
      await consumer.stop()
    }
  })

  it('COORDINATOR_NOT_AVAILABLE from FindCoordinator delays the group, which still forms', async () => {
    const topic = `faults-findcoord-${run}`
    const group = `${topic}-group`
    await kafka.createTopic(topic, { partitions: 1 })
    const id = rule({
      type: 'coordinator-error',
      api: 'FindCoordinator',
      error: 'COORDINATOR_NOT_AVAILABLE',
      groups: [group],
      count: 3,
    })
    const consumer = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'old',
    })
    try {
      await consumer.awaitEvent((event) => event.event === 'assigned', { timeoutMs: 30_000 })
    } finally {
      await consumer.stop()
    }
    expect(proxy.counters.snapshot().rules[id]).toBe(3)
  })
})

describe('errors in Produce, OffsetCommit and ListOffsets answers', () => {
  it('retriable NOT_ENOUGH_REPLICAS in Produce: the real producer retries and every record lands once', async () => {
    const topic = `faults-produce-${run}`
    await kafka.createTopic(topic, { partitions: 1 })
    const id = rule({ type: 'error', api: 'Produce', error: 'NOT_ENOUGH_REPLICAS', topic, count: 2 })
    const producer = await runProducerPatient({ bootstrap: proxy.bootstrap, topic, count: 20 })
    const { done, exit } = await producer.result()
    expect(exit.code).toBe(0)
    expect(done).toMatchObject({ acked: 20, errors: 0 })
    expect(proxy.counters.snapshot().rules[id]).toBe(2)
    const offsets = await kafka.runTool('kafka-get-offsets', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--topic',
      topic,
    ])
    expect(offsets.stdout.trim()).toBe(`${topic}:0:20`)
  })

  it('a non-retriable error in OffsetCommit reaches the application as a commit failure', async () => {
    const topic = `faults-commit-${run}`
    await kafka.createTopic(topic, { partitions: 1 })
    await kafka.produce(topic, ['a', 'b', 'c'])
    const id = rule({
      type: 'error',
      api: 'OffsetCommit',
      error: 'OFFSET_METADATA_TOO_LARGE',
      topic,
      count: 1,
    })
    const consumer = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      topics: [topic],
      group: `${topic}-group`,
    })
    try {
      const failure = await consumer.awaitEvent(
        (event) => event.event === 'error' && event.during === 'commit',
        { timeoutMs: 30_000 },
      )
      expect(failure.type).toBe('org.apache.kafka.common.errors.OffsetMetadataTooLarge')
    } finally {
      await consumer.stop()
    }
    expect(proxy.counters.snapshot().rules[id]).toBe(1)
  })

  it('an error in ListOffsets answers makes kafka-get-offsets fail for that partition only', async () => {
    const topic = `faults-listoffsets-${run}`
    await kafka.createTopic(topic, { partitions: 2 })
    await kafka.produce(topic, ['a'], { partition: 0 })
    await kafka.produce(topic, ['b', 'c'], { partition: 1 })
    const id = rule({
      type: 'error',
      api: 'ListOffsets',
      error: 'UNKNOWN_SERVER_ERROR',
      topic,
      partitions: [1],
    })
    const result = await kafka.runTool('kafka-get-offsets', [
      '--bootstrap-server',
      proxy.bootstrap,
      '--topic',
      topic,
    ])
    proxy.removeRule(id)
    expect(result.stdout).not.toContain(`${topic}:1:`)
    expect(`${result.stdout}${result.stderr}`).toMatch(/UnknownServerException|unexpected error/i)
    const healthy = await kafka.runTool('kafka-get-offsets', [
      '--bootstrap-server',
      proxy.bootstrap,
      '--topic',
      topic,
    ])
    expect(healthy.stdout.trim().split('\n').sort()).toEqual([`${topic}:0:1`, `${topic}:1:2`])
  })
})
