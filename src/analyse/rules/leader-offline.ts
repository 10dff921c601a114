import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { BrokerStatus } from '../cluster/types.js'
import type { EvidenceRef } from '../finding.js'
import type { Evidence } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { bootstrapOf, groupOf, insufficient, ok, ruleFinding } from './rule-support.js'
import type { LeaderOfflineFacts, Rule, RuleFinding } from './rule-types.js'
import { isOwnClient } from './source-helpers.js'

/**
 * A partition with no leader because the brokers that hold its replicas are down (a broker crashed or
 * was killed, and the topic has no replica elsewhere in the ISR): nobody can consume it, and the
 * consumer keeps refreshing metadata (LEADER_NOT_AVAILABLE) and reconnecting until a leader is back.
 * It is the cause behind several symptoms other rules see — an offline partition (replication), a
 * coordinator that moved, a rebalance — so the decision table ranks it above them.
 *
 * Reads, by preference: the cluster's latest look (every broker's view agreeing on leader -1, and which
 * replica brokers are unregistered or unreachable); the lag analysis (`lag.no-leader`); the capture
 * (the consumer's Metadata answers naming no leader for the partition, LEADER_NOT_AVAILABLE errors).
 */

/** Seen only in the capture, a partition counts as offline when its last answers still name no leader. */
const captureMinAnswers = 3
const captureMinSpanS = 2

export const leaderOfflineRule: Rule<'doctor.leader-offline'> = {
  id: 'doctor.leader-offline',
  title: 'Partition leader offline (broker down)',
  evaluate(evidence) {
    if (!evidence.cluster && !evidence.lag && !evidence.traffic) {
      return [
        insufficient(
          'doctor.leader-offline',
          'whether a partition lost its leader needs the cluster, lag samples or a capture: none was collected',
          ['cluster', 'lag', 'capture'],
        ),
      ]
    }
    const offline = offlinePartitions(evidence)
    if (offline.length === 0) {
      const looked = [
        evidence.cluster && 'the cluster',
        evidence.lag && 'the lag samples',
        evidence.traffic && 'the capture',
      ]
        .filter(Boolean)
        .join(', ')
      return [ok('doctor.leader-offline', `every partition has a leader (looked at ${looked})`)]
    }
    const byTopic = new Map<string, OfflinePartition[]>()
    for (const p of offline) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p])
    const out: RuleFinding<'doctor.leader-offline'>[] = []
    for (const [topic, partitions] of byTopic) out.push(topicFinding(evidence, topic, partitions))
    return out.sort((a, b) => b.confidence - a.confidence)
  },
}

interface OfflinePartition {
  topic: string
  partition: number
  replicas: number[]
  /** Where it was seen: `cluster`, `lag`, `capture`. */
  seenIn: string[]
  evidence: EvidenceRef[]
}

function offlinePartitions(evidence: Evidence): OfflinePartition[] {
  const found = new Map<string, OfflinePartition>()
  const entry = (topic: string, partition: number, replicas: number[]) => {
    const key = `${topic}\u0000${partition}`
    let p = found.get(key)
    if (!p) {
      p = { topic, partition, replicas, seenIn: [], evidence: [] }
      found.set(key, p)
    }
    return p
  }
  const cluster = evidence.cluster
  if (cluster) {
    for (const f of cluster.latest.findings) {
      if (f.id !== 'cluster.offline' || f.verdict !== 'issue') continue
      const { topic, partition } = f.subject
      if (topic === undefined || partition === undefined) continue
      const state = cluster.latest.analysis.partitions.find(
        (s) => s.topic === topic && s.partition === partition,
      )
      const p = entry(topic, partition, state?.replicas ?? [])
      p.seenIn.push('cluster')
      p.evidence.push(...f.evidence.slice(0, 3))
    }
  }
  // Without the cluster's view, the lag analysis (which asks each partition's leader) is the witness.
  for (const f of evidence.lag?.report.findings ?? []) {
    if (f.id !== 'lag.no-leader' || f.verdict !== 'issue' || cluster) continue
    const { topic, partition } = f.subject
    if (topic === undefined || partition === undefined) continue
    const p = entry(topic, partition, [])
    p.seenIn.push('lag')
    p.evidence.push(...f.evidence.slice(0, 2))
  }
  const traffic = evidence.traffic
  if (traffic) {
    traffic.full.metadata.partitions.forEach((m, index) => {
      const last = [...m.leaders].sort((a, b) => a.lastT - b.lastT).at(-1)
      if (!last || last.leader >= 0) return
      const known = found.get(`${m.topic}\u0000${m.partition}`)
      const leaderless = m.leaders.filter((l) => l.leader < 0)
      const answers = leaderless.reduce((sum, l) => sum + l.answers, 0)
      const span = Math.max(...leaderless.map((l) => l.lastT)) - Math.min(...leaderless.map((l) => l.t))
      // A leaderless answer or two is an election in progress; alone it proves nothing.
      if (!known && (cluster || answers < captureMinAnswers || span < captureMinSpanS)) return
      const p = known ?? entry(m.topic, m.partition, [])
      p.seenIn.push('capture')
      p.evidence.push({
        source: bundleFiles.traffic,
        at: `/metadata/partitions/${index}`,
        observed: { leader: last.leader, epoch: last.epoch, answers, lastT: last.lastT },
      })
    })
  }
  return [...found.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
}

/** Replica brokers that are down: not registered with the controller, or not answering. */
function downBrokers(evidence: Evidence, replicas: readonly number[]): BrokerStatus[] {
  const brokers = evidence.cluster?.latest.analysis.brokers ?? []
  return replicas
    .map((id) => brokers.find((b) => b.id === id))
    .filter((b): b is BrokerStatus => b !== undefined && (!b.registered || !b.reachable))
}

/** The judged clients' Metadata answers with LEADER_NOT_AVAILABLE for these partitions. */
function clientRetries(evidence: Evidence, topic: string, partitions: ReadonlySet<number>) {
  const traffic = evidence.traffic
  const rows = (traffic?.report.clientErrors ?? []).filter(
    (r) =>
      !isOwnClient(r.clientId) &&
      r.topic === topic &&
      r.partition !== undefined &&
      partitions.has(r.partition) &&
      (r.codes.LEADER_NOT_AVAILABLE ?? 0) > 0,
  )
  if (!traffic || rows.length === 0) return undefined
  const errors = rows.reduce((sum, r) => sum + (r.codes.LEADER_NOT_AVAILABLE ?? 0), 0)
  const firstT = Math.min(...rows.map((r) => r.firstT))
  const lastT = Math.max(...rows.map((r) => r.lastT))
  const spanS = Math.round((lastT - firstT) * 10) / 10
  return {
    clients: [...new Set(rows.map((r) => r.clientId))],
    errors,
    spanS,
    ratePerS: spanS > 0 ? Math.round((errors / spanS) * 10) / 10 : errors,
    refs: rows.slice(0, 4).map((r) => ({
      source: bundleFiles.traffic,
      at: `/clientErrors/${traffic.full.clientErrors.indexOf(r)}`,
      observed: { client: r.clientId, api: r.api, codes: r.codes, firstT: r.firstT, lastT: r.lastT },
    })),
  }
}

function topicFinding(
  evidence: Evidence,
  topic: string,
  partitions: readonly OfflinePartition[],
): RuleFinding<'doctor.leader-offline'> {
  const numbers = partitions.map((p) => p.partition)
  const replicas = [...new Set(partitions.flatMap((p) => p.replicas))].sort((a, b) => a - b)
  const down = downBrokers(evidence, replicas)
  const retries = clientRetries(evidence, topic, new Set(numbers))
  const stalled = (evidence.lag?.report.findings ?? []).find(
    (f) => f.id === 'lag.no-leader' && f.verdict === 'issue' && f.subject.topic === topic,
  )
  const names = numbers.map((n) => `${topic}-${n}`)
  const shownNames =
    names.length > 4 ? `${names.slice(0, 4).join(', ')} and ${names.length - 4} more` : names.join(', ')
  const downText =
    down.length > 0
      ? down
          .map(
            (b) =>
              `broker ${b.id}${b.host !== null ? ` (${b.host}:${b.port})` : ''} is ${b.registered ? 'registered but does not answer' : 'not registered with the controller'}${b.error ? `: ${b.error}` : ''}`,
          )
          .join('; ')
      : replicas.length > 0
        ? `its replica broker${replicas.length === 1 ? '' : 's'} ${replicas.join(', ')} hold${replicas.length === 1 ? 's' : ''} no leadership`
        : 'no broker leads it'
  const parts = [
    `${shownNames} ${names.length === 1 ? 'has' : 'have'} no leader: ${downText}${replicas.length > 0 ? ` — and ${replicas.length === 1 ? 'it holds' : 'they hold'} every replica (${replicas.join(', ')})` : ''}.`,
  ]
  if (retries)
    parts.push(
      `Client ${retries.clients.join(', ')} asked for metadata again and again: ${retries.errors}× LEADER_NOT_AVAILABLE over ${retries.spanS} s (${retries.ratePerS}/s), reconnecting until a leader is back.`,
    )
  if (stalled) parts.push(`The lag collector agrees: ${stalled.summary}.`)
  const seenIn = [...new Set(partitions.flatMap((p) => p.seenIn))]
  const facts: LeaderOfflineFacts = {
    topic,
    partitions: numbers,
    replicas,
    downBrokers: down.map((b) => ({
      id: b.id,
      ...(b.host !== null && b.port !== null ? { address: `${b.host}:${b.port}` } : {}),
      registered: b.registered,
      reachable: b.reachable,
    })),
    seenIn,
    ...(retries
      ? {
          clientRetries: {
            clients: retries.clients,
            errors: retries.errors,
            spanS: retries.spanS,
            ratePerS: retries.ratePerS,
          },
        }
      : {}),
    ...(stalled ? { lagFinding: stalled.summary } : {}),
  }
  const brokerList = (down.length > 0 ? down.map((b) => b.id) : replicas).join(', ') || '<broker>'
  return ruleFinding('doctor.leader-offline', {
    verdict: 'issue',
    severity: 'critical',
    // The cluster's agreed view is the strongest witness; a capture alone may catch a long election.
    confidence: seenIn.includes('cluster')
      ? down.length > 0
        ? 0.95
        : 0.85
      : seenIn.includes('lag')
        ? 0.8
        : 0.7,
    subject: {
      topic,
      ...(numbers.length === 1 ? { partition: numbers[0] as number } : {}),
      ...(down.length === 1 ? { broker: (down[0] as BrokerStatus).id } : {}),
    },
    summary: parts.join(' '),
    evidence: [
      ...partitions.flatMap((p) => p.evidence).slice(0, 6),
      ...down.flatMap(
        (b) =>
          evidence.cluster?.latest.findings
            .filter(
              (f) =>
                f.subject.broker === b.id &&
                (f.id === 'cluster.replica-on-unregistered-broker' || f.id === 'cluster.broker-unreachable'),
            )
            .flatMap((f) => f.evidence.slice(0, 2)) ?? [],
      ),
      ...(retries?.refs ?? []),
      ...(stalled?.evidence.slice(0, 2) ?? []),
    ],
    remedy: renderRemedy('leader-offline', {
      topic,
      partitions: names.join(', '),
      verb: names.length === 1 ? 'has' : 'have',
      them: names.length === 1 ? 'it' : 'them',
      brokers: brokerList,
      bootstrap: bootstrapOf(evidence),
      group: groupOf(evidence),
    }),
    facts,
    basedOn: [
      ...(seenIn.includes('cluster') ? ['cluster.offline'] : []),
      ...(stalled ? ['lag.no-leader'] : []),
    ],
  })
}
