import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TimeoutError, UnreachableError } from '../../src/errors.js'
import { parseBootstrapServers } from '../../src/net/address.js'
import { ClusterClient, metadataFrom } from '../../src/net/cluster-client.js'
import { BrokerConnection } from '../../src/net/connection.js'
import { ApiKey } from '../../src/protocol/generated/apis.js'
import { defaultListOffsetsRequest } from '../../src/protocol/generated/messages/list-offsets.js'
import { type KafkaCluster, sharedCluster } from '../support/kafka.js'

describe('BrokerConnection against the real cluster', () => {
  let cluster: KafkaCluster
  let connection: BrokerConnection
  const topic = `net-conn-${process.pid}`

  beforeAll(async () => {
    cluster = await sharedCluster()
    await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 })
    await cluster.produce(topic, ['a', 'b', 'c', 'd', 'e'], { partition: 1 })
    const first = cluster.brokers[0]!
    connection = await BrokerConnection.open({ host: first.host, port: first.port, nodeId: first.id })
  })
  afterAll(async () => {
    await connection?.close()
  })

  it('negotiates the highest common version from the broker’s ApiVersions', async () => {
    // Kafka 3.9 serves Metadata up to v12 and ListOffsets up to v9; the codec knows 13 and 11 (4.4).
    expect(connection.brokerVersions.get(ApiKey.Metadata)).toEqual({ minVersion: 0, maxVersion: 12 })
    expect(connection.versionFor(ApiKey.Metadata)).toBe(12)
    expect(connection.versionFor(ApiKey.ListOffsets)).toBe(9)
    expect(connection.versionFor(ApiKey.Metadata, { maxVersion: 5 })).toBe(5)
  })

  it('answers Metadata with every broker and the topic’s partitions', async () => {
    const body = await metadataFrom(connection, [topic])
    expect(body.brokers.map((b) => b.nodeId).sort()).toEqual(cluster.brokers.map((b) => b.id).sort())
    expect(body.clusterId).toBe(cluster.clusterId)
    const described = body.topics.find((t) => t.name === topic)
    expect(described?.errorCode).toBe(0)
    expect(described?.partitions).toHaveLength(3)
    for (const p of described?.partitions ?? []) expect(p.replicaNodes).toHaveLength(3)
  })

  it('pipelines many requests on one connection and pairs each answer with its request', async () => {
    const versions = [1, 4, 7, 9, 12, 1, 4, 7, 9, 12]
    const replies = await Promise.all(
      versions.map((version) =>
        connection.send(ApiKey.Metadata, { ...emptyMetadata(), topics: [] }, { version }),
      ),
    )
    expect(replies.map((r) => r.version)).toEqual(versions)
    for (const reply of replies) expect(reply.body.brokers).toHaveLength(cluster.brokers.length)
  })

  it('reads the high watermark with ListOffsets from the leader', async () => {
    const client = await ClusterClient.connect({ bootstrap: parseBootstrapServers(cluster.bootstrap) })
    try {
      const metadata = await client.metadata([topic])
      const leader = metadata.topics[0]!.partitions.find((p) => p.partitionIndex === 1)!.leaderId
      const reply = await (await client.connectionTo(leader)).send(ApiKey.ListOffsets, {
        ...defaultListOffsetsRequest(),
        replicaId: -1,
        topics: [
          {
            name: topic,
            partitions: [{ partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }],
          },
        ],
      })
      const partition = reply.body.topics[0]!.partitions[0]!
      expect(partition.errorCode).toBe(0)
      expect(partition.offset).toBe(5n)
    } finally {
      await client.close()
    }
  })

  it('refuses requests that would change the cluster', async () => {
    await expect(
      // biome-ignore lint/suspicious/noExplicitAny: deliberately bypassing the types to prove the guard
      connection.send(ApiKey.OffsetCommit as any, {} as any),
    ).rejects.toThrow(/only sends read-only requests/)
  })

  it('fails fast and clearly when nothing listens', async () => {
    const started = Date.now()
    await expect(
      BrokerConnection.open({ host: '127.0.0.1', port: 1, connectTimeoutMs: 2000 }),
    ).rejects.toThrow(UnreachableError)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('bounds the wait for a peer that accepts but never answers', async () => {
    const { createServer } = await import('node:net')
    const silent = createServer(() => {})
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const port = (silent.address() as { port: number }).port
    try {
      await expect(BrokerConnection.open({ host: '127.0.0.1', port, requestTimeoutMs: 500 })).rejects.toThrow(
        TimeoutError,
      )
    } finally {
      silent.close()
    }
  })
})

function emptyMetadata() {
  return {
    topics: [],
    allowAutoTopicCreation: false,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  }
}
