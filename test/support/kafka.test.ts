import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { listClusters } from '../../scripts/kafka/cluster/cluster.js'
import { brokerVersions } from '../../scripts/kafka/versions.js'
import { type KafkaCluster, sharedCluster, startCluster } from './kafka.js'
import { startConsumerPatient } from './patients.js'
import { parseTopicsDescribe } from './tool-output.js'

const sortedIds = (ids: readonly number[]) => [...ids].sort((a, b) => a - b)

describe('shared test cluster', () => {
  let kafka: KafkaCluster
  beforeAll(async () => {
    kafka = await sharedCluster()
  })

  it('has three brokers, each listing all three in Metadata', async () => {
    expect(kafka.version).toBe(brokerVersions.default)
    expect(kafka.brokers.map((broker) => broker.id)).toEqual([1, 2, 3])
    expect(kafka.bootstrap).toBe(kafka.brokers.map((broker) => `${broker.host}:${broker.port}`).join(','))
    for (const broker of kafka.brokers) {
      const metadata = await kafka.metadata({ brokerId: broker.id, topics: [] })
      expect(metadata.brokers.map((each) => [each.nodeId, each.host, each.port]).sort()).toEqual(
        kafka.brokers.map((each) => [each.id, each.host, each.port]).sort(),
      )
      expect([1, 2, 3]).toContain(metadata.controllerId)
    }
  })

  it('creates a topic with replication factor 3 that kafka-topics describes', async () => {
    await kafka.createTopic('rig-rf3', {
      partitions: 3,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    })
    const described = await kafka.runTool('kafka-topics', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--describe',
      '--topic',
      'rig-rf3',
    ])
    expect(described.code).toBe(0)
    expect(described.stdout).toContain('min.insync.replicas=2')
    const partitions = parseTopicsDescribe(described.stdout)
    expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2])
    for (const partition of partitions) {
      expect(sortedIds(partition.replicas)).toEqual([1, 2, 3])
      expect(sortedIds(partition.isr)).toEqual([1, 2, 3])
      expect(partition.replicas).toContain(partition.leader)
    }
    // Our Metadata probe and Kafka's tool agree on leaders and ISR.
    const metadata = await kafka.metadata({ topics: ['rig-rf3'] })
    const probed = metadata.topics[0]?.partitions.map((p) => [p.partition, p.leader, sortedIds(p.isr)])
    expect(probed?.sort()).toEqual(partitions.map((p) => [p.partition, p.leader, sortedIds(p.isr)]).sort())
  })

  it('refuses to stop a broker of the shared cluster', async () => {
    await expect(kafka.stopBroker(2)).rejects.toThrow(/shared test cluster/)
  })

  it('produces records that kafka-get-offsets counts', async () => {
    await kafka.createTopic('rig-produce', { partitions: 1 })
    await kafka.produce('rig-produce', ['a', 'b', { key: 'k', value: 'c' }])
    const offsets = await kafka.runTool('kafka-get-offsets', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--topic',
      'rig-produce',
    ])
    expect(offsets.stdout.trim()).toBe('rig-produce:0:3')
  })
})

describe('private cluster with a broker stopped and restarted', () => {
  let kafka: KafkaCluster | undefined
  afterAll(async () => {
    await kafka?.stop()
  })

  it('shows the stopped broker out of ISR, then back in after a restart', async () => {
    kafka = await startCluster({ brokers: 3 })
    const cluster = kafka
    await cluster.createTopic('isr-check', { partitions: 3, replicationFactor: 3 })
    const describe = async () => {
      const result = await cluster.runTool('kafka-topics', [
        '--bootstrap-server',
        cluster.bootstrap,
        '--describe',
        '--topic',
        'isr-check',
      ])
      expect(result.code).toBe(0)
      return parseTopicsDescribe(result.stdout)
    }

    await cluster.stopBroker(2)
    expect(cluster.isBrokerRunning(2)).toBe(false)
    // A graceful stop removes the broker from every ISR at once (controlled shutdown).
    for (const partition of await describe()) {
      expect(sortedIds(partition.isr)).toEqual([1, 3])
      expect(partition.leader).not.toBe(2)
      expect(sortedIds(partition.replicas)).toEqual([1, 2, 3])
    }
    const underReplicated = await cluster.runTool('kafka-topics', [
      '--bootstrap-server',
      cluster.bootstrap,
      '--describe',
      '--under-replicated-partitions',
      '--topic',
      'isr-check',
    ])
    expect(parseTopicsDescribe(underReplicated.stdout).map((p) => p.partition)).toEqual([0, 1, 2])

    await cluster.startBroker(2)
    expect(cluster.isBrokerRunning(2)).toBe(true)
    const metadata = await cluster.waitForMetadata(
      (seen) => seen.topics[0]?.partitions.every((p) => p.isr.length === 3) ?? false,
      { topics: ['isr-check'], timeoutMs: 60_000 },
    )
    expect(metadata.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3])
    for (const partition of await describe()) expect(sortedIds(partition.isr)).toEqual([1, 2, 3])
  })

  it('drops a hard-killed broker from the ISR once the controller fences it', async () => {
    if (!kafka) throw new Error('the private cluster did not start')
    const cluster = kafka
    await cluster.stopBroker(3, { hard: true })
    expect(cluster.isBrokerRunning(3)).toBe(false)
    // No controlled shutdown: the broker stays in the ISR until its session times out (9 s default).
    const metadata = await cluster.waitForMetadata(
      (seen) => seen.topics[0]?.partitions.every((p) => !p.isr.includes(3) && p.leader !== 3) ?? false,
      { topics: ['isr-check'], timeoutMs: 60_000 },
    )
    expect(metadata.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2])
    await cluster.startBroker(3)
    await cluster.waitForMetadata(
      (seen) => seen.topics[0]?.partitions.every((p) => p.isr.length === 3) ?? false,
      {
        topics: ['isr-check'],
        timeoutMs: 60_000,
      },
    )
  })
})

describe('a failed start', () => {
  it('throws with the tail of the broker log and leaves nothing running', async () => {
    const blocker = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const address = blocker.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      const listener = `PLAINTEXT://127.0.0.1:${port}`
      await expect(
        startCluster({
          brokers: 1,
          brokerOverrides: { listeners: listener, 'advertised.listeners': listener },
        }),
      ).rejects.toThrow(
        /broker 1 of cluster .* exited during start[\s\S]*tail of the node's log[\s\S]*Address already in use/,
      )
    } finally {
      blocker.close()
    }
    const mine = (await listClusters()).filter((name) => name.includes(`-${process.pid}-`))
    expect(mine).toEqual([])
  })
})

describe(`Kafka ${brokerVersions.latest} smoke`, () => {
  let kafka: KafkaCluster | undefined
  afterAll(async () => {
    await kafka?.stop()
  })

  it('starts a 4.x cluster whose own tools describe its quorum and topics', async () => {
    kafka = await startCluster({ version: 'latest', brokers: 3 })
    expect(kafka.version).toBe(brokerVersions.latest)
    const metadata = await kafka.metadata()
    expect(metadata.brokers.map((b) => b.nodeId).sort()).toEqual([1, 2, 3])
    await kafka.createTopic('smoke', { partitions: 2, replicationFactor: 3 })
    const quorum = await kafka.runTool('kafka-metadata-quorum', [
      '--bootstrap-server',
      kafka.bootstrap,
      'describe',
      '--status',
    ])
    expect(quorum.code).toBe(0)
    expect(quorum.stdout).toMatch(/LeaderId:\s+0\b/)
    expect(quorum.stdout).toContain(`ClusterId:              ${kafka.clusterId}`)
    const described = parseTopicsDescribe(
      (
        await kafka.runTool('kafka-topics', [
          '--bootstrap-server',
          kafka.bootstrap,
          '--describe',
          '--topic',
          'smoke',
        ])
      ).stdout,
    )
    expect(described).toHaveLength(2)
    for (const partition of described) expect(sortedIds(partition.isr)).toEqual([1, 2, 3])
  })

  it('serves a 4.x consumer on the new group protocol (KIP-848)', async () => {
    if (!kafka) throw new Error('the 4.x cluster did not start')
    await kafka.produce('smoke', ['a', 'b', 'c', 'd'])
    const consumer = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: ['smoke'],
      group: 'smoke-848',
      clientVersion: 'latest',
      props: { 'group.protocol': 'consumer' },
      statusIntervalMs: 200,
    })
    try {
      await consumer.awaitEvent((event) => event.event === 'status' && event.consumed === 4, {
        timeoutMs: 60_000,
      })
      // A KIP-848 group is assigned by the broker ('uniform'), not by a client-side strategy.
      const groups = await kafka.runTool('kafka-consumer-groups', [
        ...['--bootstrap-server', kafka.bootstrap, '--describe', '--group', 'smoke-848', '--state'],
      ])
      expect(groups.stdout).toMatch(/smoke-848\s.*\suniform\s+Stable\s+1\b/)
    } finally {
      expect((await consumer.stop()).code).toBe(0)
    }
  })
})
