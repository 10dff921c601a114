import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseLag } from '../../../src/analyse/lag/analyse-lag.js'
import { explainNegative, negativeLagFindings } from '../../../src/analyse/lag/negative-lag.js'
import { collectLag } from '../../../src/collect/lag/collect-lag.js'
import type { LagSnapshot, PartitionEnds } from '../../../src/collect/lag/lag-snapshot.js'
import { commitGroupOffsets } from '../../support/group-offsets.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { type Patient, startConsumerPatient } from '../../support/patients.js'

let kafka: KafkaCluster
const patients: Patient[] = []

beforeAll(async () => {
  kafka = await sharedCluster()
})
afterAll(async () => {
  await Promise.all(patients.map((p) => p.stop()))
})

describe('negative lag made for real', () => {
  it('an offset committed above the HW by a tool: beyond every replica log, no epoch recorded', async () => {
    const topic = 'lag-neg-ahead'
    await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
    await kafka.produce(
      topic,
      Array.from({ length: 10 }, (_, i) => `r${i}`),
    )
    // Kafka accepts any offset in OffsetCommit; AdminClient records no leader epoch unless told to.
    await commitGroupOffsets(kafka.bootstrap, [
      { group: 'lag-neg-ahead-tool', topic, partition: 0, offset: 25 },
      { group: 'lag-neg-ahead-epoch', topic, partition: 0, offset: 25, leaderEpoch: 7 },
    ])
    const snapshot = await collectLag({
      bootstrap: kafka.bootstrap,
      groups: ['lag-neg-ahead-tool', 'lag-neg-ahead-epoch'],
    })
    expect(snapshot.rereads.map((r) => [r.topic, r.highWatermark])).toEqual([[topic, 10n]])
    const [investigation] = snapshot.investigations
    expect(investigation?.metadataViews.map((v) => [v.broker, v.leaderEpoch, v.error])).toEqual(
      kafka.brokers.map((b) => [b.id, 0, null]),
    )
    // Every replica's own log ends at 10 (ListOffsets with the debugging replica id answers on followers too).
    expect(investigation?.logEnds.map((e) => [e.broker, e.logEndOffset])).toEqual(
      kafka.brokers.map((b) => [b.id, 10n]),
    )
    // An epoch the partition never had: the leader answers "undefined epoch" (-1 offset, -1 epoch).
    expect(investigation?.epochEnds).toEqual([{ epoch: 7, endOffset: null, leaderEpoch: null, error: null }])

    const report = analyseLag([snapshot], { requestedGroups: ['lag-neg-ahead-tool', 'lag-neg-ahead-epoch'] })
    const byGroup = (group: string) =>
      report.findings.find((f) => f.id.startsWith('lag.negative') && f.subject.group === group)
    const tool = byGroup('lag-neg-ahead-tool')
    expect(tool?.id).toBe('lag.negative.beyond-log-end')
    expect(tool?.severity).toBe('critical')
    expect(tool?.summary).toContain('committed 25, the high watermark is 10 (lag -15)')
    expect(tool?.summary).toContain('the commit carries no leader epoch')
    expect(tool?.remedy).toContain('What kafka-doctor cannot see')
    // The same offset committed "in epoch 7" of a partition that has only ever had epoch 0.
    const epoch = byGroup('lag-neg-ahead-epoch')
    expect(epoch?.id).toBe('lag.negative.topic-recreated')
    expect(epoch?.summary).toContain('committed in leader epoch 7, but the partition')
    expect(report.groups.find((g) => g.group === 'lag-neg-ahead-tool')?.rows[0]).toMatchObject({
      committed: 25n,
      highWatermark: 10n,
      lag: -15n,
      status: 'NEGATIVE',
    })
    expect(report.exitCode).toBe(2)
  })

  it('a topic deleted and recreated under a group that keeps committing its old position', async () => {
    const topic = 'lag-neg-recreated'
    const group = 'lag-neg-recreated-group'
    // Both incarnations get the same replicas and leader: a consumer whose leader changes validates
    // its position first (KIP-320) and never commits the stale one; with the same leader it fetches,
    // gets OFFSET_OUT_OF_RANGE, and keeps committing its old position.
    const create = async () => {
      const assignment = kafka.brokers.map((b) => b.id).join(':')
      const created = await kafka.runTool('kafka-topics', [
        '--bootstrap-server',
        kafka.bootstrap,
        '--create',
        '--topic',
        topic,
        '--replica-assignment',
        assignment,
      ])
      expect(created.code, created.stderr).toBe(0)
      await kafka.waitForMetadata(
        (m) => m.topics.some((t) => t.name === topic && t.partitions[0]?.leader === kafka.brokers[0]?.id),
        {
          topics: [topic],
        },
      )
    }
    await create()
    await kafka.produce(
      topic,
      Array.from({ length: 100 }, (_, i) => `old${i}`),
    )
    await commitGroupOffsets(kafka.bootstrap, [{ group, topic, partition: 0, offset: 0 }])
    // A manually assigned consumer with auto-commit and no reset policy: after the topic is recreated
    // its position (100) stays, and auto-commit writes it into the new topic — Burrow#256. (The
    // coordinator refuses commits while the topic does not exist.)
    const consumer = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      assign: [`${topic}:0`],
      group,
      commit: 'none',
      props: {
        'enable.auto.commit': 'true',
        'auto.commit.interval.ms': '300',
        'auto.offset.reset': 'none',
      },
      statusIntervalMs: 300,
    })
    patients.push(consumer)
    await consumer.awaitEvent((e) => e.event === 'status' && Number(e.consumed) === 100, {
      timeoutMs: 60_000,
    })
    const deleted = await kafka.runTool('kafka-topics', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--delete',
      '--topic',
      topic,
    ])
    expect(deleted.code).toBe(0)
    await kafka.waitForMetadata((m) => !m.topics.some((t) => t.name === topic && t.errorCode === 0), {
      topics: [topic],
    })
    await create()
    await kafka.produce(
      topic,
      Array.from({ length: 10 }, (_, i) => `new${i}`),
    )
    // Wait until the stale position is committed into the new topic.
    let snapshot: LagSnapshot | undefined
    for (let attempt = 0; attempt < 60; attempt++) {
      snapshot = await collectLag({ bootstrap: kafka.bootstrap, groups: [group] })
      const c = snapshot.groups[0]?.committed[0]
      if (c?.offset === 100n && snapshot.partitions[0]?.highWatermark === 10n) break
      await new Promise((r) => setTimeout(r, 500))
    }
    expect(snapshot?.groups[0]?.committed[0]).toMatchObject({ offset: 100n, leaderEpoch: 0 })
    expect(snapshot?.groups[0]?.state).toBe('Empty')
    const findings = negativeLagFindings(snapshot!)
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({
      id: 'lag.negative.topic-recreated',
      severity: 'critical',
      subject: { group, topic, partition: 0 },
    })
    expect(findings[0]?.summary).toContain(
      "committed in leader epoch 0, the partition's current epoch, yet this epoch's log ends at 10 — it never held offset 100",
    )
    // The consumer itself noticed (KIP-320): its fetch position diverged from the new log.
    expect(
      consumer.events.some((e) => e.event === 'error' && /Truncat|OffsetOutOfRange/.test(String(e.type))),
    ).toBe(true)
  })
})

describe('explainNegative on constructed evidence (the cases a healthy test cluster cannot produce)', () => {
  const ends: PartitionEnds = {
    topic: 't',
    partition: 0,
    topicId: null,
    leader: 1,
    leaderEpoch: 4,
    replicas: [1, 2, 3],
    isr: [1, 2, 3],
    highWatermark: 100n,
    lastStableOffset: 100n,
    logStartOffset: 0n,
    highWatermarkError: null,
    lastStableOffsetError: null,
    logStartOffsetError: null,
    answeredEpoch: 4,
    readAtMs: 0,
  }
  const views = (epochs: Record<number, [leader: number, epoch: number]>) =>
    Object.entries(epochs).map(([broker, [leader, leaderEpoch]]) => ({
      broker: Number(broker),
      leader,
      leaderEpoch,
      isr: [1, 2, 3],
      replicas: [1, 2, 3],
      error: null,
    }))
  const logEnds = (ends: Record<number, bigint | null>) =>
    Object.entries(ends).map(([broker, end]) => ({
      broker: Number(broker),
      logEndOffset: end,
      epoch: null,
      error: end === null ? 'UNREACHABLE' : null,
    }))

  it('names the broker that answers with an older leader epoch than the others report', () => {
    const finding = explainNegative({
      ends,
      reread: ends,
      investigation: {
        topic: 't',
        partition: 0,
        metadataViews: views({ 1: [1, 4], 2: [2, 5], 3: [2, 5] }),
        logEnds: logEnds({ 1: 100n, 2: 150n, 3: 150n }),
        logDirs: [],
        epochEnds: [],
      },
      commits: [{ group: 'g', committed: 140n, leaderEpoch: 5 }],
    })
    expect(finding.id).toBe('lag.negative.stale-leader')
    expect(finding.subject.broker).toBe(1)
    expect(finding.summary).toContain(
      'the high watermark came from broker 1, which answers at leader epoch 4 while the current epoch is 5 with leader 2',
    )
  })

  it('calls a commit below the leader log end but above the HW a held-back HW and names the follower', () => {
    const finding = explainNegative({
      ends,
      reread: ends,
      investigation: {
        topic: 't',
        partition: 0,
        metadataViews: views({ 1: [1, 4], 2: [1, 4], 3: [1, 4] }),
        logEnds: logEnds({ 1: 180n, 2: 180n, 3: 100n }),
        logDirs: [],
        epochEnds: [],
      },
      commits: [{ group: 'g', committed: 150n, leaderEpoch: null }],
    })
    expect(finding.id).toBe('lag.negative.hw-held-back')
    expect(finding.subject.broker).toBe(3)
    expect(finding.summary).toContain(
      'in-sync follower(s) broker 3 (log end 100) have not replicated up to 150',
    )
  })

  it('sees a leader whose log is shorter than a follower’s (unclean election)', () => {
    const finding = explainNegative({
      ends,
      reread: ends,
      investigation: {
        topic: 't',
        partition: 0,
        metadataViews: views({ 1: [1, 4], 2: [1, 4], 3: [1, 4] }),
        logEnds: logEnds({ 1: 100n, 2: 160n, 3: 100n }),
        logDirs: [],
        epochEnds: [],
      },
      commits: [{ group: 'g', committed: 150n, leaderEpoch: 3 }],
    })
    expect(finding.id).toBe('lag.negative.leader-behind-replica')
    expect(finding.summary).toContain('replica(s) broker 2 (log end 160) hold offsets up to the commit')
  })

  it('calls an older epoch that ended below the commit a truncation', () => {
    const finding = explainNegative({
      ends,
      reread: ends,
      investigation: {
        topic: 't',
        partition: 0,
        metadataViews: views({ 1: [1, 4], 2: [1, 4], 3: [1, 4] }),
        logEnds: logEnds({ 1: 100n, 2: 100n, 3: 100n }),
        logDirs: [],
        epochEnds: [{ epoch: 3, endOffset: 90n, leaderEpoch: 3, error: null }],
      },
      commits: [{ group: 'g', committed: 150n, leaderEpoch: 3 }],
    })
    expect(finding.id).toBe('lag.negative.log-truncated')
    expect(finding.summary).toContain("the log of epoch 3 (the commit's) ends at 90")
  })

  it('calls a commit that the HW read again has passed transient', () => {
    const finding = explainNegative({
      ends,
      reread: { ...ends, highWatermark: 200n },
      investigation: undefined,
      commits: [{ group: 'g', committed: 150n, leaderEpoch: 4 }],
    })
    expect(finding).toMatchObject({ id: 'lag.negative.transient', severity: 'info' })
  })
})
