import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type KafkaProxy, startProxy } from '../../../src/proxy/proxy.js'
import { parseRules } from '../../../src/proxy/rules.js'
import { runCli } from '../../support/cli.js'
import { jdwpAgentFlag, jdwpPortFromLog, type SuspendedThread, suspendThread } from '../../support/jdwp.js'
import { type KafkaCluster, sharedCluster, startCluster } from '../../support/kafka.js'
import { parseTopicsDescribe } from '../../support/tool-output.js'

/**
 * A REAL stale broker: broker 3 of a private cluster has its metadata-loader thread suspended through
 * JDWP, so it keeps running, heartbeating and answering clients, but stops applying metadata — what a
 * broker that missed updates does. Then the controller moves the leadership of orders-0 (reassignment
 * to a new replica order + a preferred election) and a topic is created. Every other broker learns
 * both; broker 3 keeps answering the old leader, epoch and replicas, and does not know the topic.
 * kafka-doctor must name broker 3 as the stale one, and say all is well again once it catches up.
 */

interface JsonReport {
  partitions: {
    topic: string
    partition: number
    leader: number
    leaderEpoch: number
    replicas: number[]
    divergent: boolean
  }[]
  divergence: {
    rounds: number
    partitions: {
      topic: string
      partition: number
      rule: string
      agreed: { leader: number; leaderEpoch: number; replicas: number[] }
      agreeing: number[]
      dissenters: {
        broker: number
        value: { leader: number; leaderEpoch: number; replicas: number[] }
        differs: string[]
        reason: string
        persistent: boolean | null
      }[]
    }[]
    topics: { topic: string; knownBy: number[]; missingOn: number[]; persistent: boolean | null }[]
  }
  findings: {
    id: string
    severity: string
    subject: Record<string, unknown>
    evidence: { source: string }[]
  }[]
}

let cluster: KafkaCluster
let suspended: SuspendedThread | undefined
let original: { leader: number; replicas: number[] } = { leader: -1, replicas: [] }
let reordered: number[] = []
let moved = -1
const previousJvmOpts = process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS

async function tool(
  name: 'kafka-topics' | 'kafka-reassign-partitions' | 'kafka-leader-election',
  args: string[],
) {
  const run = await cluster.runTool(name, ['--bootstrap-server', cluster.bootstrap, ...args], {
    timeoutMs: 60_000,
  })
  expect(run.code, `${name} ${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

describe('kafka-doctor cluster finds a real broker serving stale metadata', () => {
  beforeAll(async () => {
    // The rig's broker flags (scripts/kafka/jvm.ts) plus a JDWP agent on an ephemeral port.
    process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS = [
      '-Xms64m',
      '-Xmx384m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:ReservedCodeCacheSize=64m',
      '-XX:MaxMetaspaceSize=160m',
      '-Xss512k',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true',
      jdwpAgentFlag,
    ].join(' ')
    try {
      cluster = await startCluster({ brokers: 3 })
    } finally {
      if (previousJvmOpts === undefined) delete process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS
      else process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS = previousJvmOpts
    }
    await cluster.createTopic('orders', {
      partitions: 3,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    })
  })
  afterAll(async () => {
    await suspended?.resume().catch(() => {})
    await cluster?.stop()
  })

  it('broker 3 stops applying metadata; leadership moves and a topic appears without it', async () => {
    const before = parseTopicsDescribe(await tool('kafka-topics', ['--describe', '--topic', 'orders']))
    // A partition broker 3 does not lead: the broker made stale stays a follower throughout.
    const chosen = before.find((p) => p.leader !== 3)
    if (!chosen) throw new Error('broker 3 leads every partition')
    moved = chosen.partition
    original = { leader: chosen.leader, replicas: chosen.replicas }
    expect(original.leader).toBe(original.replicas[0])
    // The new preferred leader: the replica that is neither the current leader nor broker 3.
    const next = original.replicas.find((r) => r !== original.leader && r !== 3) ?? -1
    reordered = [next, ...original.replicas.filter((r) => r !== next)]

    const port = jdwpPortFromLog(await cluster.logTail(3, 100_000))
    if (port === undefined) throw new Error('broker 3 printed no JDWP port')
    suspended = await suspendThread(port, 'kafka-3-metadata-loader-event-handler')

    const dir = mkdtempSync(join(tmpdir(), 'kd-stale-'))
    const plan = join(dir, 'reorder.json')
    writeFileSync(
      plan,
      JSON.stringify({
        version: 1,
        partitions: [{ topic: 'orders', partition: moved, replicas: reordered }],
      }),
    )
    await tool('kafka-reassign-partitions', ['--reassignment-json-file', plan, '--execute'])
    await tool('kafka-leader-election', [
      '--election-type',
      'PREFERRED',
      '--topic',
      'orders',
      '--partition',
      String(moved),
    ])
    // Not cluster.createTopic: it waits until every broker knows the topic, which broker 3 never will.
    await tool('kafka-topics', [
      '--create',
      '--topic',
      'fresh',
      '--partitions',
      '2',
      '--replication-factor',
      '3',
    ])
    await cluster.waitForMetadata(
      (m) =>
        m.topics.find((t) => t.name === 'orders')?.partitions.find((p) => p.partition === moved)?.leader ===
          reordered[0] &&
        m.topics.some((t) => t.name === 'fresh' && t.partitions.every((p) => p.leader >= 0)),
      { brokerId: 1 },
    )
  })

  it('names broker 3 as the stale one: older epoch, old leader and replicas, persistent; exit 2', async () => {
    // Not kafka-topics: its Admin client may ask broker 3 and print the stale view. Broker 1's own answer.
    const fresh = await cluster.metadata({ brokerId: 1, topics: ['orders'] })
    const reference = fresh.topics[0]?.partitions.find((p) => p.partition === moved)
    const run = await runCli([
      'cluster',
      '--bootstrap-server',
      cluster.bootstrap,
      '--json',
      '--timeout',
      '5s',
    ])
    expect(run.code).toBe(2)
    const report = JSON.parse(run.stdout) as JsonReport
    expect(report.divergence.rounds).toBe(2)
    const [orders0] = report.divergence.partitions
    expect(report.divergence.partitions).toHaveLength(1)
    expect(orders0).toMatchObject({
      topic: 'orders',
      partition: moved,
      rule: 'highest-epoch',
      agreed: { leader: reordered[0], replicas: reordered },
      agreeing: [1, 2],
    })
    expect(orders0?.dissenters).toHaveLength(1)
    const stale = orders0?.dissenters[0]
    expect(stale).toMatchObject({
      broker: 3,
      value: { leader: original.leader, replicas: original.replicas },
      differs: ['leader', 'leaderEpoch', 'replicas'],
      reason: 'older-epoch',
      persistent: true,
    })
    expect(stale?.value.leaderEpoch).toBeLessThan(orders0?.agreed.leaderEpoch ?? 0)
    // The value kafka-doctor reports as the cluster's is what Kafka's own tool reports.
    expect(report.partitions.find((p) => p.topic === 'orders' && p.partition === moved)).toMatchObject({
      leader: reference?.leader,
      replicas: reference?.replicas,
      divergent: true,
    })
    expect(report.divergence.topics).toEqual([
      { topic: 'fresh', knownBy: [1, 2], missingOn: [3], persistent: true },
    ])
    const critical = report.findings.filter((f) => f.severity === 'critical').map((f) => [f.id, f.subject])
    expect(critical).toEqual(
      expect.arrayContaining([
        ['cluster.metadata-divergence', { topic: 'orders', partition: moved, broker: 3 }],
        ['cluster.topic-missing-on-broker', { topic: 'fresh', broker: 3 }],
      ]),
    )
    const divergence = report.findings.find((f) => f.id === 'cluster.metadata-divergence')
    expect(divergence?.evidence[0]?.source).toBe('cluster/views/broker-3-round-2.json')
  })

  it('once broker 3 applies metadata again, no divergence is left', async () => {
    await suspended?.resume()
    suspended = undefined
    await cluster.waitForMetadata(
      (m) =>
        m.topics.find((t) => t.name === 'orders')?.partitions.find((p) => p.partition === moved)?.leader ===
          reordered[0] && m.topics.some((t) => t.name === 'fresh'),
      { brokerId: 3, timeoutMs: 30_000 },
    )
    // While stale, broker 3 followed the old leader and may have dropped out of that ISR (after
    // replica.lag.time.max.ms on a slow run); it rejoins once it follows the new one.
    for (const brokerId of [1, 3]) {
      await cluster.waitForMetadata(
        (m) => m.topics.every((t) => t.partitions.every((p) => p.isr.length === 3)),
        {
          brokerId,
          topics: ['orders', 'fresh'],
          timeoutMs: 60_000,
        },
      )
    }
    const run = await runCli(['cluster', '--bootstrap-server', cluster.bootstrap, '--json'])
    const report = JSON.parse(run.stdout) as JsonReport
    expect(report.divergence.partitions).toEqual([])
    expect(report.divergence.topics).toEqual([])
    expect(report.findings.filter((f) => f.severity !== 'info')).toEqual([])
    expect(run.code).toBe(0)
  })
})

describe('kafka-doctor cluster through the fault-injection proxy', () => {
  let shared: KafkaCluster
  let proxy: KafkaProxy | undefined
  const topic = `cluster-proxy-${process.pid}`

  beforeAll(async () => {
    shared = await sharedCluster()
    await shared.createTopic(topic, { partitions: 2, replicationFactor: 3 })
  })
  afterAll(async () => {
    await proxy?.stop()
  })

  it('one broker’s listener answers Metadata naming another leader: that broker is the odd one out', async () => {
    const real = (await shared.metadata({ topics: [topic] })).topics[0]?.partitions.find(
      (p) => p.partition === 1,
    )
    if (!real) throw new Error(`no ${topic}-1`)
    const [liar, other] = shared.brokers.map((b) => b.id).filter((id) => id !== real.leader) as [
      number,
      number,
    ]
    proxy = await startProxy({
      bootstrapServers: shared.brokers,
      rules: parseRules(
        [{ id: 'stale', type: 'stale-metadata', topic, partitions: [1], leader: other, brokers: [liar] }],
        'test',
      ),
    })
    const run = await runCli(['cluster', '--bootstrap-server', proxy.bootstrap, '--topic', topic, '--json'])
    expect(run.code).toBe(2)
    const report = JSON.parse(run.stdout) as JsonReport
    expect(report.divergence.rounds).toBe(2)
    expect(report.divergence.partitions).toHaveLength(1)
    const [divergent] = report.divergence.partitions
    expect(divergent).toMatchObject({
      topic,
      partition: 1,
      rule: 'majority',
      agreed: { leader: real.leader },
    })
    expect(divergent?.agreeing).toEqual(shared.brokers.map((b) => b.id).filter((id) => id !== liar))
    expect(
      divergent?.dissenters.map((d) => [d.broker, d.value.leader, d.differs, d.reason, d.persistent]),
    ).toEqual([[liar, other, ['leader'], 'minority', true]])
    expect(report.findings.map((f) => [f.id, f.severity, f.subject])).toContainEqual([
      'cluster.metadata-divergence',
      'critical',
      { topic, partition: 1, broker: liar },
    ])
    // The proxy counted its rewrites: one per Metadata answer from the lying listener (two rounds).
    expect(proxy.counters.snapshot().rules.stale).toBe(2)
  })
})
