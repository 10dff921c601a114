import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseLag } from '../../../src/analyse/lag/analyse-lag.js'
import { collectLag } from '../../../src/collect/lag/collect-lag.js'
import { decodeAssignment } from '../../../src/collect/lag/describe-groups.js'
import type { LagSnapshot } from '../../../src/collect/lag/lag-snapshot.js'
import { type KafkaCluster, startCluster } from '../../support/kafka.js'
import { type Patient, startConsumerPatient } from '../../support/patients.js'
import { parseConsumerGroupsDescribe } from '../../support/tool-output.js'

/**
 * Group descriptions on a Kafka 4.x broker, where consumers may use the KIP-848 protocol
 * (group.protocol=consumer): such a group is described by ConsumerGroupDescribe (assignments as topic
 * names and partitions, member epochs), a classic group by DescribeGroups (assignment bytes decoded
 * with the consumer protocol). One request of each kind per coordinator, both asked at once when the
 * group's type is not known.
 */
const topic = 'lag-848'
const consumerGroup = 'lag-848-consumer'
const classicGroup = 'lag-848-classic'

let kafka: KafkaCluster
const patients: Patient[] = []
let snapshot: LagSnapshot

beforeAll(async () => {
  kafka = await startCluster({ version: 'latest', brokers: 1 })
  await kafka.createTopic(topic, { partitions: 2, replicationFactor: 1 })
  await kafka.produce(
    topic,
    Array.from({ length: 12 }, (_, i) => `r${i}`),
    { partition: 0 },
  )
  const [modern, classic] = await Promise.all([
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: consumerGroup,
      clientVersion: 'latest',
      clientId: 'lag-848-client',
      props: { 'group.protocol': 'consumer' },
      statusIntervalMs: 300,
    }),
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: classicGroup,
      clientVersion: 'latest',
      statusIntervalMs: 300,
    }),
  ])
  patients.push(modern, classic)
  const done = (p: Patient) =>
    p.awaitEvent(
      (e) =>
        e.event === 'status' &&
        (e.assignment as string[]).length === 2 &&
        (e.committed as Record<string, number>)[`${topic}-0`] === 12,
      { timeoutMs: 90_000 },
    )
  await Promise.all([done(modern), done(classic)])
  snapshot = await collectLag({ bootstrap: kafka.bootstrap, groups: [consumerGroup, classicGroup] })
}, 300_000)

afterAll(async () => {
  await Promise.all(patients.map((p) => p.stop()))
  await kafka?.stop()
})

describe('consumer (KIP-848) and classic groups on a 4.x broker', () => {
  it('describes the KIP-848 group with ConsumerGroupDescribe', () => {
    const g = snapshot.groups.find((x) => x.group === consumerGroup)
    expect(g).toMatchObject({
      type: 'consumer',
      protocolType: 'consumer',
      state: 'Stable',
      describeError: null,
    })
    expect(g?.assignor).toMatch(/^(uniform|range)$/)
    expect(g?.groupEpoch).toBeGreaterThanOrEqual(1)
    expect(g?.members).toHaveLength(1)
    expect(g?.members[0]).toMatchObject({
      clientId: 'lag-848-client',
      host: '/127.0.0.1',
      assignment: [{ topic, partitions: [0, 1] }],
    })
    expect(g?.members[0]?.targetAssignment).toEqual([{ topic, partitions: [0, 1] }])
    expect(g?.members[0]?.memberEpoch).toBeGreaterThanOrEqual(1)
  })

  it('describes the classic group with DescribeGroups and decodes its assignment', () => {
    const g = snapshot.groups.find((x) => x.group === classicGroup)
    expect(g).toMatchObject({
      type: 'classic',
      protocolType: 'consumer',
      state: 'Stable',
      describeError: null,
    })
    expect(g?.members[0]?.assignment).toEqual([{ topic, partitions: [0, 1] }])
  })

  it('asks each API once for the coordinator', () => {
    expect(snapshot.requests.byApi.DescribeGroups).toBe(1)
    expect(snapshot.requests.byApi.ConsumerGroupDescribe).toBe(1)
    expect(snapshot.requests.byApi.OffsetFetch).toBe(1)
  })

  it('computes the same lag as the 4.x kafka-consumer-groups for both groups', async () => {
    const run = await kafka.runTool('kafka-consumer-groups', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--describe',
      '--group',
      consumerGroup,
      '--group',
      classicGroup,
    ])
    expect(run.code).toBe(0)
    const reference = parseConsumerGroupsDescribe(run.stdout)
    expect(reference).toHaveLength(4)
    const rows = analyseLag([snapshot]).groups.flatMap((g) => g.rows)
    for (const theirs of reference) {
      const ours = rows.find((r) => r.group === theirs.group && r.partition === theirs.partition)
      expect(ours?.committed ?? undefined).toBe(theirs.currentOffset)
      expect(ours?.highWatermark ?? undefined).toBe(theirs.logEndOffset)
      expect(ours?.lag ?? undefined).toBe(theirs.lag)
      expect(ours?.memberId ?? '-').toBe(theirs.consumerId)
    }
  })
})

describe('decodeAssignment', () => {
  it('reads version 0 and newer versions (appended fields ignored), and reports garbage', () => {
    // version 3, one topic "t" with partitions [2, 0], user data null — as the Java client writes it.
    const bytes = Uint8Array.from([
      0, 3, 0, 0, 0, 1, 0, 1, 0x74, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff,
    ])
    expect(decodeAssignment(bytes, true)).toEqual({ assignment: [{ topic: 't', partitions: [0, 2] }] })
    const future = Uint8Array.from([0, 9, ...bytes.slice(2)])
    expect(decodeAssignment(future, true)).toEqual({ assignment: [{ topic: 't', partitions: [0, 2] }] })
    expect(decodeAssignment(new Uint8Array(), true)).toEqual({ assignment: [] })
    expect(decodeAssignment(Uint8Array.from([0, 0, 0, 0, 0, 5]), true).assignmentError).toMatch(
      /^undecodable assignment: /,
    )
    expect(decodeAssignment(bytes, false)).toEqual({
      assignment: [],
      assignmentError: 'not the consumer protocol',
    })
  })
})
