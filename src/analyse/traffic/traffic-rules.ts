/**
 * Findings from a TrafficReport: pure functions, each rule with its thresholds and remedy beside it
 * (docs/traffic-analysis.md explains the reasoning). A rule never fires on a healthy consumer: every
 * threshold asks for repetition over time, not a single error.
 */
import type { Severity } from '../../outcome.js'
import type { EvidenceRef, Finding } from '../finding.js'
import type { ClientErrorReport, FetchClientReport, FrameRef, TrafficReport } from './traffic-report.js'

/**
 * Poll storm. A fetch that finds no data is held by the broker for max_wait_ms, so a client polling
 * one broker can make at most about 1000 / max_wait_ms empty fetches per second. "Far above" means
 * at least `rateFactor` times that (5×), and at least `minRate` fetches/s (10/s) so that slow clients
 * with tiny waits are not flagged, over at least `minFetches` fetches spread over `minSpanS` seconds,
 * with at least `minIdleRatio` (80%) of the answers empty or errored. max_wait_ms = 0 allows any
 * rate: that case is the fetch-settings finding instead.
 */
export const pollStormThresholds = {
  rateFactor: 5,
  minRate: 10,
  minFetches: 20,
  minSpanS: 2,
  minIdleRatio: 0.8,
} as const

/** Not-leader loop: at least 10 leadership errors for one partition from one broker, over ≥ 1 s. */
export const notLeaderThresholds = { minErrors: 10, minSpanS: 1, confirmingAnswers: 2 } as const
export const offsetOutOfRangeThresholds = { minErrors: 5 } as const
export const coordinatorThresholds = { minErrors: 10 } as const
/** Rebalance churn: 3 or more completed rebalances (4 generations), or 10 rebalance errors. */
export const rebalanceThresholds = { minGenerations: 4, minErrors: 10 } as const
/** Throttling is a warning when ≥ 10% of a flow's answers are throttled or one is held ≥ 1 s. */
export const throttleThresholds = { warnRatio: 0.1, warnMaxMs: 1000 } as const

const leadershipErrors = ['NOT_LEADER_OR_FOLLOWER', 'FENCED_LEADER_EPOCH', 'UNKNOWN_LEADER_EPOCH']
const coordinatorErrors = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']
const rebalanceErrors = ['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']

const remedies = {
  pollStorm: [
    'The client fetches far more often than its fetch.max.wait.ms allows and mostly gets nothing back.',
    '- If the answers carry errors, fix their cause first (see the not-leader / offset findings).',
    '- Otherwise check the consumer loop: `poll(Duration.ZERO)` in a tight loop, or fetch.max.wait.ms',
    '  near 0 (default 500), spin on an idle topic.',
  ].join('\n'),
  notLeader: [
    'The broker refuses the fetch (it is not the leader) and the client keeps asking it, because the',
    'Metadata answers it gets still name that broker (failure mode FM1).',
    '- Compare the leader each broker reports (`kafka-doctor cluster`, or `kafka-topics --describe`',
    '  against each broker): a broker with stale metadata needs a restart (controller first, FM2/FM3).',
    '- Upgrade clients to ≥ 3.7 (KIP-580 backoff, KIP-951 leader hints) and set retry.backoff.max.ms.',
    '- Restarting the consumer only helps when the client cache is the stale one.',
  ].join('\n'),
  offsetOutOfRange: [
    'The client keeps fetching an offset the partition no longer has (truncation after an unclean',
    'election, retention, or a committed offset past the end: FM6).',
    '- Check `kafka-consumer-groups --describe` for negative lag and the brokers for truncation logs.',
    '- Check auto.offset.reset; reset the group offsets deliberately if needed.',
  ].join('\n'),
  coordinator: [
    'The group coordinator keeps refusing the client (moved, unavailable, or still loading).',
    '- Check the broker hosting __consumer_offsets for this group: under-replicated or offline',
    '  partitions, a restart loop, or a long coordinator load in its logs.',
  ].join('\n'),
  rebalance: [
    'The group rebalances again and again (FM10).',
    '- Processing longer than max.poll.interval.ms, GC pauses longer than session.timeout.ms, or',
    '  members restarting. Use static membership (group.instance.id), the CooperativeStickyAssignor,',
    '  or smaller max.poll.records.',
  ].join('\n'),
  throttle: [
    'The broker delays answers because the client exceeds a quota (throttle_time_ms > 0).',
    '- Check client quotas (`kafka-configs --describe --entity-type clients/users`) and the',
    '  client rate; throttling is not a fault of the client library.',
  ].join('\n'),
  fetchSettings: [
    'fetch.max.wait.ms = 0 with fetch.min.bytes ≤ 1 makes every fetch return at once: an idle',
    'consumer re-fetches at network round-trip rate and burns CPU (FM9).',
    '- Use the defaults (fetch.max.wait.ms = 500, fetch.min.bytes = 1) or raise fetch.min.bytes.',
  ].join('\n'),
  oldClient: [
    'This Java client predates fixes for known busy loops (FM8): before 3.7 it keeps fetching from a',
    'stale leader without backoff (KIP-580, KIP-951); 2.5.0 spins during rebalances (KAFKA-10134).',
    '- Upgrade kafka-clients to ≥ 3.7.',
  ].join('\n'),
} as const

export function trafficFindings(report: TrafficReport): Finding[] {
  const findings: Finding[] = [
    ...notLeaderLoops(report),
    ...pollStorms(report),
    ...offsetOutOfRangeLoops(report),
    ...coordinatorLoops(report),
    ...rebalanceChurn(report),
    ...throttling(report),
    ...spinningFetchSettings(report),
  ]
  findings.push(...oldClients(report, findings))
  return findings
}

function pollStorms(report: TrafficReport): Finding[] {
  const t = pollStormThresholds
  const out: Finding[] = []
  for (const flow of report.fetch.clients) {
    const maxWait = flow.settings?.maxWaitMs
    if (maxWait === undefined || maxWait <= 0) continue
    const allowed = 1000 / maxWait
    const span = flow.lastT - flow.firstT
    if (flow.fetches < t.minFetches || span < t.minSpanS) continue
    if (flow.ratePerS < Math.max(t.minRate, t.rateFactor * allowed)) continue
    if (flow.idleRatio < t.minIdleRatio) continue
    const factor = Math.round(flow.ratePerS / allowed)
    out.push({
      id: 'traffic.poll-storm',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.8,
      subject: { client: flow.clientId, ...brokerSubject(flow.brokerId) },
      summary:
        `client ${label(flow.clientId, flow.clientAddress)} fetched from broker ${brokerLabel(flow.broker, flow.brokerId)} ` +
        `${flow.ratePerS}/s (${flow.fetches} fetches in ${round(span)} s), ${factor}× what fetch.max.wait.ms=${maxWait} allows; ` +
        `${pct(flow.idleRatio)} of the answers were empty or errored (${pct(flow.erroredRatio)} errored), ` +
        `median answer in ${flow.latency.p50Ms} ms`,
      evidence: [...rangeRefs(flow.first, flow.last), { source: 'fetch.clients', observed: pickFetch(flow) }],
      remedy: remedies.pollStorm,
    })
  }
  return out
}

function notLeaderLoops(report: TrafficReport): Finding[] {
  const t = notLeaderThresholds
  const out: Finding[] = []
  for (const row of report.clientErrors) {
    if (row.topic === undefined || row.partition === undefined) continue
    const count = sumCodes(row, leadershipErrors)
    if (count < t.minErrors || row.lastT - row.firstT < t.minSpanS) continue
    const leaders = report.metadata.partitions.find(
      (p) => p.topic === row.topic && p.partition === row.partition,
    )
    // Metadata answers during the loop (from a little before its first error) naming this broker.
    const naming = (leaders?.leaders ?? []).filter(
      (l) =>
        l.lastT >= row.firstT - 5 &&
        l.t <= row.lastT &&
        row.brokerId !== undefined &&
        l.leader === row.brokerId,
    )
    const confirming = naming.reduce((sum, l) => sum + l.answers, 0)
    const confirmed = confirming >= t.confirmingAnswers
    const hint = report.fetch.partitions.find(
      (p) => p.topic === row.topic && p.partition === row.partition,
    )?.currentLeaderHint
    const codes = Object.entries(row.codes)
      .filter(([name]) => leadershipErrors.includes(name))
      .map(([name, n]) => `${n}× ${name}`)
      .join(', ')
    const span = row.lastT - row.firstT
    let summary =
      `${row.topic}-${row.partition}: broker ${brokerLabel(row.broker, row.brokerId)} answered ${row.api} from client ` +
      `${label(row.clientId, row.clientAddress)} with ${codes} over ${round(span)} s (t=${row.firstT}…${row.lastT} s, ` +
      `${round(count / Math.max(span, 0.001))}/s)`
    summary += confirmed
      ? `, while ${confirming} Metadata answers kept naming broker ${row.brokerId} as the leader`
      : row.brokerId === undefined
        ? '; no Metadata answer in the capture names this broker, so whether the client was told to go there is unknown'
        : '; the Metadata answers in the capture did not name this broker as the leader at the time'
    if (hint && hint.leaderId !== row.brokerId)
      summary += `; the broker itself pointed at leader ${hint.leaderId} (epoch ${hint.leaderEpoch}, KIP-951)`
    const evidence: EvidenceRef[] = [
      ...rangeRefs(row.first, row.last),
      { source: 'clientErrors', observed: { codes: row.codes, count, api: row.api } },
    ]
    if (naming.length > 0) evidence.push({ source: 'metadata.partitions', observed: naming.slice(0, 5) })
    out.push({
      id: 'traffic.not-leader-loop',
      verdict: 'issue',
      severity: confirmed ? 'critical' : 'warning',
      confidence: confirmed ? 0.9 : 0.6,
      subject: {
        topic: row.topic,
        partition: row.partition,
        client: row.clientId,
        ...brokerSubject(row.brokerId),
      },
      summary,
      evidence,
      remedy: remedies.notLeader,
    })
  }
  return out
}

function offsetOutOfRangeLoops(report: TrafficReport): Finding[] {
  return report.clientErrors
    .filter((row) => (row.codes.OFFSET_OUT_OF_RANGE ?? 0) >= offsetOutOfRangeThresholds.minErrors)
    .map(
      (row): Finding => ({
        id: 'traffic.offset-out-of-range-loop',
        verdict: 'issue' as const,
        severity: 'warning' as const,
        confidence: 0.8,
        subject: {
          ...(row.topic === undefined ? {} : { topic: row.topic }),
          ...(row.partition === undefined ? {} : { partition: row.partition }),
          client: row.clientId,
          ...brokerSubject(row.brokerId),
        },
        summary:
          `${row.topic}-${row.partition}: client ${label(row.clientId, row.clientAddress)} got OFFSET_OUT_OF_RANGE ` +
          `${row.codes.OFFSET_OUT_OF_RANGE}× from broker ${brokerLabel(row.broker, row.brokerId)} (${row.api}, t=${row.firstT}…${row.lastT} s)`,
        evidence: rangeRefs(row.first, row.last),
        remedy: remedies.offsetOutOfRange,
      }),
    )
}

function coordinatorLoops(report: TrafficReport): Finding[] {
  const byClientGroup = new Map<string, { rows: ClientErrorReport[]; count: number }>()
  for (const row of report.clientErrors) {
    const count = sumCodes(row, coordinatorErrors)
    if (count === 0) continue
    const key = `${row.clientId}\u0000${row.clientAddress}\u0000${row.group ?? ''}`
    const entry = byClientGroup.get(key) ?? { rows: [], count: 0 }
    entry.rows.push(row)
    entry.count += count
    byClientGroup.set(key, entry)
  }
  const out: Finding[] = []
  for (const { rows, count } of byClientGroup.values()) {
    if (count < coordinatorThresholds.minErrors) continue
    const first = rows.reduce((a, b) => (b.firstT < a.firstT ? b : a))
    const last = rows.reduce((a, b) => (b.lastT > a.lastT ? b : a))
    const codes: Record<string, number> = {}
    for (const row of rows)
      for (const [name, n] of Object.entries(row.codes))
        if (coordinatorErrors.includes(name)) codes[name] = (codes[name] ?? 0) + n
    const group = first.group
    out.push({
      id: 'traffic.coordinator-error-loop',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.8,
      subject: { client: first.clientId, ...(group ? { group } : {}) },
      summary:
        `client ${label(first.clientId, first.clientAddress)}${group ? ` (group ${group})` : ''} got ` +
        `${Object.entries(codes)
          .map(([name, n]) => `${n}× ${name}`)
          .join(
            ', ',
          )} from ${[...new Set(rows.map((r) => r.broker))].join(', ')} (t=${first.firstT}…${last.lastT} s)`,
      evidence: rangeRefs(first.first, last.last),
      remedy: remedies.coordinator,
    })
  }
  return out
}

function rebalanceChurn(report: TrafficReport): Finding[] {
  const t = rebalanceThresholds
  const out: Finding[] = []
  for (const group of report.groups) {
    const errors = rebalanceErrors.reduce((sum, name) => sum + (group.errors[name] ?? 0), 0)
    if (group.generations.length < t.minGenerations && errors < t.minErrors) continue
    const gens = group.generations
    out.push({
      id: 'traffic.rebalance-churn',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.7,
      subject: { group: group.group },
      summary:
        `group ${group.group}: ${group.joinGroups} JoinGroup, ${group.syncGroups} SyncGroup in ` +
        `${round(group.lastT - group.firstT)} s; generations ${gens[0]}…${gens.at(-1)} (${gens.length} seen)` +
        (errors > 0
          ? `; ${rebalanceErrors
              .filter((n) => group.errors[n])
              .map((n) => `${group.errors[n]}× ${n}`)
              .join(', ')}`
          : ''),
      evidence: [
        { source: 'groups', at: group.group, observed: { generations: gens, errors: group.errors } },
      ],
      remedy: remedies.rebalance,
    })
  }
  return out
}

function throttling(report: TrafficReport): Finding[] {
  const out: Finding[] = []
  for (const flow of report.flows) {
    if (flow.throttledResponses === 0) continue
    const share = flow.throttledResponses / Math.max(1, flow.responses)
    const severity: Severity =
      share >= throttleThresholds.warnRatio || flow.maxThrottleMs >= throttleThresholds.warnMaxMs
        ? 'warning'
        : 'info'
    out.push({
      id: 'traffic.throttled',
      verdict: 'issue',
      severity,
      confidence: 0.9,
      subject: { client: flow.clientId, ...brokerSubject(flow.brokerId) },
      summary:
        `broker ${brokerLabel(flow.broker, flow.brokerId)} throttled ${flow.throttledResponses} of ${flow.responses} ` +
        `${flow.api} answers to client ${label(flow.clientId, flow.clientAddress)} (up to ${flow.maxThrottleMs} ms)`,
      evidence: [
        {
          source: 'flows',
          observed: { api: flow.api, throttled: flow.throttledResponses, maxMs: flow.maxThrottleMs },
        },
      ],
      remedy: remedies.throttle,
    })
  }
  return out
}

function spinningFetchSettings(report: TrafficReport): Finding[] {
  const seen = new Set<string>()
  const out: Finding[] = []
  for (const flow of report.fetch.clients) {
    const s = flow.settings
    if (s?.maxWaitMs !== 0 || s.minBytes > 1) continue
    const key = `${flow.clientId}\u0000${flow.clientAddress}`
    if (seen.has(key)) continue
    seen.add(key)
    const flows = report.fetch.clients.filter(
      (f) => f.clientId === flow.clientId && f.clientAddress === flow.clientAddress,
    )
    const rate = flows.reduce((sum, f) => sum + f.ratePerS, 0)
    out.push({
      id: 'traffic.fetch-settings-spin',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.9,
      subject: { client: flow.clientId },
      summary:
        `client ${label(flow.clientId, flow.clientAddress)} fetches with max_wait_ms=0 and min_bytes=${s.minBytes}: ` +
        `every fetch returns at once (${round(rate)} fetches/s over ${flows.length} broker(s), ${pct(flow.idleRatio)} empty or errored)`,
      evidence: [...rangeRefs(flow.first, flow.last), { source: 'fetch.clients', observed: pickFetch(flow) }],
      remedy: remedies.fetchSettings,
    })
  }
  return out
}

function oldClients(report: TrafficReport, findings: readonly Finding[]): Finding[] {
  const out: Finding[] = []
  for (const client of report.clients) {
    const software = client.software
    if (!software || !/java/i.test(software.name)) continue
    const version = parseVersion(software.version)
    if (!version || compareVersion(version, [3, 7, 0]) >= 0) continue
    const looping = findings.some(
      (f) =>
        f.subject.client === client.clientId &&
        (f.id === 'traffic.not-leader-loop' ||
          f.id === 'traffic.poll-storm' ||
          f.id === 'traffic.rebalance-churn'),
    )
    const known = [
      'before 3.7 it keeps fetching from a stale leader without backoff (KAFKA-15615; fixed by KIP-580/KIP-951 in 3.7)',
    ]
    if (compareVersion(version, [2, 5, 0]) === 0)
      known.push('2.5.0 polls with a zero timeout during rebalances (KAFKA-10134, fixed in 2.5.1/2.6.1)')
    out.push({
      id: 'traffic.old-client',
      verdict: 'issue',
      severity: looping ? 'warning' : 'info',
      confidence: looping ? 0.8 : 0.5,
      subject: { client: client.clientId },
      summary: `client ${label(client.clientId, client.clientAddress)} runs ${software.name} ${software.version}: ${known.join('; ')}`,
      evidence: [{ source: 'clients', observed: software }],
      remedy: remedies.oldClient,
    })
  }
  return out
}

// ---- helpers -------------------------------------------------------------------------------------

function sumCodes(row: ClientErrorReport, names: readonly string[]): number {
  let sum = 0
  for (const name of names) sum += row.codes[name] ?? 0
  return sum
}

function rangeRefs(first: FrameRef | undefined, last: FrameRef | undefined): EvidenceRef[] {
  const refs: EvidenceRef[] = []
  if (first) refs.push({ source: first.file, at: `offset ${first.fileOffset} (t=${first.t} s)` })
  if (last && last !== first)
    refs.push({ source: last.file, at: `offset ${last.fileOffset} (t=${last.t} s)` })
  return refs
}

function pickFetch(flow: FetchClientReport) {
  return {
    fetches: flow.fetches,
    ratePerS: flow.ratePerS,
    emptyRatio: flow.emptyRatio,
    erroredRatio: flow.erroredRatio,
    settings: flow.settings,
    latency: flow.latency,
    partitions: flow.partitions.slice(0, 10),
  }
}

function brokerSubject(brokerId: number | undefined): { broker?: number } {
  return brokerId === undefined ? {} : { broker: brokerId }
}

function label(clientId: string, address: string): string {
  return `${clientId || '(no client id)'}@${address}`
}

function brokerLabel(address: string, id: number | undefined): string {
  return id === undefined ? address : `${id} (${address})`
}

function pct(ratio: number): string {
  return `${Math.round(ratio * 100)}%`
}

function round(n: number): number {
  return Math.round(n * 10) / 10
}

function parseVersion(text: string): number[] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  if (!match) return undefined
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]
}

function compareVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
