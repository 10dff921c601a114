import { addressKey } from '../../collect/cluster/broker-pool.js'
import type { ClusterSnapshot } from '../../collect/cluster/snapshot.js'
import { clusterFiles } from '../../collect/cluster/snapshot-files.js'
import type { EvidenceRef, Finding } from '../finding.js'
import type { PartitionConsensus } from './consensus.js'
import { type RemedyContext, remedies } from './remedies.js'
import type { BrokerStatus } from './types.js'
import {
  type AnsweredView,
  answered,
  comparedViews,
  latestViews,
  partitionEvidence,
  viewSource,
} from './views.js'

/**
 * The broker table and the findings about brokers:
 * - broker-unreachable: registered, but did not answer kafka-doctor → critical when it leads
 *   partitions (clients cannot reach those leaders either, most likely), else warning;
 * - replica-on-unregistered-broker: replicas assigned to a broker the cluster does not list (stopped,
 *   fenced or gone) → warning; the partitions' own findings carry the impact;
 * - advertised-listeners-unreachable: a bootstrap address answered but no broker at its advertised
 *   address did → critical: every client on this network fails after bootstrapping;
 * - bootstrap-unreachable: a `--bootstrap-server` address that answered nothing and is no registered
 *   broker → warning;
 * - leader-imbalance: a broker that is preferred leader of partitions it could lead (it is in their
 *   ISR) but does not, for more than `leader.imbalance.per.broker.percentage` of them (Kafka's own
 *   trigger, 10% by default) → warning when `auto.leader.rebalance.enable` is off (it will not heal by
 *   itself), info when it is on or unknown (Kafka moves leaders back within
 *   `leader.imbalance.check.interval.seconds`, e.g. after a broker restart).
 */

export interface BrokerRuleOptions {
  leaderImbalanceRatio: number
}

export function analyseBrokers(
  snapshot: ClusterSnapshot,
  consensus: readonly PartitionConsensus[],
  registeredIds: readonly number[],
  context: RemedyContext,
  options: BrokerRuleOptions,
): { brokers: BrokerStatus[]; findings: Finding[] } {
  const latest = latestViews(snapshot)
  const latestById = new Map(latest.map((v) => [v.brokerId, v]))
  const answeredViews = comparedViews(snapshot)
  const viewById = new Map(answeredViews.map((v) => [v.brokerId, v]))
  const registered = new Set(registeredIds)
  const fenced = new Map(
    (snapshot.describeCluster.apiVersion ?? 0) >= 2
      ? (snapshot.describeCluster.brokers ?? []).map((b) => [b.id, b.fenced] as const)
      : [],
  )
  const address = new Map<number, { host: string; port: number; rack: string | null }>()
  for (const view of [...snapshot.views].reverse()) {
    for (const b of view.metadata?.brokers ?? []) if (!address.has(b.id)) address.set(b.id, b)
  }
  for (const b of snapshot.describeCluster.brokers ?? []) if (!address.has(b.id)) address.set(b.id, b)
  for (const v of latest)
    if (!address.has(v.brokerId)) address.set(v.brokerId, { host: v.host, port: v.port, rack: null })

  const ids = new Set<number>([...address.keys(), ...registered])
  for (const p of consensus) for (const r of p.agreed.replicas) ids.add(r)
  const brokers: BrokerStatus[] = [...ids]
    .filter((id) => id >= 0)
    .sort((a, b) => a - b)
    .map((id) => {
      const at = address.get(id)
      const view = latestById.get(id)
      return {
        id,
        host: at?.host ?? null,
        port: at?.port ?? null,
        rack: at?.rack ?? null,
        registered: registered.has(id),
        fenced: fenced.get(id) ?? null,
        reachable: view !== undefined && answered(view),
        outcome: view?.outcome ?? 'not-asked',
        ...(view?.error ? { error: view.error.message } : {}),
        leaderOf: consensus.filter((p) => p.agreed.leader === id).length,
        replicaOf: consensus.filter((p) => p.agreed.replicas.includes(id)).length,
      }
    })

  const findings: Finding[] = []
  for (const broker of brokers) {
    const view = latestById.get(broker.id)
    if (broker.registered && !broker.reachable) {
      findings.push({
        id: 'cluster.broker-unreachable',
        verdict: 'issue',
        severity: broker.leaderOf > 0 ? 'critical' : 'warning',
        confidence: 0.8,
        subject: { broker: broker.id },
        summary: `broker ${broker.id} (${broker.host}:${broker.port}) is registered but did not answer: ${broker.error ?? broker.outcome}${broker.leaderOf > 0 ? `; the cluster names it leader of ${broker.leaderOf} partitions` : ''}`,
        evidence: view
          ? [{ source: viewSource(view), observed: { outcome: view.outcome, error: view.error?.message } }]
          : [],
        remedy: remedies.brokerUnreachable({ ...context, broker: broker.id }),
      })
    }
    if (!broker.registered && broker.replicaOf > 0) {
      const held = consensus.filter((p) => p.agreed.replicas.includes(broker.id))
      findings.push({
        id: 'cluster.replica-on-unregistered-broker',
        verdict: 'issue',
        severity: 'warning',
        confidence: 0.9,
        subject: { broker: broker.id },
        summary: `broker ${broker.id} holds replicas of ${held.length} partition${held.length === 1 ? '' : 's'} but is not registered${broker.fenced ? ' (fenced)' : ''} (registered: ${[...registered].join(',') || 'none'})`,
        evidence: [
          ...answeredViews.slice(0, 3).map((view) => ({
            source: viewSource(view),
            at: '/metadata/brokers',
            observed: { broker: view.brokerId, registered: view.metadata.brokers.map((b) => b.id) },
          })),
          ...held.slice(0, 3).flatMap((p) => agreedEvidence(p, viewById)),
        ],
        remedy: remedies.unregisteredReplica({ ...context, broker: broker.id }),
      })
    }
  }

  const fallback = snapshot.bootstrapView
  if (fallback && !latest.some(answered) && registered.size > 0) {
    findings.push({
      id: 'cluster.advertised-listeners-unreachable',
      verdict: 'issue',
      severity: 'critical',
      confidence: 0.85,
      subject: {},
      summary: `bootstrap server ${fallback.address} answered, but no broker did at the address it advertises (${brokers
        .filter((b) => b.registered)
        .map((b) => `${b.id} ${b.host}:${b.port}`)
        .join(
          ', ',
        )}): clients bootstrapping here will fail the same way; the cluster state shown is the bootstrap's view alone`,
      evidence: [
        {
          source: clusterFiles.view({ brokerId: -1, round: 1 }),
          at: '/metadata/brokers',
          observed: fallback.metadata.brokers,
        },
        ...latest.slice(0, 3).map((view) => ({
          source: viewSource(view),
          observed: { outcome: view.outcome, error: view.error?.message },
        })),
      ],
      remedy: remedies.advertisedListeners(context),
    })
  }

  const reachableAddresses = new Set(
    brokers
      .filter((b) => b.reachable && b.host !== null)
      .map((b) => addressKey({ host: b.host ?? '', port: b.port ?? 0 })),
  )
  snapshot.bootstrap.forEach((attempt, index) => {
    if (attempt.outcome === 'ok') return
    const broker = attempt.brokerId === null ? undefined : brokers.find((b) => b.id === attempt.brokerId)
    if (broker?.registered || reachableAddresses.has(attempt.address)) return
    findings.push({
      id: 'cluster.bootstrap-unreachable',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.9,
      subject: {},
      summary: `bootstrap server ${attempt.address} did not answer: ${attempt.error?.message ?? attempt.outcome}`,
      evidence: [{ source: clusterFiles.snapshot, at: `/bootstrap/${index}`, observed: attempt }],
      remedy: remedies.bootstrapUnreachable(),
    })
  })

  return { brokers, findings: [...findings, ...imbalance(snapshot, brokers, consensus, context, options)] }
}

function imbalance(
  snapshot: ClusterSnapshot,
  brokers: readonly BrokerStatus[],
  consensus: readonly PartitionConsensus[],
  context: RemedyContext,
  options: BrokerRuleOptions,
): Finding[] {
  const settings = snapshot.configs.broker
  const percent = settings?.imbalancePerBrokerPercentage ?? Math.round(100 * options.leaderImbalanceRatio)
  const interval = settings?.imbalanceCheckIntervalSeconds ?? 300
  const auto = settings?.autoLeaderRebalance ?? null
  const viewById = new Map(
    latestViews(snapshot)
      .filter(answered)
      .map((v) => [v.brokerId, v]),
  )
  const findings: Finding[] = []
  for (const broker of brokers) {
    if (!broker.registered || !broker.reachable) continue
    const preferred = consensus.filter((p) => p.agreed.replicas[0] === broker.id)
    const notLeading = preferred.filter(
      (p) => p.agreed.leader !== broker.id && p.agreed.isr.includes(broker.id),
    )
    if (preferred.length === 0 || (100 * notLeading.length) / preferred.length <= percent) continue
    const heals =
      auto === true
        ? `auto.leader.rebalance.enable is on: Kafka moves leadership back within ${interval} s`
        : auto === false
          ? 'auto.leader.rebalance.enable is off: it stays so until a preferred election'
          : 'whether Kafka rebalances by itself is unknown (broker configs not readable)'
    findings.push({
      id: 'cluster.leader-imbalance',
      verdict: 'issue',
      severity: auto === false ? 'warning' : 'info',
      confidence: 0.8,
      subject: { broker: broker.id },
      summary: `broker ${broker.id} is the preferred leader of ${preferred.length} partitions and in their ISR, but leads only ${preferred.length - notLeading.length} (${Math.round((100 * notLeading.length) / preferred.length)}% imbalance, above ${percent}%); ${heals}`,
      evidence: [
        ...notLeading.slice(0, 3).flatMap((p) => agreedEvidence(p, viewById)),
        ...(settings ? [{ source: clusterFiles.configs, at: '/broker', observed: settings }] : []),
      ],
      remedy: remedies.preferredLeader(context),
    })
  }
  return findings
}

/** What the first broker that reports the agreed value says about the partition. */
function agreedEvidence(p: PartitionConsensus, viewById: ReadonlyMap<number, AnsweredView>): EvidenceRef[] {
  const view = p.agreeing.map((b) => viewById.get(b)).find((v): v is AnsweredView => v !== undefined)
  return view ? [partitionEvidence(view, p.topic, p.partition)] : []
}
