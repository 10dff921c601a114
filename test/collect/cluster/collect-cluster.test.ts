import { rmSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { collectClusterSnapshot } from '../../../src/collect/cluster/collect-cluster.js'
import { UnreachableError } from '../../../src/errors.js'
import { parseBootstrapServers } from '../../../src/net/address.js'
import { isReadOnlyApi } from '../../../src/net/read-only.js'
import { ApiKey, apiName } from '../../../src/protocol/generated/apis.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { kafkaExchanges, startLoopbackCapture, tcpStreams } from '../../support/loopback-capture.js'

describe('collectClusterSnapshot against the real cluster', () => {
  let cluster: KafkaCluster
  const topics = [`collect-a-${process.pid}`, `collect-b-${process.pid}`]

  beforeAll(async () => {
    cluster = await sharedCluster()
    await cluster.createTopic(topics[0] ?? '', {
      partitions: 4,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    })
    await cluster.createTopic(topics[1] ?? '', { partitions: 2, replicationFactor: 3 })
  })

  it('asks every broker for its own metadata and records what each said', async () => {
    const first = cluster.brokers[0]!
    const snapshot = await collectClusterSnapshot({
      bootstrap: [{ host: first.host, port: first.port }],
      topics,
      timeoutMs: 5000,
    })
    expect(snapshot.mode).toBe('kraft')
    expect(snapshot.bootstrapBroker).toBe(first.id)
    expect(snapshot.views.map((v) => [v.brokerId, v.round, v.outcome])).toEqual(
      cluster.brokers.map((b) => [b.id, 1, 'ok']),
    )
    const reference = await cluster.metadata({ topics })
    for (const view of snapshot.views) {
      expect(view.host).toBe(cluster.brokers.find((b) => b.id === view.brokerId)?.host)
      expect(view.metadata?.apiVersion).toBe(12)
      expect(view.metadata?.clusterId).toBe(cluster.clusterId)
      expect(view.metadata?.brokers.map((b) => b.id)).toEqual(cluster.brokers.map((b) => b.id))
      expect(view.metadata?.topics.map((t) => t.name)).toEqual([...topics].sort())
      for (const topic of view.metadata?.topics ?? []) {
        const expected = reference.topics.find((t) => t.name === topic.name)
        expect(topic.partitions.map((p) => [p.partition, p.leader, p.replicas, [...p.isr].sort()])).toEqual(
          expected?.partitions
            .map((p) => [p.partition, p.leader, p.replicas, [...p.isr].sort()])
            .sort((a, b) => Number(a[0]) - Number(b[0])),
        )
        for (const p of topic.partitions) expect(p.leaderEpoch).toBeGreaterThanOrEqual(0)
      }
    }
    // The KRaft quorum: the controller (node 0) leads, every broker is an observer.
    expect(snapshot.quorum).toMatchObject({
      outcome: 'ok',
      leaderId: cluster.controller.id,
      askedBroker: first.id,
    })
    expect(snapshot.quorum.voters?.map((v) => v.replicaId)).toEqual([cluster.controller.id])
    expect(snapshot.quorum.observers?.map((o) => o.replicaId)).toEqual(
      expect.arrayContaining(cluster.brokers.map((b) => b.id)),
    )
    expect(snapshot.quorum.highWatermark).toBeGreaterThan(0n)
    expect(snapshot.describeCluster).toMatchObject({ outcome: 'ok', clusterId: cluster.clusterId })
    expect(snapshot.describeCluster.brokers?.map((b) => [b.id, b.port, b.fenced])).toEqual(
      cluster.brokers.map((b) => [b.id, b.port, false]),
    )
    // One DescribeConfigs for both topics and the broker: the topic override, and Kafka's default 1.
    expect(snapshot.configs.topics.map((t) => [t.topic, t.minInsyncReplicas])).toEqual([
      [topics[0], 2],
      [topics[1], 1],
    ])
    expect(snapshot.configs.broker).toEqual({
      broker: first.id,
      errorCode: 0,
      autoLeaderRebalance: true,
      imbalancePerBrokerPercentage: 10,
      imbalanceCheckIntervalSeconds: 300,
    })
  })

  it('sends exactly the requests it records, all read-only: one per broker per question (loopback capture)', async () => {
    const clientId = `kd-count-${process.pid}`
    const capture = await startLoopbackCapture(
      cluster.brokers.map((b) => b.port),
      join(tmpdir(), `kd-cluster-${process.pid}.pcap`),
    )
    // tcpdump reports "listening" a moment before packets flow into the file, and loses what is still
    // in the kernel's buffer when stopped: leave a margin on both sides.
    await new Promise((resolve) => setTimeout(resolve, 500))
    const snapshot = await collectClusterSnapshot({
      bootstrap: parseBootstrapServers(cluster.bootstrap),
      clientId,
      timeoutMs: 5000,
    })
    await new Promise((resolve) => setTimeout(resolve, 1500))
    const pcap = await capture.stop()
    rmSync(capture.file, { force: true })
    const ours = kafkaExchanges(
      tcpStreams(
        pcap,
        cluster.brokers.map((b) => b.port),
      ),
    ).filter((exchange) => requestClientId(exchange.request) === clientId)
    const sent = ours.map((exchange) => apiName(exchange.apiKey)).sort()
    expect(sent).toEqual(snapshot.requests.map((r) => r.api).sort())
    // 3 brokers: one connection each (ApiVersions at the codec's v5, which a 3.9 broker answers with
    // UNSUPPORTED_VERSION, then v4) and one Metadata each; DescribeQuorum, DescribeCluster and ONE
    // DescribeConfigs (every topic and the broker's settings) from the bootstrap broker.
    expect(sent).toEqual([
      ...Array(6).fill('ApiVersions'),
      'DescribeCluster',
      'DescribeConfigs',
      'DescribeQuorum',
      'Metadata',
      'Metadata',
      'Metadata',
    ])
    expect(
      ours
        .filter((e) => e.apiKey === ApiKey.ApiVersions)
        .map((e) => e.apiVersion)
        .sort(),
    ).toEqual([4, 4, 4, 5, 5, 5])
    expect(
      snapshot.requests
        .filter((r) => r.api === 'ApiVersions')
        .map((r) => r.version)
        .sort(),
    ).toEqual([4, 4, 4, 5, 5, 5])
    expect(new Set(ours.map((e) => e.serverPort)).size).toBe(3)
    expect(ours.every((exchange) => isReadOnlyApi(exchange.apiKey))).toBe(true)
    expect(ours.every((exchange) => exchange.response !== undefined)).toBe(true)
  })

  describe('bounded by the timeout', () => {
    let silent: Server
    let silentPort: number
    let closedPort: number

    beforeAll(async () => {
      silent = createServer(() => {}) // accepts, never answers
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
      silentPort = (silent.address() as { port: number }).port
      const probe = createServer()
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
      closedPort = (probe.address() as { port: number }).port
      await new Promise((resolve) => probe.close(resolve))
    })
    afterAll(() => {
      silent?.close()
    })

    it('no bootstrap answers: UnreachableError within the timeout, naming each address', async () => {
      const started = Date.now()
      const error = await collectClusterSnapshot({
        bootstrap: [
          { host: '127.0.0.1', port: closedPort },
          { host: '127.0.0.1', port: silentPort },
        ],
        timeoutMs: 1500,
      }).catch((e: unknown) => e)
      const elapsed = Date.now() - started
      expect(error).toBeInstanceOf(UnreachableError)
      expect((error as Error).message).toBe(
        `no bootstrap server answered (127.0.0.1:${closedPort}: connection refused; 127.0.0.1:${silentPort}: 127.0.0.1:${silentPort} did not answer within 1500 ms)`,
      )
      expect(elapsed).toBeGreaterThanOrEqual(1400)
      expect(elapsed).toBeLessThan(4000) // the 1.5 s timeout, not the 10 s default
    })

    it('a dead and a silent bootstrap address next to a live one: results, with both recorded', async () => {
      const first = cluster.brokers[0]!
      const started = Date.now()
      const snapshot = await collectClusterSnapshot({
        bootstrap: [
          { host: '127.0.0.1', port: closedPort },
          { host: '127.0.0.1', port: silentPort },
          { host: first.host, port: first.port },
        ],
        topics,
        timeoutMs: 1500,
      })
      expect(Date.now() - started).toBeLessThan(2500)
      expect(snapshot.bootstrap.map((b) => [b.address, b.outcome, b.brokerId])).toEqual([
        [`127.0.0.1:${closedPort}`, 'unreachable', null],
        [`127.0.0.1:${silentPort}`, 'timeout', null],
        [`${first.host}:${first.port}`, 'ok', first.id],
      ])
      expect(snapshot.views.every((v) => v.outcome === 'ok')).toBe(true)
    })
  })
})

/** The client id of a request frame (size prefix, api key, version, correlation id, then the id). */
function requestClientId(frame: Uint8Array): string | null {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const length = view.getInt16(12)
  return length < 0 ? null : Buffer.from(frame.subarray(14, 14 + length)).toString('utf8')
}
