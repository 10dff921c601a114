import { compareSeverity } from '../../outcome.js'
import type { Finding } from '../finding.js'
import { unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { bootstrapOf, insufficient, ok, ruleFinding } from './rule-support.js'
import type { Rule, RuleFinding } from './rule-types.js'

/**
 * HW stuck, under-replicated, at or under min ISR, offline, leader outside the ISR (FM4): the cluster
 * analysis judges every partition from the brokers' agreed view; this rule wraps those findings of the
 * latest look, one finding per topic, and adds the lag analysis' "HW held back" (a leader whose own
 * log is ahead of its high watermark because an in-sync follower lags).
 */
const partitionProblems = new Set([
  'cluster.offline',
  'cluster.under-min-isr',
  'cluster.leader-not-in-isr',
  'cluster.at-min-isr',
  'cluster.under-replicated',
])

export const replicationRule: Rule<'doctor.replication'> = {
  id: 'doctor.replication',
  title: 'Under-replicated, at min ISR, or HW held back',
  evaluate(evidence) {
    const cluster = evidence.cluster
    if (!cluster) {
      return [
        insufficient(
          'doctor.replication',
          `replication could not be checked: ${unavailableReason(evidence, 'cluster')}`,
          ['cluster'],
        ),
      ]
    }
    const wrapped: Finding[] = cluster.latest.findings.filter(
      (f) => partitionProblems.has(f.id) && f.verdict === 'issue',
    )
    for (const f of evidence.lag?.report.findings ?? [])
      if (f.id === 'lag.negative.hw-held-back' && f.verdict === 'issue') wrapped.push(f)
    const byTopic = new Map<string, Finding[]>()
    for (const f of wrapped) {
      const topic = f.subject.topic ?? '(cluster)'
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), f])
    }
    const out: RuleFinding<'doctor.replication'>[] = []
    for (const [topic, list] of byTopic) {
      const worst = [...list].sort((a, b) => compareSeverity(b.severity, a.severity))[0] as Finding
      const problems = [...new Set(list.map((f) => f.id.replace(/^cluster\.|^lag\.negative\./, '')))]
      const partitions = [...new Set(list.map((f) => f.subject.partition).filter((p) => p !== undefined))]
      out.push(
        ruleFinding('doctor.replication', {
          verdict: 'issue',
          severity: worst.severity,
          confidence: Math.max(...list.map((f) => f.confidence)),
          subject: { topic, ...(partitions.length === 1 ? { partition: partitions[0] as number } : {}) },
          summary:
            list.length === 1
              ? worst.summary
              : `${topic}: ${problems.join(', ')} on ${partitions.length} partition(s) — ${worst.summary}`,
          evidence: list.flatMap((f) => f.evidence).slice(0, 12),
          remedy: renderRemedy('replication', {
            topic,
            problems: problems.join(', '),
            bootstrap: bootstrapOf(evidence),
          }),
          facts: {
            topic,
            ...(partitions.length === 1 ? { partition: partitions[0] as number } : {}),
            problems,
            sourceIds: [...new Set(list.map((f) => f.id))],
          },
          basedOn: [...new Set(list.map((f) => f.id))],
        }),
      )
    }
    if (out.length > 0) return out
    return [
      ok(
        'doctor.replication',
        `every partition of the ${cluster.latest.analysis.summary.partitions} looked at has its full ISR and a leader`,
      ),
    ]
  },
}
