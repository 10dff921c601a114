import { describe, expect, it } from 'vitest'
import { analyseCluster } from '../../../src/analyse/cluster/analyse-cluster.js'
import type { Finding } from '../../../src/analyse/finding.js'
import { exitCodeForFindings } from '../../../src/outcome.js'
import { renderClusterText } from '../../../src/report/cluster-text.js'
import {
  partitionIn,
  recorded,
  resolvePointer,
  viewOf,
  withSecondRound,
} from '../../support/cluster-snapshots.js'

/**
 * Divergence on real per-broker Metadata answers (recorded from a 3-broker cluster) where one
 * broker's answer is altered the way a broker that missed an update answers: an older leader epoch
 * and the previous leader, an ISR it has not caught up with, a topic it has not heard of.
 */

const byId = (findings: readonly Finding[], id: string) => findings.filter((f) => f.id === id)

/** Broker 3 still believes the leadership of orders-0 before the last election. */
function staleLeaderOnBroker3(round = 1) {
  return (snapshot: ReturnType<typeof recorded>) => {
    const p = partitionIn(snapshot, 3, 'orders', 0, round)
    // Real now: leader 1 at epoch 0. Make the truth an election to 2 at epoch 1, except on broker 3.
    for (const broker of [1, 2]) {
      const fresh = partitionIn(snapshot, broker, 'orders', 0, round)
      fresh.leader = 2
      fresh.leaderEpoch = 1
    }
    p.leader = 1
    p.leaderEpoch = 0
  }
}

describe('metadata divergence between brokers', () => {
  it('a broker with an older leader epoch and another leader is the stale one (one round: warning)', () => {
    const snapshot = recorded('healthy')
    staleLeaderOnBroker3()(snapshot)
    const analysis = analyseCluster(snapshot)
    expect(analysis.divergence.partitions).toEqual([
      {
        topic: 'orders',
        partition: 0,
        rule: 'highest-epoch',
        agreed: {
          leader: 2,
          leaderEpoch: 1,
          replicas: [1, 2, 3],
          isr: [1, 2, 3],
          offlineReplicas: [],
          errorCode: 0,
        },
        agreeing: [1, 2],
        dissenters: [
          {
            broker: 3,
            value: {
              leader: 1,
              leaderEpoch: 0,
              replicas: [1, 2, 3],
              isr: [1, 2, 3],
              offlineReplicas: [],
              errorCode: 0,
            },
            differs: ['leader', 'leaderEpoch'],
            reason: 'older-epoch',
            persistent: null,
          },
        ],
        missingOn: [],
      },
    ])
    const [finding] = byId(analysis.findings, 'cluster.metadata-divergence')
    expect(finding).toMatchObject({
      severity: 'warning',
      subject: { topic: 'orders', partition: 0, broker: 3 },
      summary:
        'broker 3 says leader 1 (others: 2), epoch 0 (others: 1) for orders-0: its leader epoch 0 is older than 1',
    })
    // The partition table shows the agreed value, marked divergent.
    expect(analysis.partitions.find((p) => p.topic === 'orders' && p.partition === 0)).toMatchObject({
      leader: 2,
      leaderEpoch: 1,
      reportedBy: [1, 2],
      divergent: true,
      problems: ['metadata-divergence', 'not-preferred-leader'],
    })
  })

  it('evidence points at exactly what each broker said', () => {
    const snapshot = recorded('healthy')
    staleLeaderOnBroker3()(snapshot)
    const [finding] = byId(analyseCluster(snapshot).findings, 'cluster.metadata-divergence')
    expect(finding?.evidence.map((e) => e.source)).toEqual([
      'cluster/views/broker-3-round-1.json',
      'cluster/views/broker-1-round-1.json',
      'cluster/views/broker-2-round-1.json',
    ])
    for (const ref of finding?.evidence ?? []) {
      const broker = Number(/broker-(\d+)/.exec(ref.source)?.[1])
      const said = resolvePointer(viewOf(snapshot, broker), ref.at ?? '') as {
        leader: number
        leaderEpoch: number
      }
      expect(said).toMatchObject({ partition: 0 })
      expect(ref.observed).toMatchObject({ broker, leader: said.leader, leaderEpoch: said.leaderEpoch })
    }
  })

  it('still stale when asked again: critical, the cluster check exits 2, remedies start at the controller', () => {
    const snapshot = withSecondRound(recorded('healthy'))
    staleLeaderOnBroker3(1)(snapshot)
    staleLeaderOnBroker3(2)(snapshot)
    const analysis = analyseCluster(snapshot, { bootstrap: 'kafka:9092' })
    expect(analysis.divergence.rounds).toBe(2)
    const [finding] = byId(analysis.findings, 'cluster.metadata-divergence')
    expect(finding?.severity).toBe('critical')
    expect(finding?.confidence).toBe(0.9)
    expect(finding?.summary).toMatch(/still so when asked again$/)
    expect(finding?.evidence[0]?.source).toBe('cluster/views/broker-3-round-2.json')
    expect(exitCodeForFindings(analysis.findings)).toBe(2)
    const remedy = finding?.remedy ?? ''
    expect(
      remedy.indexOf('kafka-metadata-quorum --bootstrap-server kafka:9092 describe --status'),
    ).toBeGreaterThan(0)
    expect(remedy.indexOf('Restart broker 3')).toBeGreaterThan(remedy.indexOf('kafka-metadata-quorum'))
    expect(remedy).toContain(
      'kafka-leader-election --bootstrap-server kafka:9092 --election-type PREFERRED --topic orders --partition 0',
    )
    expect(remedy).toContain('test environment')
    expect(remedy).toContain('never in production')
  })

  it('the majority can be the stale side: the highest epoch wins, however few report it', () => {
    const snapshot = recorded('healthy')
    const fresh = partitionIn(snapshot, 3, 'events', 1)
    fresh.leader = 1
    fresh.leaderEpoch = 1
    const analysis = analyseCluster(snapshot)
    const [divergent] = analysis.divergence.partitions
    expect(divergent?.agreed).toMatchObject({ leader: 1, leaderEpoch: 1 })
    expect(divergent?.agreeing).toEqual([3])
    expect(divergent?.dissenters.map((d) => [d.broker, d.reason])).toEqual([
      [1, 'older-epoch'],
      [2, 'older-epoch'],
    ])
  })

  it('an ISR that differs at the same leader and epoch: the minority, a warning even when persistent', () => {
    const snapshot = withSecondRound(recorded('healthy'))
    for (const round of [1, 2]) partitionIn(snapshot, 2, 'orders', 4, round).isr = [3, 2]
    const analysis = analyseCluster(snapshot)
    const [divergent] = analysis.divergence.partitions
    expect(divergent).toMatchObject({ topic: 'orders', partition: 4, rule: 'majority', agreeing: [1, 3] })
    expect(divergent?.dissenters.map((d) => [d.broker, d.differs, d.reason, d.persistent])).toEqual([
      [2, ['isr'], 'minority', true],
    ])
    expect(byId(analysis.findings, 'cluster.metadata-divergence').map((f) => f.severity)).toEqual(['warning'])
  })

  it('ISR order alone is no divergence', () => {
    const snapshot = recorded('healthy')
    partitionIn(snapshot, 2, 'orders', 4).isr.reverse()
    expect(analyseCluster(snapshot).divergence.partitions).toEqual([])
  })

  it('two brokers split evenly: a tie, the bootstrap broker’s value shown as reference', () => {
    const snapshot = recorded('healthy')
    snapshot.views = snapshot.views.filter((v) => v.brokerId !== 2)
    partitionIn(snapshot, 3, 'events', 0).isr = [2, 3]
    const [divergent] = analyseCluster(snapshot).divergence.partitions
    expect(snapshot.bootstrapBroker).toBe(1)
    expect(divergent).toMatchObject({ rule: 'tie', agreeing: [1], agreed: { isr: [2, 3, 1] } })
    expect(divergent?.dissenters.map((d) => [d.broker, d.reason])).toEqual([[3, 'tie']])
  })

  it('a broker that does not know a topic the others know: critical when it persists', () => {
    const forget = (snapshot: ReturnType<typeof recorded>, round: number) => {
      const metadata = viewOf(snapshot, 3, round).metadata
      if (metadata) metadata.topics = metadata.topics.filter((t) => t.name !== 'events')
    }
    const once = recorded('healthy')
    forget(once, 1)
    let missing = byId(analyseCluster(once).findings, 'cluster.topic-missing-on-broker')
    expect(missing.map((f) => [f.subject, f.severity])).toEqual([[{ topic: 'events', broker: 3 }, 'warning']])

    const twice = withSecondRound(recorded('healthy'))
    forget(twice, 1)
    forget(twice, 2)
    const analysis = analyseCluster(twice)
    missing = byId(analysis.findings, 'cluster.topic-missing-on-broker')
    expect(missing.map((f) => [f.subject, f.severity])).toEqual([
      [{ topic: 'events', broker: 3 }, 'critical'],
    ])
    expect(analysis.divergence.topics).toEqual([
      { topic: 'events', knownBy: [1, 2], missingOn: [3], persistent: true },
    ])
  })

  it('brokers listing different registered brokers', () => {
    const snapshot = recorded('healthy')
    const metadata = viewOf(snapshot, 3).metadata
    if (metadata) metadata.brokers = metadata.brokers.filter((b) => b.id !== 2)
    const analysis = analyseCluster(snapshot)
    expect(analysis.divergence.brokerList).toEqual({
      agreed: [1, 2, 3],
      agreeing: [1, 2],
      dissenters: [{ broker: 3, value: [1, 3] }],
    })
    expect(byId(analysis.findings, 'cluster.broker-list-divergence').map((f) => f.summary)).toEqual([
      'broker 3 lists brokers 1,3, brokers 1,2 list 1,2,3',
    ])
  })

  it('a disagreement gone when asked again is an election in flight: info only', () => {
    const snapshot = withSecondRound(recorded('healthy'))
    staleLeaderOnBroker3(1)(snapshot)
    staleLeaderOnBroker3(2)(snapshot)
    partitionIn(snapshot, 3, 'orders', 0, 2).leader = 2
    partitionIn(snapshot, 3, 'orders', 0, 2).leaderEpoch = 1
    const analysis = analyseCluster(snapshot)
    expect(analysis.divergence.partitions).toEqual([])
    expect(analysis.divergence.resolved).toEqual([{ topic: 'orders', partition: 0, brokers: [3] }])
    // (orders-0 moved from its preferred leader 1 to 2: that is info too.)
    expect(analysis.findings.map((f) => [f.id, f.severity])).toEqual([
      ['cluster.leader-imbalance', 'info'],
      ['cluster.metadata-divergence-resolved', 'info'],
      ['cluster.preferred-leader-not-leading', 'info'],
    ])
    expect(exitCodeForFindings(analysis.findings)).toBe(0)
  })

  it('ZooKeeper mode: brokers naming different controllers is critical', () => {
    const snapshot = recorded('healthy')
    snapshot.mode = 'zookeeper'
    for (const [broker, controller] of [
      [1, 1],
      [2, 1],
      [3, 3],
    ] as const) {
      const metadata = viewOf(snapshot, broker).metadata
      if (metadata) metadata.controllerId = controller
    }
    const analysis = analyseCluster(snapshot)
    expect(analysis.controller).toMatchObject({ id: 1, source: 'metadata' })
    expect(
      byId(analysis.findings, 'cluster.controller-divergence').map((f) => [f.subject, f.severity]),
    ).toEqual([[{ broker: 3 }, 'critical']])
  })

  it('a broker of another cluster', () => {
    const snapshot = recorded('healthy')
    const metadata = viewOf(snapshot, 2).metadata
    if (metadata) metadata.clusterId = 'other-cluster'
    const [finding] = byId(analyseCluster(snapshot).findings, 'cluster.cluster-id-mismatch')
    expect(finding).toMatchObject({ severity: 'critical', subject: { broker: 2 } })
  })

  it('the human output names the stale broker and what the others say', () => {
    const snapshot = withSecondRound(recorded('healthy'))
    staleLeaderOnBroker3(1)(snapshot)
    staleLeaderOnBroker3(2)(snapshot)
    const text = renderClusterText(analyseCluster(snapshot), snapshot)
    expect(text).toContain('Divergence  1 partition reported differently by broker 3')
    expect(text).toMatch(/orders\s+0\s+2\s+1\s+1,2,3\s+1,2,3\s+metadata-divergence/)
    expect(text).toMatch(
      /orders\s+0\s+3\s+1\s+0\s+1,2,3\s+2 @1 isr 1,2,3 \(brokers 1,2\)\s+older leader epoch: stale\s+yes/,
    )
  })
})
