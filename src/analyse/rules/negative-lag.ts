import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import { effectiveEnds, partitionKey } from '../../collect/lag/lag-snapshot.js'
import type { EvidenceRef, Finding } from '../finding.js'
import { type Evidence, unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { bootstrapOf, insufficient, ok, ruleFinding } from './rule-support.js'
import type { NegativeLagFacts, Rule, RuleFinding } from './rule-types.js'

/**
 * Negative lag (FM4–FM7): a group's committed offset above a high watermark. The lag analysis
 * explains each case it sees from every replica (lag.negative.*: a stale leader, a held-back HW, a
 * recreated topic, truncation, a transient HW after failover); this rule wraps those explanations and
 * adds the case kafka-doctor's own lag reading cannot see when its metadata comes from a healthy
 * broker: a broker that still claims leadership answers with its own stale HW (leader-offsets.ts), and
 * every tool whose metadata comes from that broker computes lag against it.
 *
 * Persistent — negative in two samples or looks or more — is critical; once is a warning (one sample
 * can be a race); `lag.negative.transient` (the HW caught up when read again) is informational.
 * Transactions: lag is measured against the high watermark; the LSO is only mentioned (an open
 * transaction makes read_committed consumers lag against it), never used to call lag negative.
 */

interface Key {
  group: string
  topic: string
  partition: number
}

export const negativeLagRule: Rule<'doctor.negative-lag'> = {
  id: 'doctor.negative-lag',
  title: 'Negative lag',
  evaluate(evidence) {
    const lag = evidence.lag
    if (!lag) {
      return [
        insufficient(
          'doctor.negative-lag',
          `committed offsets and high watermarks were not sampled: ${unavailableReason(evidence, 'lag')}`,
          ['lag'],
        ),
      ]
    }
    const out = new Map<string, RuleFinding<'doctor.negative-lag'>>()
    const counts = negativeCounts(evidence)
    const last = lag.snapshots[lag.snapshots.length - 1]
    const ends = last ? effectiveEnds(last) : new Map()
    const committedOf = (k: Key) =>
      last?.groups
        .find((g) => g.group === k.group)
        ?.committed.find((c) => c.topic === k.topic && c.partition === k.partition)

    // 1. What the lag analysis explained.
    for (const f of lag.report.findings) {
      if (!f.id.startsWith('lag.negative') || f.verdict !== 'issue') continue
      const { group, topic, partition } = f.subject
      if (group === undefined || topic === undefined || partition === undefined) continue
      const k = { group, topic, partition }
      const c = committedOf(k)
      const e = ends.get(partitionKey(topic, partition))
      const count = counts.get(keyOf(k)) ?? {
        negative: 0,
        samples: lag.samples.length > 0 ? 0 : lag.snapshots.length,
      }
      const transient = f.id === 'lag.negative.transient'
      const persistent = count.negative >= 2
      const facts: NegativeLagFacts = {
        group,
        topic,
        partition,
        committed: String(c?.offset ?? '?'),
        highWatermark: String(e?.highWatermark ?? '?'),
        ...(e?.leader !== null && e?.leader !== undefined ? { broker: e.leader } : {}),
        lag:
          c?.offset !== null && c?.offset !== undefined && typeof e?.highWatermark === 'bigint'
            ? String(e.highWatermark - c.offset)
            : '?',
        cause: f.id,
        negativeSamples: count.negative,
        samples: count.samples,
      }
      out.set(
        keyOf(k),
        finding(evidence, facts, {
          severity: transient ? 'info' : persistent ? 'critical' : 'warning',
          confidence: transient ? 0.5 : persistent ? Math.max(f.confidence, 0.9) : f.confidence,
          summary: `${f.summary}${count.samples > 1 ? ` (negative in ${count.negative} of ${count.samples} samples)` : ''}`,
          evidence: f.evidence,
          basedOn: [f.id],
        }),
      )
    }

    // 2. The HW each claimed leader of a disputed partition reports, against the groups' commits.
    const claims = staleClaims(evidence)
    for (const claim of claims) {
      for (const g of last?.groups ?? []) {
        if (
          !evidence.bundle.manifest.target.groups.includes(g.group) &&
          evidence.bundle.manifest.target.groups.length > 0
        )
          continue
        const c = g.committed.find((x) => x.topic === claim.topic && x.partition === claim.partition)
        if (!c || c.offset === null) continue
        const below = claim.looks.filter((l) => l.highWatermark < (c.offset as bigint))
        if (below.length === 0) continue
        const worst = below[below.length - 1]!
        const k = { group: g.group, topic: claim.topic, partition: claim.partition }
        const e = ends.get(partitionKey(claim.topic, claim.partition))
        const lagValue = worst.highWatermark - c.offset
        const openTx =
          e && e.lastStableOffset !== null && e.highWatermark !== null && e.lastStableOffset < e.highWatermark
            ? `; an open transaction holds the LSO at ${e.lastStableOffset} (read_committed consumers lag against it)`
            : ''
        const facts: NegativeLagFacts = {
          group: g.group,
          topic: claim.topic,
          partition: claim.partition,
          committed: String(c.offset),
          highWatermark: String(worst.highWatermark),
          broker: claim.broker,
          lag: String(lagValue),
          cause: 'stale-leader-high-watermark',
          negativeSamples: below.length,
          samples: claim.looks.length,
          ...(claim.leaderHighWatermark !== undefined
            ? { leaderHighWatermark: String(claim.leaderHighWatermark) }
            : {}),
        }
        const previous = out.get(keyOf(k))
        out.set(
          keyOf(k),
          finding(evidence, facts, {
            severity: below.length >= 2 || previous?.severity === 'critical' ? 'critical' : 'warning',
            confidence: below.length >= 2 ? 0.95 : 0.8,
            summary: `group ${g.group} committed ${c.offset} on ${claim.topic}-${claim.partition}, but broker ${claim.broker} — which still claims to lead it (epoch ${claim.epoch}) — reports a high watermark of ${worst.highWatermark}: lag reads ${lagValue} for every tool whose metadata comes from broker ${claim.broker}${claim.leaderHighWatermark !== undefined ? `, while the leader the other brokers name, ${claim.agreedLeader}, reports ${claim.leaderHighWatermark}` : ''}. Broker ${claim.broker}'s high watermark is stale${below.length >= 2 ? ` (at ${below.map((l) => `the ${l.phase}`).join(' and ')} of the run)` : ''}${openTx}`,
            evidence: [
              ...below.map((l) => l.ref),
              {
                source: bundleFiles.lagSnapshots,
                at: `offset-fetch ${g.group}/${claim.topic}-${claim.partition}`,
                observed: { committed: c.offset, leaderEpoch: c.leaderEpoch },
              },
              ...(previous?.evidence ?? []),
            ],
            basedOn: [...(previous?.basedOn ?? []), 'cluster.leader-offsets'],
          }),
        )
      }
    }
    if (out.size > 0) return [...out.values()]
    return [
      ok(
        'doctor.negative-lag',
        `no committed offset above a high watermark in ${lag.snapshots.length} sample(s)${claims.length > 0 ? ' nor above the high watermark any claimed leader reports' : ''}`,
        [{ source: bundleFiles.lagSamples }],
      ),
    ]
  },
}

function keyOf(k: Key): string {
  return `${k.group}\u0000${k.topic}\u0000${k.partition}`
}

function finding(
  evidence: Evidence,
  facts: NegativeLagFacts,
  spec: {
    severity: Finding['severity']
    confidence: number
    summary: string
    evidence: EvidenceRef[]
    basedOn: string[]
  },
): RuleFinding<'doctor.negative-lag'> {
  return ruleFinding('doctor.negative-lag', {
    verdict: 'issue',
    severity: spec.severity,
    confidence: spec.confidence,
    subject: {
      group: facts.group,
      topic: facts.topic,
      partition: facts.partition,
      ...(facts.broker !== undefined ? { broker: facts.broker } : {}),
    },
    summary: spec.summary,
    evidence: spec.evidence,
    remedy: renderRemedy('negative-lag', {
      group: facts.group,
      committed: facts.committed,
      topic: facts.topic,
      partition: facts.partition,
      reporter: facts.broker !== undefined ? `broker ${facts.broker}` : 'the broker that answered',
      highWatermark: facts.highWatermark,
      lag: facts.lag,
      bootstrap: bootstrapOf(evidence),
    }),
    facts,
    basedOn: spec.basedOn,
  })
}

/** Per group × partition: samples in which committed > HW, of the samples with both. */
function negativeCounts(evidence: Evidence): Map<string, { negative: number; samples: number }> {
  const counts = new Map<string, { negative: number; samples: number }>()
  for (const s of evidence.lag?.samples ?? []) {
    if (s.committed === null || s.highWatermark === null) continue
    const key = keyOf(s)
    const c = counts.get(key) ?? { negative: 0, samples: 0 }
    c.samples++
    if (s.committed > s.highWatermark) c.negative++
    counts.set(key, c)
  }
  return counts
}

interface StaleClaim {
  topic: string
  partition: number
  /** The broker that claims leadership against the agreed view. */
  broker: number
  epoch: number
  agreedLeader: number
  leaderHighWatermark?: bigint
  looks: { phase: string; highWatermark: bigint; ref: EvidenceRef }[]
}

/** Brokers answering ListOffsets as leaders of partitions the cluster agrees they do not lead. */
function staleClaims(evidence: Evidence): StaleClaim[] {
  const byKey = new Map<string, StaleClaim>()
  for (const look of evidence.cluster?.looks ?? []) {
    const probe = look.leaderOffsets
    if (!probe) continue
    probe.partitions.forEach((p, pi) => {
      const agreed = look.analysis.partitions.find((x) => x.topic === p.topic && x.partition === p.partition)
      if (!agreed) return
      const leaderClaim = p.claims.find(
        (c) => c.leader === agreed.leader && c.leaderEpoch === agreed.leaderEpoch,
      )
      p.claims.forEach((c, ci) => {
        if (c.highWatermark === null) return
        if (c.leader === agreed.leader && c.leaderEpoch === agreed.leaderEpoch) return
        const key = `${p.topic}\u0000${p.partition}\u0000${c.leader}`
        const entry = byKey.get(key) ?? {
          topic: p.topic,
          partition: p.partition,
          broker: c.leader,
          epoch: c.leaderEpoch,
          agreedLeader: agreed.leader,
          looks: [],
        }
        if (leaderClaim?.highWatermark !== null && leaderClaim?.highWatermark !== undefined)
          entry.leaderHighWatermark = leaderClaim.highWatermark
        entry.looks.push({
          phase: look.phase,
          highWatermark: c.highWatermark,
          ref: {
            source: `${bundleFiles.clusterDir(look.phase)}/leader-offsets.json`,
            at: `/partitions/${pi}/claims/${ci}`,
            observed: {
              broker: c.leader,
              leaderEpoch: c.leaderEpoch,
              highWatermark: c.highWatermark,
              claimedBy: c.claimedBy,
            },
          },
        })
        byKey.set(key, entry)
      })
    })
  }
  return [...byKey.values()]
}
