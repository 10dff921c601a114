import type { PartitionDivergence } from '../cluster/types.js'
import type { ClusterLookEvidence } from './evidence.js'
import { unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { bootstrapOf, insufficient, ok, ruleFinding } from './rule-support.js'
import type { DivergenceFacts, Rule, RuleFinding } from './rule-types.js'

/**
 * Metadata divergence between brokers (FM2/FM3) → the controller path. The cluster analysis compares
 * every broker's own Metadata answer (cluster.metadata-divergence and its kin); this rule wraps its
 * findings across the run's looks: a broker that names another leader or an older epoch at the start
 * and still at the end (or when asked again within one look) holds stale leadership — critical, since
 * every client it answers is sent to a broker that refuses it.
 */
const kin = new Set([
  'cluster.metadata-divergence',
  'cluster.topic-missing-on-broker',
  'cluster.broker-list-divergence',
  'cluster.controller-divergence',
  'cluster.cluster-id-mismatch',
])

export const metadataDivergenceRule: Rule<'doctor.metadata-divergence'> = {
  id: 'doctor.metadata-divergence',
  title: 'Brokers disagree about metadata',
  evaluate(evidence) {
    const cluster = evidence.cluster
    if (!cluster) {
      return [
        insufficient(
          'doctor.metadata-divergence',
          `the brokers could not be compared: ${unavailableReason(evidence, 'cluster')}`,
          ['cluster'],
        ),
      ]
    }
    const latest = cluster.latest
    const earlier = cluster.looks.filter((l) => l !== latest)
    const out: RuleFinding<'doctor.metadata-divergence'>[] = []
    const covered = new Set<string>()
    for (const p of latest.analysis.divergence.partitions) {
      for (const d of p.dissenters) {
        if (!d.differs.includes('leader') && !d.differs.includes('leaderEpoch')) continue
        const key = `${p.topic}/${p.partition}/${d.broker}`
        covered.add(key)
        const phases = [
          ...earlier.filter((l) => dissentIn(l, p.topic, p.partition, d.broker)).map((l) => l.phase),
          latest.phase,
        ]
        const persistent = d.persistent === true || phases.length > 1
        const wrapped = latest.findings.find(
          (f) =>
            f.id === 'cluster.metadata-divergence' &&
            f.subject.topic === p.topic &&
            f.subject.partition === p.partition &&
            f.subject.broker === d.broker,
        )
        const facts: DivergenceFacts = {
          topic: p.topic,
          partition: p.partition,
          broker: d.broker,
          claimedLeader: d.value.leader,
          claimedEpoch: d.value.leaderEpoch,
          agreedLeader: p.agreed.leader,
          agreedEpoch: p.agreed.leaderEpoch,
          agreeing: p.agreeing,
          persistent,
          phases,
          controller: latest.analysis.controller.id,
        }
        out.push(
          ruleFinding('doctor.metadata-divergence', {
            verdict: 'issue',
            severity: persistent ? 'critical' : 'warning',
            confidence: persistent ? 0.95 : d.reason === 'tie' ? 0.4 : 0.6,
            subject: { topic: p.topic, partition: p.partition, broker: d.broker },
            summary: `broker ${d.broker} says ${p.topic}-${p.partition} is led by ${d.value.leader} at epoch ${d.value.leaderEpoch}; brokers ${p.agreeing.join(', ')} say ${p.agreed.leader} at epoch ${p.agreed.leaderEpoch}${persistent ? ` — still so ${phases.length > 1 ? `at the ${phases.join(' and the ')} of the run` : 'when asked again'}` : ' (seen once: an election in flight looks the same for a moment)'}`,
            evidence: wrapped?.evidence ?? [],
            remedy: renderRemedy('metadata-divergence', {
              broker: d.broker,
              topic: p.topic,
              partition: p.partition,
              claimedLeader: d.value.leader,
              claimedEpoch: d.value.leaderEpoch,
              agreedLeader: p.agreed.leader,
              agreedEpoch: p.agreed.leaderEpoch,
              agreeing: p.agreeing.join(', '),
              bootstrap: bootstrapOf(evidence),
            }),
            facts,
            basedOn: wrapped ? [wrapped.id] : [],
          }),
        )
      }
    }
    // The other disagreements the cluster analysis found (ISR only, a topic unknown to a broker, the
    // broker list, the controller, the cluster id), as they are.
    for (const f of latest.findings) {
      if (!kin.has(f.id) || f.verdict !== 'issue') continue
      const key = `${f.subject.topic}/${f.subject.partition}/${f.subject.broker}`
      if (f.id === 'cluster.metadata-divergence' && covered.has(key)) continue
      out.push(
        ruleFinding('doctor.metadata-divergence', {
          verdict: 'issue',
          severity: f.severity,
          confidence: f.confidence,
          subject: f.subject,
          summary: f.summary,
          evidence: f.evidence,
          ...(f.remedy !== undefined ? { remedy: f.remedy } : {}),
          basedOn: [f.id],
        }),
      )
    }
    if (out.length > 0) return out
    const views = latest.snapshot.views.filter((v) => v.outcome === 'ok').length
    return [
      ok(
        'doctor.metadata-divergence',
        `${views} broker(s) asked one by one agree on every partition's leader, epoch and ISR${cluster.looks.length > 1 ? ' at the start and at the end of the run' : ''}`,
      ),
    ]
  },
}

function dissentIn(look: ClusterLookEvidence, topic: string, partition: number, broker: number): boolean {
  const p: PartitionDivergence | undefined = look.analysis.divergence.partitions.find(
    (each) => each.topic === topic && each.partition === partition,
  )
  return (
    p?.dissenters.some(
      (d) => d.broker === broker && (d.differs.includes('leader') || d.differs.includes('leaderEpoch')),
    ) ?? false
  )
}
