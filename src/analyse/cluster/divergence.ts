import type { ClusterSnapshot } from '../../collect/cluster/snapshot.js'
import type { EvidenceRef, Finding } from '../finding.js'
import { majorityOf, type PartitionConsensus, partitionConsensus } from './consensus.js'
import { type RemedyContext, remedies } from './remedies.js'
import type { ClusterDivergence, PartitionDissent, PartitionDivergence } from './types.js'
import {
  type AnsweredView,
  answered,
  comparedViews,
  lastRound,
  partitionEvidence,
  viewSource,
  viewsOfRound,
} from './views.js'

/**
 * Metadata divergence: every broker's own answer compared with the others' (rule R2 of the research
 * notes). Severity:
 * - a broker naming another leader or an older leader epoch, still so after the recheck → critical:
 *   clients that ask it are sent to a broker that refuses them (NOT_LEADER_OR_FOLLOWER) and spin —
 *   the reference incident;
 * - the same, seen in one round only (new since the previous round, or no recheck made) → warning:
 *   a leader election propagating looks the same for a few hundred ms;
 * - ISR, replicas or offline replicas differ at the same leader and epoch → warning: clients still
 *   reach the right leader, but tools asking that broker see a wrong ISR, and it shows the broker is
 *   not applying metadata;
 * - a broker that does not know a topic others know → critical when persistent, else warning;
 * - brokers disagreeing about the registered brokers → warning; about the controller (ZooKeeper mode)
 *   or the cluster id → critical;
 * - a disagreement that cleared by the recheck → info (an election was in flight).
 */

export interface DivergenceResult {
  divergence: ClusterDivergence
  /** The agreed partitions of the latest round, input to the partition rules. */
  consensus: PartitionConsensus[]
  findings: Finding[]
}

export function analyseDivergence(snapshot: ClusterSnapshot, context: RemedyContext): DivergenceResult {
  const rounds = lastRound(snapshot)
  const latest = comparedViews(snapshot)
  const previous = rounds > 1 ? viewsOfRound(snapshot, rounds - 1).filter(answered) : []
  const prefer = { preferBroker: snapshot.bootstrapBroker }
  const now = partitionConsensus(latest, prefer)
  const before = rounds > 1 ? partitionConsensus(previous, prefer) : undefined
  const viewOf = new Map(latest.map((v) => [v.brokerId, v]))
  const findings: Finding[] = []

  const dissentedBefore = new Set(
    (before?.partitions ?? []).flatMap((p) =>
      p.dissenters.map((d) => `${p.topic}/${p.partition}/${d.broker}`),
    ),
  )
  const partitions: PartitionDivergence[] = []
  for (const p of now.partitions) {
    if (p.dissenters.length === 0 && p.missingOn.length === 0) continue
    const dissenters: PartitionDissent[] = p.dissenters.map((d) => ({
      ...d,
      persistent: before ? dissentedBefore.has(`${p.topic}/${p.partition}/${d.broker}`) : null,
    }))
    partitions.push({ ...p, dissenters })
    for (const d of dissenters) findings.push(partitionDissentFinding(p, d, viewOf, context))
    for (const broker of p.missingOn) {
      const view = viewOf.get(broker)
      findings.push({
        id: 'cluster.topic-missing-on-broker',
        verdict: 'issue',
        severity: 'warning',
        confidence: 0.7,
        subject: { topic: p.topic, partition: p.partition, broker },
        summary: `broker ${broker} knows topic ${p.topic} but not its partition ${p.partition}, which brokers ${p.agreeing.join(',')} report`,
        evidence: [
          ...(view ? [partitionEvidence(view, p.topic, p.partition)] : []),
          ...agreeingEvidence(p, viewOf),
        ],
        remedy: remedies.topicMissing({ ...context, topic: p.topic, broker }),
      })
    }
  }

  const missingBefore = new Set(
    (before?.topics ?? []).flatMap((t) => t.missingOn.map((b) => `${t.topic}/${b}`)),
  )
  const topics = now.topics
    .filter((t) => t.missingOn.length > 0)
    .map((t) => ({
      ...t,
      persistent: before ? t.missingOn.every((b) => missingBefore.has(`${t.topic}/${b}`)) : null,
    }))
  for (const t of topics) {
    for (const broker of t.missingOn) {
      const persistent = before ? missingBefore.has(`${t.topic}/${broker}`) : null
      const view = viewOf.get(broker)
      findings.push({
        id: 'cluster.topic-missing-on-broker',
        verdict: 'issue',
        severity: persistent ? 'critical' : 'warning',
        confidence: persistent ? 0.9 : 0.6,
        subject: { topic: t.topic, broker },
        summary: `broker ${broker} does not know topic ${t.topic}, which brokers ${t.knownBy.join(',')} know${persistent ? ' (still so after asking again)' : ''}`,
        evidence: [
          ...(view ? [partitionEvidence(view, t.topic, 0)] : []),
          ...t.knownBy.slice(0, 3).flatMap((b) => {
            const other = viewOf.get(b)
            return other ? [partitionEvidence(other, t.topic, 0)] : []
          }),
        ],
        remedy: remedies.topicMissing({ ...context, topic: t.topic, broker }),
      })
    }
  }

  const brokerList = majorityOf(
    latest,
    (v) => v.metadata.brokers.map((b) => b.id),
    (ids) => ids.join(','),
  )
  for (const d of brokerList?.dissenters ?? []) {
    const view = viewOf.get(d.broker)
    findings.push({
      id: 'cluster.broker-list-divergence',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.7,
      subject: { broker: d.broker },
      summary: `broker ${d.broker} lists brokers ${d.value.join(',') || 'none'}, brokers ${brokerList?.agreeing.join(',')} list ${brokerList?.value.join(',')}`,
      evidence: [
        ...(view ? [brokersEvidence(view)] : []),
        ...(brokerList?.agreeing ?? []).slice(0, 2).flatMap((b) => {
          const other = viewOf.get(b)
          return other ? [brokersEvidence(other)] : []
        }),
      ],
      remedy: remedies.brokerList({ ...context, broker: d.broker }),
    })
  }

  // KRaft brokers answer a random live broker as "controller" (the controllers are not reachable by
  // clients), so only ZooKeeper-mode answers can be compared.
  const controller =
    snapshot.mode === 'zookeeper' ? (majorityOf(latest, (v) => v.metadata.controllerId) ?? null) : null
  if (controller) {
    if (controller.value < 0) {
      findings.push({
        id: 'cluster.no-controller',
        verdict: 'issue',
        severity: 'critical',
        confidence: 0.9,
        subject: {},
        summary: `brokers ${controller.agreeing.join(',')} know no active controller`,
        evidence: controller.agreeing.flatMap((b) => {
          const view = viewOf.get(b)
          return view ? [controllerEvidence(view)] : []
        }),
        remedy: remedies.controller(context),
      })
    }
    for (const d of controller.dissenters) {
      const view = viewOf.get(d.broker)
      findings.push({
        id: 'cluster.controller-divergence',
        verdict: 'issue',
        severity: 'critical',
        confidence: 0.8,
        subject: { broker: d.broker },
        summary: `broker ${d.broker} names broker ${d.value} as controller, brokers ${controller.agreeing.join(',')} name ${controller.value}`,
        evidence: view ? [controllerEvidence(view)] : [],
        remedy: remedies.controller({ ...context, broker: d.broker }),
      })
    }
  }

  const clusterId = majorityOf(latest, (v) => v.metadata.clusterId)
  for (const d of clusterId?.dissenters ?? []) {
    const view = viewOf.get(d.broker)
    findings.push({
      id: 'cluster.cluster-id-mismatch',
      verdict: 'issue',
      severity: 'critical',
      confidence: 0.95,
      subject: { broker: d.broker },
      summary: `broker ${d.broker} belongs to cluster ${d.value}, brokers ${clusterId?.agreeing.join(',')} to ${clusterId?.value}`,
      evidence: view ? [{ source: viewSource(view), at: '/metadata/clusterId', observed: d.value }] : [],
      remedy: remedies.clusterId(),
    })
  }

  const dissentingNow = new Set(partitions.map((p) => `${p.topic}/${p.partition}`))
  const resolved = (before?.partitions ?? [])
    .filter((p) => p.dissenters.length > 0 && !dissentingNow.has(`${p.topic}/${p.partition}`))
    .map((p) => ({ topic: p.topic, partition: p.partition, brokers: p.dissenters.map((d) => d.broker) }))
  if (resolved.length > 0) {
    findings.push({
      id: 'cluster.metadata-divergence-resolved',
      verdict: 'ok',
      severity: 'info',
      confidence: 0.6,
      subject: {},
      summary: `brokers disagreed about ${resolved.length} partition${resolved.length === 1 ? '' : 's'} (e.g. ${resolved[0]?.topic}-${resolved[0]?.partition}) and agreed when asked again: a leadership change in flight`,
      evidence: resolved.slice(0, 5).map((r) => ({
        source: viewSource({ brokerId: r.brokers[0] ?? -1, round: rounds - 1 }),
        observed: r,
      })),
    })
  }

  return {
    divergence: {
      rounds,
      partitions,
      topics,
      brokerList: brokerList
        ? {
            agreed: brokerList.value,
            agreeing: brokerList.agreeing,
            dissenters: brokerList.dissenters,
          }
        : null,
      controller: controller
        ? { agreed: controller.value, agreeing: controller.agreeing, dissenters: controller.dissenters }
        : null,
      clusterId: clusterId ? { agreed: clusterId.value, dissenters: clusterId.dissenters } : null,
      resolved,
    },
    consensus: now.partitions,
    findings,
  }
}

function partitionDissentFinding(
  p: PartitionConsensus,
  d: PartitionDissent,
  viewOf: ReadonlyMap<number, AnsweredView>,
  context: RemedyContext,
): Finding {
  const leadership = d.differs.includes('leader') || d.differs.includes('leaderEpoch')
  const severity = leadership && d.persistent === true ? 'critical' : 'warning'
  const confidence = d.persistent === true ? 0.9 : d.reason === 'tie' ? 0.4 : 0.6
  const a = p.agreed
  const v = d.value
  const why =
    d.reason === 'older-epoch'
      ? `its leader epoch ${v.leaderEpoch} is older than ${a.leaderEpoch}`
      : d.reason === 'tie'
        ? 'brokers are split evenly, so which view is stale cannot be told'
        : `brokers ${p.agreeing.join(',')} report otherwise at the same epoch`
  const said = d.differs
    .map((field) =>
      field === 'leader'
        ? `leader ${v.leader} (others: ${a.leader})`
        : field === 'leaderEpoch'
          ? `epoch ${v.leaderEpoch} (others: ${a.leaderEpoch})`
          : field === 'isr'
            ? `ISR ${v.isr.join(',') || '-'} (others: ${a.isr.join(',') || '-'})`
            : field === 'replicas'
              ? `replicas ${v.replicas.join(',')} (others: ${a.replicas.join(',')})`
              : `offline replicas ${v.offlineReplicas.join(',') || '-'} (others: ${a.offlineReplicas.join(',') || '-'})`,
    )
    .join(', ')
  const own = viewOf.get(d.broker)
  return {
    id: 'cluster.metadata-divergence',
    verdict: 'issue',
    severity,
    confidence,
    subject: { topic: p.topic, partition: p.partition, broker: d.broker },
    summary: `broker ${d.broker} says ${said} for ${p.topic}-${p.partition}: ${why}${d.persistent ? '; still so when asked again' : ''}`,
    evidence: [
      ...(own ? [partitionEvidence(own, p.topic, p.partition)] : []),
      ...agreeingEvidence(p, viewOf),
    ],
    remedy: remedies.divergence({ ...context, topic: p.topic, partition: p.partition, broker: d.broker }),
  }
}

function agreeingEvidence(p: PartitionConsensus, viewOf: ReadonlyMap<number, AnsweredView>): EvidenceRef[] {
  return p.agreeing.slice(0, 3).flatMap((b) => {
    const view = viewOf.get(b)
    return view ? [partitionEvidence(view, p.topic, p.partition)] : []
  })
}

function brokersEvidence(view: AnsweredView): EvidenceRef {
  return {
    source: viewSource(view),
    at: '/metadata/brokers',
    observed: { broker: view.brokerId, brokers: view.metadata.brokers.map((b) => b.id) },
  }
}

function controllerEvidence(view: AnsweredView): EvidenceRef {
  return {
    source: viewSource(view),
    at: '/metadata/controllerId',
    observed: { broker: view.brokerId, controllerId: view.metadata.controllerId },
  }
}
