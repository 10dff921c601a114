import type { ClusterSnapshot } from '../../collect/cluster/snapshot.js'
import { clusterFiles } from '../../collect/cluster/snapshot-files.js'
import type { Severity } from '../../outcome.js'
import type { EvidenceRef, Finding } from '../finding.js'
import type { PartitionConsensus } from './consensus.js'
import { type RemedyContext, remedies } from './remedies.js'
import type { TopicSummary } from './types.js'
import { type AnsweredView, comparedViews, partitionEvidence } from './views.js'

/**
 * Health of each partition, judged on the value the brokers agree on (consensus.ts) with the topic's
 * min.insync.replicas. The same definitions as `kafka-topics --describe`'s filters:
 *
 * | finding | condition | severity | why |
 * |---|---|---|---|
 * | offline | no leader (-1) | critical | nobody can produce or consume |
 * | under-min-isr | ISR < min.insync.replicas | critical | `acks=all` producers fail (NOT_ENOUGH_REPLICAS) |
 * | leader-not-in-isr | leader outside the ISR | critical | leadership and ISR contradict: stale or broken state |
 * | at-min-isr | ISR = min.insync.replicas < replicas | warning | one more failure stops `acks=all` writes |
 * | under-replicated | ISR < replicas | warning | redundancy is reduced |
 * | preferred-leader-not-leading | leader ≠ first replica | info | uneven load, not an outage |
 *
 * at-min-isr differs from `kafka-topics --at-min-isr-partitions` in one case on purpose: a fully
 * replicated partition whose replication factor equals min.insync.replicas is reported once per
 * topic (min-isr-equals-replication-factor, info) instead of as a warning on every partition.
 */

export function analysePartitions(
  snapshot: ClusterSnapshot,
  consensus: readonly PartitionConsensus[],
  context: RemedyContext,
): { findings: Finding[]; topics: TopicSummary[]; minIsr: (topic: string) => number | null } {
  const views = new Map(comparedViews(snapshot).map((v) => [v.brokerId, v]))
  const configs = snapshot.configs.topics
  const minIsr = (topic: string) =>
    configs.find((c) => c.topic === topic && c.errorCode === 0)?.minInsyncReplicas ?? null
  const findings: Finding[] = []
  const evidenceOf = (p: PartitionConsensus): EvidenceRef[] => {
    const view = p.agreeing.map((b) => views.get(b)).find((v): v is AnsweredView => v !== undefined)
    return view ? [partitionEvidence(view, p.topic, p.partition)] : []
  }
  const minIsrEvidence = (topic: string): EvidenceRef[] => {
    const index = configs.findIndex((c) => c.topic === topic)
    return index < 0
      ? []
      : [
          {
            source: clusterFiles.configs,
            at: `/topics/${index}`,
            observed: { topic, minInsyncReplicas: configs[index]?.minInsyncReplicas ?? null },
          },
        ]
  }
  const add = (
    p: PartitionConsensus,
    id: string,
    severity: Severity,
    summary: string,
    remedy: string,
    withMinIsr = false,
  ) =>
    findings.push({
      id,
      verdict: 'issue',
      severity,
      confidence: p.dissenters.length === 0 ? 0.95 : 0.7,
      subject: { topic: p.topic, partition: p.partition },
      summary,
      evidence: [...evidenceOf(p), ...(withMinIsr ? minIsrEvidence(p.topic) : [])],
      remedy,
    })

  for (const p of consensus) {
    const { leader, replicas, isr } = p.agreed
    const name = `${p.topic}-${p.partition}`
    const ctx = { ...context, topic: p.topic, partition: p.partition }
    const min = minIsr(p.topic)
    const missing = replicas.filter((r) => !isr.includes(r))
    if (leader < 0) {
      add(
        p,
        'cluster.offline',
        'critical',
        `${name} has no leader (replicas ${replicas.join(',')}, ISR ${isr.join(',') || 'empty'})`,
        remedies.offline(ctx),
      )
    }
    if (min !== null && isr.length < min) {
      add(
        p,
        'cluster.under-min-isr',
        'critical',
        `${name} has ${isr.length} in-sync replica${isr.length === 1 ? '' : 's'} (${isr.join(',') || 'none'}), below min.insync.replicas ${min}`,
        remedies.underMinIsr(ctx),
        true,
      )
    } else if (min !== null && isr.length === min && isr.length < replicas.length) {
      add(
        p,
        'cluster.at-min-isr',
        'warning',
        `${name} is at min.insync.replicas ${min}: ISR ${isr.join(',')}, out of sync ${missing.join(',')}`,
        remedies.atMinIsr(ctx),
        true,
      )
    }
    if (isr.length < replicas.length) {
      add(
        p,
        'cluster.under-replicated',
        'warning',
        `${name}: replica${missing.length === 1 ? '' : 's'} ${missing.join(',')} not in ISR ${isr.join(',') || '(empty)'} (replicas ${replicas.join(',')})`,
        remedies.underReplicated(ctx),
      )
    }
    if (leader >= 0 && !isr.includes(leader)) {
      add(
        p,
        'cluster.leader-not-in-isr',
        'critical',
        `${name}: leader ${leader} is not in the ISR ${isr.join(',') || '(empty)'}`,
        remedies.leaderNotInIsr(ctx),
      )
    }
    if (leader >= 0 && replicas.length > 0 && replicas[0] !== leader) {
      add(
        p,
        'cluster.preferred-leader-not-leading',
        'info',
        `${name} is led by ${leader}, not by its preferred leader ${replicas[0]}`,
        remedies.preferredLeader(ctx),
      )
    }
  }

  const topics = topicSummaries(snapshot, consensus, minIsr)
  for (const t of topics) {
    if (t.minInsyncReplicas !== null && t.minInsyncReplicas === t.replicationFactor) {
      findings.push({
        id: 'cluster.min-isr-equals-replication-factor',
        verdict: 'issue',
        severity: 'info',
        confidence: 0.9,
        subject: { topic: t.name },
        summary: `topic ${t.name}: min.insync.replicas ${t.minInsyncReplicas} equals its replication factor, so losing any replica stops acks=all producers`,
        evidence: minIsrEvidence(t.name),
        remedy: remedies.minIsrEqualsReplicas({ ...context, topic: t.name }),
      })
    }
  }
  const unknown = topics.filter((t) => t.minInsyncReplicas === null)
  if (unknown.length > 0) {
    const reason =
      snapshot.configs.outcome !== 'ok'
        ? `DescribeConfigs failed (${snapshot.configs.error?.message ?? snapshot.configs.outcome})`
        : 'the broker did not return it'
    findings.push({
      id: 'cluster.min-isr-unknown',
      verdict: 'insufficient-data',
      severity: 'info',
      confidence: 1,
      subject: {},
      summary: `min.insync.replicas unknown for ${unknown.length} topic${unknown.length === 1 ? '' : 's'} (${reason}): at-min-ISR and under-min-ISR not checked for them`,
      evidence: [{ source: clusterFiles.configs, observed: unknown.slice(0, 10).map((t) => t.name) }],
    })
  }
  return { findings, topics, minIsr }
}

function topicSummaries(
  snapshot: ClusterSnapshot,
  consensus: readonly PartitionConsensus[],
  minIsr: (topic: string) => number | null,
): TopicSummary[] {
  const internal = new Set(
    snapshot.views.flatMap((v) => v.metadata?.topics.filter((t) => t.internal).map((t) => t.name) ?? []),
  )
  const byTopic = new Map<string, PartitionConsensus[]>()
  for (const p of consensus) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p])
  return [...byTopic.entries()].map(([name, partitions]) => ({
    name,
    internal: internal.has(name),
    partitions: partitions.length,
    replicationFactor: Math.max(0, ...partitions.map((p) => p.agreed.replicas.length)),
    minInsyncReplicas: minIsr(name),
  }))
}
