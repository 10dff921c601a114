import { describe, expect, it } from 'vitest'
import { analyseCluster } from '../../../src/analyse/cluster/analyse-cluster.js'
import type { Finding } from '../../../src/analyse/finding.js'
import { exitCodeForFindings } from '../../../src/outcome.js'
import { renderClusterText } from '../../../src/report/cluster-text.js'
import { everywhere, recorded, viewOf } from '../../support/cluster-snapshots.js'

const ids = (findings: readonly Finding[]) => [...new Set(findings.map((f) => f.id))].sort()
const byId = (findings: readonly Finding[], id: string) => findings.filter((f) => f.id === id)

describe('analyseCluster on recorded real snapshots', () => {
  it('finds nothing wrong with the healthy cluster and lists every partition as all brokers report it', () => {
    const snapshot = recorded('healthy')
    const analysis = analyseCluster(snapshot)
    expect(analysis.findings).toEqual([])
    expect(exitCodeForFindings(analysis.findings)).toBe(0)
    expect(analysis.mode).toBe('kraft')
    expect(analysis.controller).toMatchObject({ id: 0, source: 'describe-quorum' })
    expect(analysis.brokers.map((b) => [b.id, b.registered, b.reachable, b.leaderOf, b.replicaOf])).toEqual([
      [1, true, true, 3, 9],
      [2, true, true, 3, 9],
      [3, true, true, 3, 9],
    ])
    expect(analysis.partitions).toHaveLength(9)
    for (const p of analysis.partitions) {
      expect(p.reportedBy).toEqual([1, 2, 3])
      expect(p.divergent).toBe(false)
      expect(p.isr.sort()).toEqual([...p.replicas].sort())
      expect(p.minInsyncReplicas).toBe(2)
    }
    expect(analysis.partitions.find((p) => p.topic === 'orders' && p.partition === 1)).toMatchObject({
      leader: 2,
      leaderEpoch: 0,
      replicas: [2, 3, 1],
    })
    expect(analysis.divergence).toMatchObject({ rounds: 1, partitions: [], topics: [], resolved: [] })
    expect(analysis.divergence.brokerList).toEqual({ agreed: [1, 2, 3], agreeing: [1, 2, 3], dissenters: [] })
  })

  it('does not compare KRaft brokers’ controller ids: they name a random live broker by design', () => {
    const snapshot = recorded('healthy')
    const reported = snapshot.views.map((v) => v.metadata?.controllerId)
    expect(new Set(reported).size).toBeGreaterThan(1) // really different in the recorded answers
    expect(analyseCluster(snapshot).divergence.controller).toBeNull()
  })

  it('with broker 2 stopped: every partition under-replicated and at min ISR, broker 2 unregistered', () => {
    const analysis = analyseCluster(recorded('broker-2-stopped'))
    expect(byId(analysis.findings, 'cluster.under-replicated')).toHaveLength(9)
    expect(byId(analysis.findings, 'cluster.at-min-isr')).toHaveLength(9)
    expect(byId(analysis.findings, 'cluster.under-min-isr')).toHaveLength(0)
    for (const p of analysis.partitions) {
      expect(p.isr).not.toContain(2)
      expect(p.replicas).toContain(2)
      expect(p.offlineReplicas).toEqual([2])
      expect(p.problems).toEqual(expect.arrayContaining(['at-min-isr', 'under-replicated']))
    }
    // Broker 2 was the preferred leader of three partitions; others lead them now.
    expect(
      byId(analysis.findings, 'cluster.preferred-leader-not-leading').map(
        (f) => `${f.subject.topic}-${f.subject.partition}`,
      ),
    ).toEqual(['events-0', 'orders-1', 'orders-5'])
    const unregistered = byId(analysis.findings, 'cluster.replica-on-unregistered-broker')
    expect(unregistered.map((f) => f.subject)).toEqual([{ broker: 2 }])
    expect(analysis.brokers.find((b) => b.id === 2)).toMatchObject({
      registered: false,
      reachable: false,
      replicaOf: 9,
      leaderOf: 0,
      host: null,
    })
    expect(analysis.summary.worst).toBe('warning')
    expect(exitCodeForFindings(analysis.findings)).toBe(1)
    expect(analysis.divergence.partitions).toEqual([])
  })

  it('two in-sync replicas lost: under min ISR is critical', () => {
    const snapshot = recorded('broker-2-stopped')
    everywhere(snapshot, 'orders', 0, (p) => {
      p.isr = [p.leader]
    })
    const analysis = analyseCluster(snapshot)
    const under = byId(analysis.findings, 'cluster.under-min-isr')
    expect(under.map((f) => f.subject)).toEqual([{ topic: 'orders', partition: 0 }])
    expect(under[0]?.severity).toBe('critical')
    expect(under[0]?.summary).toContain('below min.insync.replicas 2')
    expect(exitCodeForFindings(analysis.findings)).toBe(2)
    // The evidence names the broker that said it and the min.insync.replicas DescribeConfigs returned.
    expect(under[0]?.evidence.map((e) => e.source)).toEqual([
      'cluster/views/broker-1-round-1.json',
      'cluster/configs.json',
    ])
  })

  it('no leader: offline is critical; a leader outside the ISR is critical', () => {
    const snapshot = recorded('healthy')
    everywhere(snapshot, 'events', 2, (p) => {
      p.leader = -1
    })
    everywhere(snapshot, 'orders', 3, (p) => {
      p.isr = [3, 2]
    })
    const analysis = analyseCluster(snapshot)
    expect(byId(analysis.findings, 'cluster.offline').map((f) => [f.subject, f.severity])).toEqual([
      [{ topic: 'events', partition: 2 }, 'critical'],
    ])
    const notInIsr = byId(analysis.findings, 'cluster.leader-not-in-isr')
    expect(notInIsr.map((f) => f.subject)).toEqual([{ topic: 'orders', partition: 3 }])
    expect(notInIsr[0]?.severity).toBe('critical')
  })

  it('a registered broker that does not answer is marked unreachable, critical when it leads', () => {
    const snapshot = recorded('healthy')
    const view = viewOf(snapshot, 3)
    view.outcome = 'timeout'
    view.error = { code: 'KD_TIMEOUT', message: '127.0.0.1:1 did not answer within 5000 ms' }
    delete view.metadata
    const analysis = analyseCluster(snapshot)
    const unreachable = byId(analysis.findings, 'cluster.broker-unreachable')
    expect(unreachable.map((f) => [f.subject, f.severity])).toEqual([[{ broker: 3 }, 'critical']])
    expect(analysis.brokers.find((b) => b.id === 3)).toMatchObject({
      registered: true,
      reachable: false,
      outcome: 'timeout',
    })
    expect(analysis.partitions.every((p) => p.reportedBy.join() === '1,2')).toBe(true)
  })

  it('bootstrap through an alias whose brokers advertise addresses unreachable from here', () => {
    const snapshot = recorded('healthy')
    const answer = viewOf(snapshot, 1).metadata
    if (!answer) throw new Error('no metadata')
    snapshot.bootstrapBroker = null
    snapshot.bootstrapView = {
      address: 'kafka-lb:9092',
      requestedAt: snapshot.startedAt,
      durationMs: 3,
      metadata: answer,
    }
    for (const view of snapshot.views) {
      view.outcome = 'unreachable'
      view.error = { code: 'KD_UNREACHABLE', message: `cannot resolve host of ${view.host}:${view.port}` }
      delete view.metadata
    }
    const analysis = analyseCluster(snapshot)
    // The partitions are still reported, from the bootstrap's answer.
    expect(analysis.partitions).toHaveLength(9)
    expect(analysis.partitions[0]?.reportedBy).toEqual([-1])
    expect(analysis.brokers.map((b) => [b.id, b.registered, b.reachable])).toEqual([
      [1, true, false],
      [2, true, false],
      [3, true, false],
    ])
    const [advertised] = byId(analysis.findings, 'cluster.advertised-listeners-unreachable')
    expect(advertised?.severity).toBe('critical')
    expect(advertised?.summary).toMatch(
      /^bootstrap server kafka-lb:9092 answered, but no broker did at the address it advertises \(1 127\.0\.0\.1:\d+, 2 /,
    )
    expect(advertised?.evidence[0]?.source).toBe('cluster/views/bootstrap.json')
    expect(byId(analysis.findings, 'cluster.broker-unreachable')).toHaveLength(3)
    expect(byId(analysis.findings, 'cluster.under-replicated')).toEqual([])
    expect(renderClusterText(analysis, snapshot)).toContain('Partitions  9 in 2 topics: all healthy')
  })

  it('min.insync.replicas unknown: says so and skips the min-ISR checks', () => {
    const snapshot = recorded('broker-2-stopped')
    snapshot.configs = {
      outcome: 'timeout',
      error: { code: 'KD_TIMEOUT', message: 'x' },
      topics: [],
      broker: null,
    }
    const analysis = analyseCluster(snapshot)
    expect(ids(analysis.findings)).toEqual([
      'cluster.min-isr-unknown',
      'cluster.preferred-leader-not-leading',
      'cluster.replica-on-unregistered-broker',
      'cluster.under-replicated',
    ])
    expect(byId(analysis.findings, 'cluster.min-isr-unknown')[0]).toMatchObject({
      verdict: 'insufficient-data',
      severity: 'info',
    })
  })

  it('preferred leader not leading: info per partition; leader imbalance only a warning when Kafka will not heal it', () => {
    const snapshot = recorded('healthy')
    // orders-0, orders-3 and events-2 prefer broker 1; move two of its three leaderships to broker 3.
    for (const [topic, partition] of [
      ['orders', 0],
      ['orders', 3],
    ] as const) {
      everywhere(snapshot, topic, partition, (p) => {
        p.leader = 3
        p.leaderEpoch = 1
      })
    }
    let analysis = analyseCluster(snapshot)
    expect(byId(analysis.findings, 'cluster.preferred-leader-not-leading')).toHaveLength(2)
    const imbalance = byId(analysis.findings, 'cluster.leader-imbalance')
    expect(imbalance.map((f) => [f.subject, f.severity])).toEqual([[{ broker: 1 }, 'info']])
    expect(imbalance[0]?.summary).toContain('auto.leader.rebalance.enable is on')
    expect(exitCodeForFindings(analysis.findings)).toBe(0)

    if (snapshot.configs.broker) snapshot.configs.broker.autoLeaderRebalance = false
    analysis = analyseCluster(snapshot)
    expect(byId(analysis.findings, 'cluster.leader-imbalance')[0]?.severity).toBe('warning')
  })
})

describe('quorum findings', () => {
  it('a broker behind on the metadata log for longer than 10 s', () => {
    const snapshot = recorded('healthy')
    const leaderNow = snapshot.quorum.voters?.[0]?.lastCaughtUpTimestamp ?? 0
    const observer = snapshot.quorum.observers?.find((o) => o.replicaId === 2)
    if (!observer) throw new Error('no observer 2')
    observer.lag = 120n
    observer.lastCaughtUpTimestamp = leaderNow - 45_000
    const findings = analyseCluster(snapshot).findings
    const lag = byId(findings, 'cluster.metadata-log-lag')
    expect(lag.map((f) => [f.subject, f.severity])).toEqual([[{ broker: 2 }, 'warning']])
    expect(lag[0]?.summary).toBe(
      'broker 2 is 120 records behind the metadata log leader and was last caught up 45 s ago',
    )
  })

  it('the recorded quorum (one observer one record behind for a moment) is not lag', () => {
    const snapshot = recorded('healthy')
    expect(snapshot.quorum.observers?.some((o) => o.lag > 0n)).toBe(true)
    expect(byId(analyseCluster(snapshot).findings, 'cluster.metadata-log-lag')).toEqual([])
  })

  it('no quorum leader is critical; an unanswered DescribeQuorum is insufficient data', () => {
    const snapshot = recorded('healthy')
    snapshot.quorum.leaderId = -1
    expect(ids(analyseCluster(snapshot).findings)).toEqual(['cluster.no-quorum-leader'])
    snapshot.quorum = { outcome: 'unsupported', error: { code: 'KD_PROTOCOL', message: 'no DescribeQuorum' } }
    const analysis = analyseCluster(snapshot)
    expect(analysis.findings.map((f) => [f.id, f.verdict, f.severity])).toEqual([
      ['cluster.quorum-unavailable', 'insufficient-data', 'info'],
    ])
    expect(analysis.controller).toMatchObject({ id: null, source: 'unknown' })
  })
})
