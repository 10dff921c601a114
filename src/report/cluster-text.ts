import type { BrokerStatus, ClusterAnalysis, PartitionState } from '../analyse/cluster/types.js'
import type { Finding } from '../analyse/finding.js'
import { formatTable } from '../cli/table.js'
import type { ClusterSnapshot } from '../collect/cluster/snapshot.js'
import { severities } from '../outcome.js'
import { formatDuration } from '../util/duration.js'

/**
 * The human view of a cluster check: a short summary, then only what is wrong — the partitions with
 * problems as a kafka-topics-like table, the brokers whose own metadata differs from the others', the
 * other findings, and what to do about each kind of problem.
 */

export interface ClusterTextOptions {
  /** Print the remedies (default true). */
  remedies?: boolean
}

const ids = (list: readonly number[]) => (list.length === 0 ? '-' : list.join(','))

export function renderClusterText(
  analysis: ClusterAnalysis,
  snapshot: ClusterSnapshot,
  options: ClusterTextOptions = {},
): string {
  const lines: string[] = []
  const s = analysis.summary
  const asked = new Set(snapshot.views.map((v) => v.brokerId)).size
  const rounds = analysis.divergence.rounds
  lines.push(
    `Cluster ${analysis.clusterId ?? '(no id)'} (${analysis.mode === 'kraft' ? 'KRaft' : 'ZooKeeper'}): ${asked} broker${asked === 1 ? '' : 's'} asked for their own metadata${rounds > 1 ? ' twice' : ''}, ${snapshot.requests.length} requests in ${formatDuration(snapshot.durationMs)}`,
  )
  const row = (label: string, text: string) => lines.push(`${label.padEnd(12)}${text}`)
  row('Controller', controllerText(analysis))
  row('Brokers', brokersText(analysis.brokers))
  for (const b of analysis.brokers.filter((each) => !each.reachable)) row('', downText(b))
  row(
    'Partitions',
    `${s.partitions} in ${s.topics} topic${s.topics === 1 ? '' : 's'}: ${countText(analysis, [
      ['offline', 'offline'],
      ['under-min-isr', 'under min ISR'],
      ['at-min-isr', 'at min ISR'],
      ['under-replicated', 'under-replicated'],
      ['leader-not-in-isr', 'leader not in ISR'],
      ['preferred-leader-not-leading', 'not on preferred leader'],
    ])}`,
  )
  row('Divergence', divergenceText(analysis, asked))
  row(
    'Findings',
    severities
      .slice()
      .reverse()
      .map((sev) => `${s.findings[sev]} ${sev}`)
      .join(', '),
  )

  const problemRows = analysis.partitions.filter((p) => p.problems.some((x) => x !== 'not-preferred-leader'))
  if (problemRows.length > 0) {
    lines.push(
      '',
      formatTable(
        ['TOPIC', 'PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'PROBLEM'],
        problemRows.map(partitionRow),
      ),
    )
  }

  if (analysis.divergence.partitions.length > 0) {
    lines.push('', 'Metadata as each broker reports it, where it differs from the others:')
    const rows = analysis.divergence.partitions.flatMap((p) =>
      p.dissenters.map((d) => [
        p.topic,
        p.partition,
        d.broker,
        d.value.leader,
        d.value.leaderEpoch,
        ids(d.value.isr),
        `${p.agreed.leader} @${p.agreed.leaderEpoch} isr ${ids(p.agreed.isr)} (brokers ${ids(p.agreeing)})`,
        d.reason === 'older-epoch'
          ? 'older leader epoch: stale'
          : d.reason === 'tie'
            ? 'split evenly'
            : 'minority',
        d.persistent === true ? 'yes' : d.persistent === false ? 'new' : '-',
      ]),
    )
    lines.push(
      formatTable(
        ['TOPIC', 'PARTITION', 'BROKER', 'LEADER', 'EPOCH', 'ISR', 'OTHERS SAY', 'VERDICT', 'PERSISTENT'],
        rows,
      ),
    )
  }

  const partitionIds = new Set([
    'cluster.offline',
    'cluster.under-min-isr',
    'cluster.at-min-isr',
    'cluster.under-replicated',
    'cluster.leader-not-in-isr',
    'cluster.preferred-leader-not-leading',
    'cluster.metadata-divergence',
  ])
  const others = analysis.findings.filter((f) => !partitionIds.has(f.id))
  if (others.length > 0) {
    lines.push('')
    for (const f of others) lines.push(`${f.severity.toUpperCase().padEnd(9)}${f.summary}`)
  }

  if (options.remedies !== false) {
    const firstOfId = new Map<string, { finding: Finding; count: number }>()
    for (const f of analysis.findings) {
      if (f.severity === 'info' || !f.remedy) continue
      const seen = firstOfId.get(f.id)
      if (seen) seen.count += 1
      else firstOfId.set(f.id, { finding: f, count: 1 })
    }
    if (firstOfId.size > 0) lines.push('', 'What to do:')
    for (const [id, { finding, count }] of firstOfId) {
      const example = subjectText(finding)
      lines.push('', `${id}${count > 1 ? ` (${count}, e.g. ${example})` : example ? ` (${example})` : ''}:`)
      for (const line of (finding.remedy ?? '').split('\n')) lines.push(`  ${line}`)
    }
  }
  for (const w of snapshot.warnings) lines.push('', `warning: ${w}`)
  return lines.join('\n')
}

function partitionRow(p: PartitionState): (string | number)[] {
  return [
    p.topic,
    p.partition,
    p.leader < 0 ? 'none' : p.leader,
    p.leaderEpoch,
    ids(p.replicas),
    ids(p.isr),
    p.problems.join(','),
  ]
}

function controllerText(analysis: ClusterAnalysis): string {
  const c = analysis.controller
  const q = analysis.quorum
  if (analysis.mode === 'kraft') {
    if (c.id === null) return `unknown (KRaft quorum not described: ${q.error?.message ?? q.outcome})`
    const lag = [...(q.observers ?? []), ...(q.voters ?? [])].reduce((m, r) => (r.lag > m ? r.lag : m), 0n)
    return `${c.id} (KRaft quorum leader, epoch ${q.leaderEpoch}, high watermark ${q.highWatermark}; voters ${ids((q.voters ?? []).map((v) => v.replicaId))}, observers ${ids((q.observers ?? []).map((o) => o.replicaId))}, max lag ${lag})`
  }
  return c.id === null ? 'none agreed on' : `broker ${c.id}`
}

function brokersText(brokers: readonly BrokerStatus[]): string {
  const up = brokers.filter((b) => b.reachable)
  const registered = brokers.filter((b) => b.registered).length
  return `${registered} registered, ${up.length} reachable, ${brokers.length - up.length} down: ${up.map((b) => `${b.id} ${b.host}:${b.port}${b.rack ? ` (${b.rack})` : ''}`).join(', ') || 'none'}`
}

function downText(b: BrokerStatus): string {
  const where = b.host === null ? 'address unknown' : `${b.host}:${b.port}`
  const state = b.registered ? `registered but ${b.outcome}` : b.fenced ? 'fenced' : 'not registered'
  return `down: ${b.id} (${where}, ${state}; ${b.replicaOf} replicas, leads ${b.leaderOf})`
}

function countText(analysis: ClusterAnalysis, kinds: readonly [string, string][]): string {
  const parts = kinds.flatMap(([id, label]) => {
    const n = analysis.summary.byId[`cluster.${id}`] ?? 0
    return n > 0 ? [`${n} ${label}`] : []
  })
  return parts.length === 0 ? 'all healthy' : parts.join(', ')
}

function divergenceText(analysis: ClusterAnalysis, asked: number): string {
  const d = analysis.divergence
  const brokersDiffer = new Set(d.partitions.flatMap((p) => p.dissenters.map((x) => x.broker)))
  const parts: string[] = []
  if (d.partitions.length > 0)
    parts.push(
      `${d.partitions.length} partition${d.partitions.length === 1 ? '' : 's'} reported differently by broker${brokersDiffer.size === 1 ? '' : 's'} ${[...brokersDiffer].join(',')}`,
    )
  const missing = d.topics.flatMap((t) => t.missingOn)
  if (missing.length > 0)
    parts.push(`${d.topics.length} topic(s) unknown to broker(s) ${[...new Set(missing)].join(',')}`)
  if ((d.brokerList?.dissenters.length ?? 0) > 0) parts.push('brokers list different brokers')
  if ((d.controller?.dissenters.length ?? 0) > 0) parts.push('brokers name different controllers')
  if ((d.clusterId?.dissenters.length ?? 0) > 0) parts.push('brokers of different clusters')
  if (parts.length > 0) return parts.join('; ')
  const answered = analysis.brokers.filter((b) => b.reachable).length
  if (answered < 2) {
    return `not compared: ${answered === 0 ? 'no broker answered at its own address' : 'only one broker answered'}`
  }
  const resolved =
    d.resolved.length > 0 ? ` (after ${d.resolved.length} partition(s) settled between rounds)` : ''
  return `none: ${answered === asked ? `all ${answered}` : `the ${answered} answering`} brokers report the same leaders, epochs and ISRs${resolved}`
}

function subjectText(f: Finding): string {
  const s = f.subject
  if (s.topic !== undefined && s.partition !== undefined)
    return `${s.topic}-${s.partition}${s.broker !== undefined ? ` on broker ${s.broker}` : ''}`
  if (s.topic !== undefined)
    return `topic ${s.topic}${s.broker !== undefined ? ` on broker ${s.broker}` : ''}`
  if (s.broker !== undefined) return `broker ${s.broker}`
  return ''
}
