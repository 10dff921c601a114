import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseLag } from '../../../src/analyse/lag/analyse-lag.js'
import { collectLag } from '../../../src/collect/lag/collect-lag.js'
import type { LagSnapshot } from '../../../src/collect/lag/lag-snapshot.js'
import { readOnlyApis } from '../../../src/net/read-only.js'
import { apiName } from '../../../src/protocol/generated/apis.js'
import { commitGroupOffsets } from '../../support/group-offsets.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { type Patient, startConsumerPatient } from '../../support/patients.js'
import { parseConsumerGroupsDescribe } from '../../support/tool-output.js'

/**
 * The same groups, the same moment, two tools: every row kafka-consumer-groups --describe prints must
 * have kafka-doctor's CURRENT-OFFSET, LOG-END-OFFSET and LAG exactly ('-' included, negative included).
 *
 *   lag-cmp (3 partitions): 30 records on p0, 20 on p1, 0 on p2
 *   lag-cmp-live   a live member consuming the topic but never committing; commits set before it
 *                  joined: p0=12, p1=20, none on p2 → LAG 18, 0, '-' with its CONSUMER-ID
 *   lag-cmp-empty  no members, p0=5 only → LAG 25; p1 and p2 have no commit (kafka-doctor shows them)
 *   lag-cmp-ahead  no members, p1=27 (above HW 20) → LAG -7, printed by both, never clamped
 */
const topic = 'lag-cmp'
const groups = { live: 'lag-cmp-live', empty: 'lag-cmp-empty', ahead: 'lag-cmp-ahead' }

let kafka: KafkaCluster
let consumer: Patient | undefined
let snapshot: LagSnapshot
let reference: ReturnType<typeof parseConsumerGroupsDescribe>
let membersBefore: string

/** The live group's members as kafka-consumer-groups --members --verbose prints them (asked until it answers). */
const describeMembers = async () => {
  for (let attempt = 1; ; attempt++) {
    const run = await kafka.runTool('kafka-consumer-groups', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--describe',
      '--group',
      groups.live,
      '--members',
      '--verbose',
      '--timeout',
      '30000',
    ])
    // CONSUMER-ID, HOST, CLIENT-ID, #PARTITIONS and the assignment (epoch columns are KIP-848 only).
    const members = run.stdout
      .split('\n')
      .filter((l) => l.startsWith(groups.live))
      .map((l) => l.trim().split(/\s+/).slice(0, 6).join(' '))
      .sort()
      .join('\n')
    if ((run.code === 0 && members !== '') || attempt === 5) return members
    await new Promise((r) => setTimeout(r, 1000))
  }
}

beforeAll(async () => {
  kafka = await sharedCluster()
  await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })
  await kafka.produce(
    topic,
    Array.from({ length: 30 }, (_, i) => `a${i}`),
    { partition: 0 },
  )
  await kafka.produce(
    topic,
    Array.from({ length: 20 }, (_, i) => `b${i}`),
    { partition: 1 },
  )
  await commitGroupOffsets(kafka.bootstrap, [
    { group: groups.live, topic, partition: 0, offset: 12, leaderEpoch: 0 },
    { group: groups.live, topic, partition: 1, offset: 20 },
    { group: groups.empty, topic, partition: 0, offset: 5 },
    { group: groups.ahead, topic, partition: 1, offset: 27 },
  ])
  consumer = await startConsumerPatient({
    bootstrap: kafka.bootstrap,
    topics: [topic],
    group: groups.live,
    commit: 'none',
    clientId: 'lag-cmp-client',
    statusIntervalMs: 300,
  })
  // Assigned all three partitions and read to the end (30 + 20 − 12 − 20 = 18 records, plus p2's none).
  await consumer.awaitEvent(
    (e) => e.event === 'status' && (e.assignment as string[]).length === 3 && Number(e.consumed) === 18,
    { timeoutMs: 60_000 },
  )
  membersBefore = await describeMembers()
  expect(membersBefore).toMatch(/^lag-cmp-live lag-cmp-client-\S+ \/127\.0\.0\.1 lag-cmp-client 3 /)

  const describe = await kafka.runTool('kafka-consumer-groups', [
    '--bootstrap-server',
    kafka.bootstrap,
    '--describe',
    '--all-groups',
  ])
  expect(describe.code).toBe(0)
  reference = parseConsumerGroupsDescribe(describe.stdout).filter((r) =>
    Object.values(groups).includes(r.group),
  )
  snapshot = await collectLag({ bootstrap: kafka.bootstrap, groups: Object.values(groups) })
}, 180_000)

afterAll(async () => {
  await consumer?.stop()
})

describe('collectLag against kafka-consumer-groups on the same state', () => {
  it('prints every row kafka-consumer-groups prints with the same offsets and lag', () => {
    const report = analyseLag([snapshot])
    const ours = report.groups.flatMap((g) => g.rows)
    expect(reference).toHaveLength(5)
    for (const theirs of reference) {
      const row = ours.find(
        (r) => r.group === theirs.group && r.topic === theirs.topic && r.partition === theirs.partition,
      )
      expect(row, `${theirs.group} ${theirs.topic}-${theirs.partition}`).toBeDefined()
      expect(row?.committed ?? undefined).toBe(theirs.currentOffset)
      expect(row?.highWatermark ?? undefined).toBe(theirs.logEndOffset)
      expect(row?.lag ?? undefined).toBe(theirs.lag)
      expect(row?.memberId ?? '-').toBe(theirs.consumerId)
    }
    const value = (group: string, partition: number) =>
      reference.find((r) => r.group === group && r.partition === partition)
    expect(value(groups.live, 0)).toMatchObject({ currentOffset: 12n, logEndOffset: 30n, lag: 18n })
    expect(value(groups.live, 2)).toMatchObject({
      currentOffset: undefined,
      logEndOffset: 0n,
      lag: undefined,
    })
    expect(value(groups.live, 2)?.consumerId).toMatch(/^lag-cmp-client-/)
    expect(value(groups.ahead, 1)).toMatchObject({ currentOffset: 27n, logEndOffset: 20n, lag: -7n })
  })

  it('also shows the partitions kafka-consumer-groups leaves out: no commit and no owner', () => {
    const report = analyseLag([snapshot])
    const ours = report.groups.flatMap((g) => g.rows)
    const extra = ours.filter(
      (r) =>
        !reference.some((t) => t.group === r.group && t.topic === r.topic && t.partition === r.partition),
    )
    expect(extra.map((r) => `${r.group} ${r.topic}-${r.partition} ${r.state}`).sort()).toEqual([
      'lag-cmp-ahead lag-cmp-0 no-commit',
      'lag-cmp-ahead lag-cmp-2 no-commit',
      'lag-cmp-empty lag-cmp-1 no-commit',
      'lag-cmp-empty lag-cmp-2 no-commit',
    ])
    for (const r of extra) expect(r).toMatchObject({ committed: null, lag: null, memberId: null })
  })

  it('describes the groups: state, members and the decoded assignment', () => {
    const live = snapshot.groups.find((g) => g.group === groups.live)
    expect(live).toMatchObject({
      type: 'classic',
      protocolType: 'consumer',
      state: 'Stable',
      assignor: 'range',
    })
    expect(live?.members).toHaveLength(1)
    expect(live?.members[0]?.clientId).toBe('lag-cmp-client')
    expect(live?.members[0]?.host).toBe('/127.0.0.1')
    expect(live?.members[0]?.assignment).toEqual([{ topic, partitions: [0, 1, 2] }])
    expect(live?.committed).toEqual([
      { topic, partition: 0, offset: 12n, leaderEpoch: 0, error: null },
      { topic, partition: 1, offset: 20n, leaderEpoch: null, error: null },
    ])
    const empty = snapshot.groups.find((g) => g.group === groups.empty)
    expect(empty).toMatchObject({ type: 'classic', protocolType: '', state: 'Empty', members: [] })
  })

  it('reads HW, LSO and log start from each partition leader', async () => {
    const described = await kafka.metadata({ topics: [topic] })
    const leaders = new Map(described.topics[0]?.partitions.map((p) => [p.partition, p.leader]))
    const ends = snapshot.partitions.filter((p) => p.topic === topic)
    expect(ends.map((p) => [p.partition, p.highWatermark, p.lastStableOffset, p.logStartOffset])).toEqual([
      [0, 30n, 30n, 0n],
      [1, 20n, 20n, 0n],
      [2, 0n, 0n, 0n],
    ])
    for (const p of ends) {
      expect(p.leader).toBe(leaders.get(p.partition))
      expect(p.answeredEpoch).toBe(p.leaderEpoch)
      expect(p.replicas).toHaveLength(3)
    }
  })

  it('batches: one FindCoordinator, one OffsetFetch and one DescribeGroups per coordinator, three ListOffsets per leader', () => {
    const coordinators = new Set(snapshot.groups.map((g) => g.coordinator))
    const leaders = new Set(snapshot.partitions.map((p) => p.leader))
    const { byApi } = snapshot.requests
    expect(byApi.FindCoordinator).toBe(1)
    expect(byApi.OffsetFetch).toBe(coordinators.size)
    expect(byApi.DescribeGroups).toBe(coordinators.size)
    // Kafka 3.9 has no ConsumerGroupDescribe without the new group coordinator.
    expect(byApi.ConsumerGroupDescribe ?? 0).toBeLessThanOrEqual(coordinators.size)
    // The first read; the re-read of lag-cmp-1 (a commit above its HW) from its leader; and one
    // ListOffsets with the debugging replica id to each of its three replicas.
    expect(byApi.ListOffsets).toBe(3 * leaders.size + 3 + 3)
    expect(snapshot.rereads.map((r) => `${r.topic}-${r.partition}`)).toEqual(['lag-cmp-1'])
  })

  it('sends only read-only requests and leaves the group as it found it', async () => {
    const sent = Object.keys(snapshot.requests.byApi)
    const allowed = new Set([...readOnlyApis].map((key) => apiName(key)))
    for (const api of sent) expect(allowed.has(api), api).toBe(true)
    expect(await describeMembers()).toBe(membersBefore)
    // No rebalance happened: the live consumer was assigned once and never revoked.
    expect(consumer?.events.filter((e) => e.event === 'assigned')).toHaveLength(1)
    expect(consumer?.events.some((e) => e.event === 'revoked')).toBe(false)
    // Nothing was committed: the offsets are what the fixture wrote.
    const again = await collectLag({
      bootstrap: kafka.bootstrap,
      groups: Object.values(groups),
      investigate: false,
    })
    for (const g of again.groups) {
      expect(g.committed).toEqual(snapshot.groups.find((s) => s.group === g.group)?.committed)
    }
  })

  it('finds the same groups with --all-groups (ListGroups on every broker, no FindCoordinator)', async () => {
    const all = await collectLag({
      bootstrap: kafka.bootstrap,
      allGroups: true,
      topics: [topic],
      investigate: false,
    })
    const names = all.groups.filter(
      (g) => g.committed.length > 0 || g.members.some((m) => m.assignment.length > 0),
    )
    expect(names.map((g) => g.group)).toEqual(expect.arrayContaining(Object.values(groups)))
    expect(all.requests.byApi.ListGroups).toBe(kafka.brokers.length)
    expect(all.requests.byApi.FindCoordinator).toBeUndefined()
    const live = all.groups.find((g) => g.group === groups.live)
    expect(live?.coordinator).toBe(snapshot.groups.find((g) => g.group === groups.live)?.coordinator)
  })
})
