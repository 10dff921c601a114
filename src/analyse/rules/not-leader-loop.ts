import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { EvidenceRef } from '../finding.js'
import { unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { bootstrapOf, insufficient, ok, ruleFinding } from './rule-support.js'
import type { NotLeaderLoopFacts, Rule, RuleFinding } from './rule-types.js'
import { isOwnClient } from './source-helpers.js'

/**
 * Not-leader loop (FM1): NOT_LEADER_OR_FOLLOWER / FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH repeated
 * for the same partition from the same broker, while the Metadata answers keep naming that broker as
 * the leader. The traffic analysis finds the loop (traffic.not-leader-loop); this rule wraps it with
 * the numbers the evidence chain needs, and leaves kafka-doctor's own requests out.
 */
const leadershipErrors = ['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']

export const notLeaderLoopRule: Rule<'doctor.not-leader-loop'> = {
  id: 'doctor.not-leader-loop',
  title: 'Not-leader loop',
  evaluate(evidence) {
    const traffic = evidence.traffic
    if (!traffic) {
      return [
        insufficient(
          'doctor.not-leader-loop',
          `whether a client loops on leadership errors needs the traffic: ${unavailableReason(evidence, 'capture')}`,
          ['capture'],
        ),
      ]
    }
    const out: RuleFinding<'doctor.not-leader-loop'>[] = []
    for (const loop of traffic.findings) {
      if (loop.id !== 'traffic.not-leader-loop' || isOwnClient(loop.subject.client)) continue
      const { topic, partition, broker, client } = loop.subject
      if (topic === undefined || partition === undefined) continue
      const rows = traffic.report.clientErrors.filter(
        (r) =>
          r.clientId === client &&
          r.topic === topic &&
          r.partition === partition &&
          (broker === undefined || r.brokerId === broker) &&
          leadershipErrors.some((e) => (r.codes[e] ?? 0) > 0),
      )
      const codes: Record<string, number> = {}
      let errors = 0
      let firstT = Number.POSITIVE_INFINITY
      let lastT = 0
      for (const r of rows) {
        for (const e of leadershipErrors) {
          const n = r.codes[e] ?? 0
          if (n > 0) {
            codes[e] = (codes[e] ?? 0) + n
            errors += n
          }
        }
        firstT = Math.min(firstT, r.firstT)
        lastT = Math.max(lastT, r.lastT)
      }
      const spanS = Number.isFinite(firstT) ? Math.round((lastT - firstT) * 10) / 10 : 0
      const metadataIndex = traffic.report.metadata.partitions.findIndex(
        (p) => p.topic === topic && p.partition === partition,
      )
      const naming = traffic.report.metadata.partitions[metadataIndex]?.leaders
        .filter((l) => broker !== undefined && l.leader === broker && l.lastT >= firstT - 5 && l.t <= lastT)
        .reduce((sum, l) => sum + l.answers, 0)
      const refs: EvidenceRef[] = [
        ...rows.map((r) => ({
          source: bundleFiles.traffic,
          at: `/clientErrors/${traffic.full.clientErrors.indexOf(r)}`,
          observed: { broker: r.brokerId, codes: r.codes, firstT: r.firstT, lastT: r.lastT },
        })),
        ...(metadataIndex >= 0 && (naming ?? 0) > 0
          ? [
              {
                source: bundleFiles.traffic,
                at: `/metadata/partitions/${metadataIndex}`,
                observed: { namingBroker: broker, answers: naming },
              },
            ]
          : []),
      ]
      const facts: NotLeaderLoopFacts = {
        topic,
        partition,
        ...(broker !== undefined ? { broker } : {}),
        client: client ?? '',
        errors,
        codes,
        ratePerS: spanS > 0 ? Math.round((errors / spanS) * 10) / 10 : errors,
        spanS,
        metadataNamingBroker: naming ?? 0,
      }
      out.push(
        ruleFinding('doctor.not-leader-loop', {
          verdict: 'issue',
          severity: loop.severity,
          confidence: loop.confidence,
          subject: loop.subject,
          summary: loop.summary,
          evidence: refs,
          remedy: renderRemedy('not-leader-loop', {
            broker: broker ?? '<broker>',
            topic,
            partition,
            bootstrap: bootstrapOf(evidence),
          }),
          facts,
          basedOn: [loop.id],
        }),
      )
    }
    if (out.length > 0) return out.sort((a, b) => (b.facts?.errors ?? 0) - (a.facts?.errors ?? 0))
    return [
      ok(
        'doctor.not-leader-loop',
        `no client got leadership errors in a loop over the ${Math.round(traffic.report.durationS)} s captured`,
      ),
    ]
  },
}
