import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseLag } from '../../../src/analyse/lag/analyse-lag.js'
import { BrokerPool } from '../../../src/collect/lag/broker-pool.js'
import { collectLag } from '../../../src/collect/lag/collect-lag.js'
import { findCoordinators } from '../../../src/collect/lag/find-coordinators.js'
import type { LagSnapshot } from '../../../src/collect/lag/lag-snapshot.js'
import { ApiKey } from '../../../src/protocol/generated/apis.js'
import { type KafkaCluster, startCluster } from '../../support/kafka.js'
import { commitOffsetsRaw } from '../../support/offset-commit.js'
import { type Patient, runProducerPatient } from '../../support/patients.js'

/**
 * The high watermark held back by a frozen follower, on a private cluster (it stops a broker):
 *
 * A producer writes with acks=1 to a partition whose follower F is frozen (SIGSTOP). Until the
 * controller fences F (broker.session.timeout.ms, 9 s) F stays in the ISR, so the leader's log end
 * grows while its high watermark does not. An offset committed between the two is above the HW but
 * inside the leader's log; kafka-doctor must say the HW is held back and name F.
 *
 * The group is chosen so that its offsets live on the two other brokers, and the commit is made
 * after the freeze, from measured ends, so the test does not depend on how fast a loaded machine is.
 *
 * On the way it checks, on a real broker, what the replica investigation relies on: ListOffsets with
 * the debugging replica id (-2) answers the log end offset, not the high watermark (-1), and
 * DescribeLogDirs' offsetLag is 0 even then.
 */
const topic = 'lag-frozen'
let group: string

let kafka: KafkaCluster
let producer: Patient | undefined
let frozen: number | undefined
let snapshot: LagSnapshot
let ends: { hw: bigint; leo: bigint }
let committed: bigint
let follower: number
let leader: number

/** Java's String.hashCode, which the group coordinator uses to place a group's offsets. */
function javaHash(text: string): number {
  let h = 0
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0
  return h
}

beforeAll(async () => {
  // Offsets are kept on two of the three brokers, so a group whose offsets live away from the frozen
  // broker can still commit while it is frozen (a commit waits for every in-sync replica).
  kafka = await startCluster({ brokers: 3, brokerOverrides: { 'offsets.topic.replication.factor': '2' } })
  await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })
  const pool = await BrokerPool.connect({ bootstrap: kafka.brokers, timeoutMs: 5000 })
  try {
    // The first FindCoordinator of a fresh cluster creates __consumer_offsets: ask until it is there.
    let coordinator: number | null | undefined
    for (let i = 0; i < 50 && (coordinator ?? null) === null; i++) {
      coordinator = (await findCoordinators(pool, ['lag-frozen-probe'], kafka.brokers[0]!.id)).get(
        'lag-frozen-probe',
      )?.nodeId
      if (coordinator === null) await new Promise((r) => setTimeout(r, 200))
    }
    expect(coordinator).toBeTypeOf('number')
    const offsets = await kafka.waitForMetadata(
      (m) => (m.topics[0]?.partitions.length ?? 0) > 0 && m.topics[0]!.partitions.every((p) => p.leader >= 0),
      { topics: ['__consumer_offsets'] },
    )
    const offsetPartitions = offsets.topics[0]!.partitions
    // A group whose offsets partition leaves out a broker other than 1 (the broker asked first): that
    // broker is the one to freeze.
    const brokerIds = kafka.brokers.map((b) => b.id)
    for (let i = 0; ; i++) {
      const candidate = `lag-frozen-group-${i}`
      const index = Math.abs(javaHash(candidate)) % offsetPartitions.length
      const replicas = offsetPartitions.find((p) => p.partition === index)!.replicas
      const outside = brokerIds.find((id) => !replicas.includes(id))
      if (outside !== undefined && outside !== 1) {
        group = candidate
        follower = outside
        break
      }
    }
    const metadata = await kafka.metadata({ topics: [topic] })
    const partition = metadata.topics[0]!.partitions.find((p) => p.leader !== follower)!
    leader = partition.leader
    producer = await runProducerPatient({
      bootstrap: kafka.brokers
        .filter((b) => b.id !== follower)
        .map((b) => `${b.host}:${b.port}`)
        .join(','),
      topic,
      partition: partition.partition,
      count: -1,
      rate: 300,
      acks: '1',
      statusIntervalMs: 200,
    })
    await producer.awaitEvent((e) => e.event === 'status' && Number(e.acked) >= 50)
    const endsOf = async () => {
      const reply = (replicaId: number) =>
        pool.send(leader, ApiKey.ListOffsets, {
          replicaId,
          isolationLevel: 0,
          timeoutMs: 2000,
          topics: [
            {
              name: topic,
              partitions: [
                {
                  partitionIndex: partition.partition,
                  currentLeaderEpoch: -1,
                  timestamp: -1n,
                  maxNumOffsets: 1,
                },
              ],
            },
          ],
        })
      const [hw, leo] = await Promise.all([reply(-1), reply(-2)])
      return { hw: hw.body.topics[0]!.partitions[0]!.offset, leo: leo.body.topics[0]!.partitions[0]!.offset }
    }
    // Freeze F; the leader keeps appending (acks=1) while its HW waits for F.
    const pid = kafka.brokerPid(follower)!
    process.kill(pid, 'SIGSTOP')
    frozen = pid
    ends = await endsOf()
    for (let i = 0; i < 50 && ends.leo - ends.hw < 100n; i++) {
      await new Promise((r) => setTimeout(r, 100))
      ends = await endsOf()
    }
    // A commit between the HW and the leader's log end.
    committed = ends.hw + (ends.leo - ends.hw) / 2n
    const groupCoordinator = (await findCoordinators(pool, [group], leader)).get(group)?.nodeId
    const coordinatorAddress = kafka.brokers.find((b) => b.id === groupCoordinator)!
    await commitOffsetsRaw(coordinatorAddress, group, [
      { topic, partition: partition.partition, offset: committed },
    ])
    snapshot = await collectLag({
      bootstrap: kafka.brokers.filter((b) => b.id !== follower),
      groups: [group],
      timeoutMs: 1500,
    })
  } finally {
    if (frozen !== undefined) process.kill(frozen, 'SIGCONT')
    await pool.close()
    await producer?.stop()
  }
}, 240_000)

afterAll(async () => {
  if (frozen !== undefined) process.kill(frozen, 'SIGCONT')
  await producer?.stop()
  await kafka?.stop()
})

describe('a follower that holds the high watermark back', () => {
  it('ListOffsets with replica id -2 answers the log end offset, -1 the high watermark', () => {
    expect(ends.leo - ends.hw).toBeGreaterThanOrEqual(100n)
    expect(ends.hw).toBeLessThan(committed)
    expect(ends.leo).toBeGreaterThan(committed)
  })

  it('sees the commit above the HW but inside the leader log, and every other replica’s log end', () => {
    const [investigation] = snapshot.investigations
    expect(investigation).toBeDefined()
    const leaderEnd = investigation?.logEnds.find((e) => e.broker === leader)
    expect(leaderEnd?.logEndOffset).toBeGreaterThanOrEqual(committed)
    const frozenEnd = investigation?.logEnds.find((e) => e.broker === follower)
    expect(frozenEnd).toMatchObject({ logEndOffset: null, error: 'UNREACHABLE' })
    expect(snapshot.unreachable.map((u) => u.nodeId)).toEqual([follower])
    // DescribeLogDirs' offsetLag is max(0, HW − LEO) on the replica itself: 0 even on this leader.
    expect(investigation?.logDirs.find((d) => d.broker === leader)?.offsetLag).toBe(0n)
    expect(snapshot.rereads[0]?.highWatermark).toBeLessThan(committed)
  })

  it('says the HW is held back and names the frozen follower', () => {
    const report = analyseLag([snapshot])
    const finding = report.findings.find((f) => f.id.startsWith('lag.negative'))
    expect(finding?.id).toBe('lag.negative.hw-held-back')
    expect(finding?.subject).toMatchObject({ group, topic, broker: follower })
    expect(finding?.summary).toContain(`leader ${leader}'s log reaches`)
    expect(finding?.summary).toContain(`in-sync follower(s) broker ${follower} (no answer: UNREACHABLE)`)
    // A broker that did not answer makes the run UNKNOWN, with the partial results kept.
    expect(report.incomplete).toBe(true)
    expect(report.exitCode).toBe(3)
    expect(snapshot.durationMs).toBeLessThan(8000)
  })
})
