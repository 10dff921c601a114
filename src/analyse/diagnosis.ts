import type { Bundle } from '../collect/bundle/bundle.js'
import { sourceNames } from '../collect/bundle/manifest.js'
import { compareSeverity, ExitCode, exitCodeForSeverity, type Severity, worstSeverity } from '../outcome.js'
import { decide, type RootCauseKind, type Signals, signalsOf } from './decision-table.js'
import type { EvidenceRef, Finding, FindingSubject, Verdict } from './finding.js'
import { type Evidence, gatherEvidence } from './rules/evidence.js'
import { runRules } from './rules/index.js'
import { renderRemedy } from './rules/remedy.js'
import { bootstrapOf, groupOf, threadLabel } from './rules/rule-support.js'
import type { RuleFacts, RuleFinding, RuleId } from './rules/rule-types.js'

/**
 * From an evidence bundle to the diagnosis: the rules' findings, the decision table's root cause
 * with the chain of evidence that supports it (hot thread → fetch storm → NOT_LEADER from broker N
 * → Metadata naming N → brokers disagreeing → negative lag), the remedies, the findings ranked, and
 * the exit code. Pure: `analyze` on a bundle gives exactly what `diagnose` gave when it wrote it.
 */
export const findingsSchema = 'kafka-doctor/findings@1'

export type ChainStatus = 'seen' | 'not-seen' | 'no-data'

export interface ChainStep {
  rule: RuleId
  /** What this link of the chain is, e.g. `hot thread`, `NOT_LEADER from broker 2`. */
  label: string
  status: ChainStatus
  text: string
  evidence: EvidenceRef[]
}

export interface RootCause {
  kind: RootCauseKind
  title: string
  summary: string
  verdict: Verdict
  severity: Severity
  confidence: number
  subject: FindingSubject
  chain: ChainStep[]
  /** The rules whose findings make this root cause (they rank first). */
  rules: RuleId[]
  remedies: { title: string; markdown: string }[]
}

export interface Diagnosis {
  schema: typeof findingsSchema
  verdict: Verdict
  severity: Severity
  exitCode: ExitCode
  signals: Signals
  decision: { kind: RootCauseKind; row: number }
  rootCause: RootCause
  /** Every rule finding: the root cause's first, then issues by severity and confidence, then ok, then no data. */
  findings: RuleFinding[]
  /** The findings the sources' own analyses made (cluster.*, lag.*, traffic.*), which rules wrap. */
  sourceFindings: Finding[]
  /** What could not be checked and why, one line each. */
  notChecked: string[]
}

export function diagnoseBundle(bundle: Bundle): Diagnosis {
  const evidence = gatherEvidence(bundle)
  const findings = runRules(evidence)
  const signals = signalsOf(findings)
  const decision = decide(signals)
  const rootCause = buildRootCause(decision.kind, findings, evidence)
  const ranked = rank(findings, rootCause.rules)
  const issues = ranked.filter((f) => f.verdict === 'issue')
  const severity = worstSeverity([...issues, rootCause])
  const nothingCollected = sourceNames.every((s) => !bundle.availability[s].usable)
  return {
    schema: findingsSchema,
    verdict: rootCause.verdict,
    severity,
    exitCode: nothingCollected ? ExitCode.UNKNOWN : exitCodeForSeverity(severity),
    signals,
    decision,
    rootCause,
    findings: ranked,
    sourceFindings: evidence.sourceFindings,
    notChecked: findings.filter((f) => f.verdict === 'insufficient-data').map((f) => `${f.id}: ${f.summary}`),
  }
}

const verdictRank: Record<Verdict, number> = { issue: 0, ok: 1, 'insufficient-data': 2 }

function rank(findings: readonly RuleFinding[], first: readonly RuleId[]): RuleFinding[] {
  const position = (f: RuleFinding) => {
    const index = first.indexOf(f.id)
    return index >= 0 && f.verdict === 'issue' ? index : first.length
  }
  return [...findings].sort(
    (a, b) =>
      position(a) - position(b) ||
      verdictRank[a.verdict] - verdictRank[b.verdict] ||
      compareSeverity(b.severity, a.severity) ||
      b.confidence - a.confidence,
  )
}

// ---- root causes ---------------------------------------------------------------------------------

interface Lookup {
  evidence: Evidence
  findings: readonly RuleFinding[]
  /** The strongest issue finding of a rule. */
  issue<R extends RuleId>(id: R): RuleFinding<R> | undefined
  facts<R extends RuleId>(id: R): RuleFacts[R] | undefined
  status(id: RuleId): ChainStatus
}

function lookup(findings: readonly RuleFinding[], evidence: Evidence): Lookup {
  const issue = <R extends RuleId>(id: R) =>
    findings
      .filter((f): f is RuleFinding<R> => f.id === id && f.verdict === 'issue')
      .sort((a, b) => compareSeverity(b.severity, a.severity) || b.confidence - a.confidence)[0]
  return {
    evidence,
    findings,
    issue,
    facts: (id) => issue(id)?.facts,
    status(id) {
      if (issue(id)) return 'seen'
      return findings.some((f) => f.id === id && f.verdict === 'ok') ? 'not-seen' : 'no-data'
    },
  }
}

function buildRootCause(
  kind: RootCauseKind,
  findings: readonly RuleFinding[],
  evidence: Evidence,
): RootCause {
  const l = lookup(findings, evidence)
  switch (kind) {
    case 'stale-leadership':
      return staleLeadership(l)
    case 'leadership-error-loop':
      return leadershipLoop(l)
    case 'leader-offline':
      return leaderOffline(l)
    case 'healthy':
      return healthy(l)
    case 'insufficient-data':
      return noData(l)
    default:
      return single(kind, l)
  }
}

/** The rule each single-cause kind rests on. */
const ruleOfKind: Partial<Record<RootCauseKind, RuleId>> = {
  'broker-metadata-divergence': 'doctor.metadata-divergence',
  'consumer-config-spin': 'doctor.fetch-settings',
  'offset-reset-loop': 'doctor.offset-reset-loop',
  'coordinator-error-loop': 'doctor.coordinator-errors',
  'rebalance-storm': 'doctor.rebalance-storm',
  'consumer-poll-loop': 'doctor.poll-spin',
  'spin-undetermined': 'doctor.poll-spin',
  'not-kafka': 'doctor.not-kafka',
  replication: 'doctor.replication',
  'lag-anomaly': 'doctor.negative-lag',
}

const titleOfKind: Record<RootCauseKind, string> = {
  'stale-leadership': 'Stale leadership',
  'leadership-error-loop': 'Leadership-error loop',
  'leader-offline': 'Partition leader offline',
  'broker-metadata-divergence': 'Brokers disagree about leadership',
  'consumer-config-spin': 'Consumer configuration makes it spin',
  'offset-reset-loop': 'Offset-out-of-range reset loop',
  'coordinator-error-loop': 'Group coordinator error loop',
  'rebalance-storm': 'Rebalance storm',
  'consumer-poll-loop': 'The application polls in a tight loop',
  'spin-undetermined': 'The consumer spins in poll (cause not determined)',
  'not-kafka': 'Not a Kafka problem',
  replication: 'Replication is behind',
  'lag-anomaly': 'Negative lag',
  healthy: 'No problem found',
  'insufficient-data': 'Not enough evidence',
}

function spinStep(l: Lookup): ChainStep[] {
  const spin = l.issue('doctor.poll-spin')
  const facts = spin?.facts
  const steps: ChainStep[] = []
  if (facts?.thread) {
    steps.push({
      rule: 'doctor.poll-spin',
      label: 'hot thread',
      status: 'seen',
      text: `thread ${threadLabel(facts.thread)} uses ${facts.thread.cpuPercent}% of a core in the Kafka client's poll loop${kafkaPath(facts.thread.frames)}`,
      evidence: spin?.evidence.filter((e) => e.source.startsWith('threads')) ?? [],
    })
  } else {
    steps.push({
      rule: 'doctor.poll-spin',
      label: 'hot thread',
      status: l.evidence.threads ? 'not-seen' : 'no-data',
      text: l.evidence.threads
        ? 'no thread spins in the Kafka client'
        : 'no thread samples (no --pid, or the JVM could not be sampled)',
      evidence: [],
    })
  }
  if (facts?.fetch) {
    const f = facts.fetch
    steps.push({
      rule: 'doctor.poll-spin',
      label: 'fetch storm',
      status: 'seen',
      text: `client ${f.client} fetches ${rate(f.ratePerS)}/s${f.broker !== undefined ? ` from broker ${f.broker}` : ''}${f.allowedPerS !== undefined ? `, ${Math.round(f.ratePerS / Math.max(f.allowedPerS, 0.001))}× what fetch.max.wait.ms=${f.maxWaitMs} allows` : ''}; ${Math.round(f.idleRatio * 100)}% of the answers empty or errored`,
      evidence: spin?.evidence.filter((e) => e.source.startsWith('capture')) ?? [],
    })
  }
  return steps
}

function notLeaderSteps(l: Lookup): ChainStep[] {
  const loop = l.issue('doctor.not-leader-loop')
  const f = loop?.facts
  if (!loop || !f) return []
  const codes = Object.entries(f.codes)
    .map(([name, n]) => `${n}× ${name}`)
    .join(', ')
  return [
    {
      rule: 'doctor.not-leader-loop',
      label: `NOT_LEADER from broker ${f.broker ?? '?'}`,
      status: 'seen',
      text: `broker ${f.broker ?? '?'} answers fetches of ${f.topic}-${f.partition} with ${codes} (${rate(f.ratePerS)}/s over ${f.spanS} s)`,
      evidence: loop.evidence.filter((e) => !(e.at ?? '').startsWith('/metadata')),
    },
    {
      rule: 'doctor.not-leader-loop',
      label: `Metadata naming broker ${f.broker ?? '?'}`,
      status: f.metadataNamingBroker > 0 ? 'seen' : 'not-seen',
      text:
        f.metadataNamingBroker > 0
          ? `${f.metadataNamingBroker} Metadata answers during the loop still name broker ${f.broker} as the leader, so the client goes back to it`
          : `no Metadata answer in the capture names broker ${f.broker ?? '?'}: the client's own cache may be stale`,
      evidence: loop.evidence.filter((e) => (e.at ?? '').startsWith('/metadata')),
    },
  ]
}

function divergenceStep(l: Lookup, topic?: string, partition?: number): ChainStep {
  const all = l.findings.filter(
    (f): f is RuleFinding<'doctor.metadata-divergence'> =>
      f.id === 'doctor.metadata-divergence' && f.verdict === 'issue',
  )
  const match = all.find((f) => f.facts?.topic === topic && f.facts?.partition === partition) ?? all[0]
  const d = match?.facts
  if (!match || !d) {
    return {
      rule: 'doctor.metadata-divergence',
      label: 'brokers disagree',
      status: l.status('doctor.metadata-divergence'),
      text:
        l.status('doctor.metadata-divergence') === 'no-data'
          ? 'the brokers could not be asked for their own metadata'
          : 'every broker reports the same leader and epoch',
      evidence: [],
    }
  }
  return {
    rule: 'doctor.metadata-divergence',
    label: 'brokers disagree',
    status: 'seen',
    text: `broker ${d.broker} says ${d.topic}-${d.partition} is led by ${d.claimedLeader} at epoch ${d.claimedEpoch}; brokers ${d.agreeing.join(', ')} say ${d.agreedLeader} at epoch ${d.agreedEpoch}${d.persistent ? ' (persistent)' : ''}`,
    evidence: match.evidence,
  }
}

function negativeStep(l: Lookup, topic?: string, partition?: number): ChainStep {
  const all = l.findings.filter(
    (f): f is RuleFinding<'doctor.negative-lag'> => f.id === 'doctor.negative-lag' && f.verdict === 'issue',
  )
  const match = all.find((f) => f.facts?.topic === topic && f.facts?.partition === partition) ?? all[0]
  const n = match?.facts
  if (!match || !n) {
    return {
      rule: 'doctor.negative-lag',
      label: 'negative lag',
      status: l.status('doctor.negative-lag'),
      text:
        l.status('doctor.negative-lag') === 'no-data'
          ? 'lag could not be sampled'
          : 'no committed offset above a high watermark',
      evidence: [],
    }
  }
  return {
    rule: 'doctor.negative-lag',
    label: 'negative lag',
    status: 'seen',
    text: match.summary,
    evidence: match.evidence,
  }
}

function clientStep(l: Lookup): { steps: ChainStep[]; remedies: RootCause['remedies'] } {
  const old = l.issue('doctor.old-client')
  if (!old?.facts || old.severity === 'info') return { steps: [], remedies: [] }
  return {
    steps: [
      {
        rule: 'doctor.old-client',
        label: 'old client',
        status: 'seen',
        text: old.summary,
        evidence: old.evidence,
      },
    ],
    remedies: old.remedy ? [{ title: 'Client', markdown: old.remedy }] : [],
  }
}

function confidenceFrom(base: number, steps: readonly ChainStep[]): number {
  const seen = steps.filter((s) => s.status === 'seen').length
  return Math.round(Math.min(0.98, base + 0.08 * seen) * 100) / 100
}

function staleLeadership(l: Lookup): RootCause {
  const loop = l.facts('doctor.not-leader-loop')
  const div = l.facts('doctor.metadata-divergence')
  const neg = l.facts('doctor.negative-lag')
  const topic = loop?.topic ?? div?.topic ?? neg?.topic ?? '?'
  const partition = loop?.partition ?? div?.partition ?? neg?.partition ?? 0
  const broker = loop?.broker ?? div?.broker ?? neg?.broker
  const client = clientStep(l)
  const chain = [
    ...spinStep(l),
    ...notLeaderSteps(l),
    divergenceStep(l, topic, partition),
    negativeStep(l, topic, partition),
    ...client.steps,
  ]
  const parts = [
    `Broker ${broker ?? '?'} still acts as the leader of ${topic}-${partition}${div ? ` (epoch ${div.claimedEpoch}) while the controller gave it to broker ${div.agreedLeader} (epoch ${div.agreedEpoch})` : ''}.`,
    `The consumer fetches ${topic}-${partition} from broker ${broker ?? '?'}, which answers NOT_LEADER_OR_FOLLOWER at once; Metadata keeps naming broker ${broker ?? '?'}, so the consumer asks it again: a spin.`,
  ]
  if (neg)
    parts.push(
      `Lag reads negative (${neg.lag}) wherever the high watermark comes from broker ${neg.broker ?? broker ?? '?'}: its HW ${neg.highWatermark} is stale, below the committed ${neg.committed}.`,
    )
  const values = remedyValues(l, { topic, partition, broker: broker ?? '<stale broker>' })
  return {
    kind: 'stale-leadership',
    title: `Stale leadership on broker ${broker ?? '?'} for ${topic}-${partition}`,
    summary: parts.join(' '),
    verdict: 'issue',
    severity: 'critical',
    confidence: confidenceFrom(0.5, chain),
    subject: { topic, partition, ...(broker !== undefined ? { broker } : {}) },
    chain,
    rules: [
      'doctor.not-leader-loop',
      'doctor.metadata-divergence',
      'doctor.negative-lag',
      'doctor.poll-spin',
      'doctor.old-client',
    ],
    remedies: [
      { title: 'Production', markdown: renderRemedy('stale-leadership-production', values) },
      { title: 'Test environment', markdown: renderRemedy('stale-leadership-test', values) },
      ...client.remedies,
    ],
  }
}

function leadershipLoop(l: Lookup): RootCause {
  const loop = l.issue('doctor.not-leader-loop')
  const f = loop?.facts
  const client = clientStep(l)
  const chain = [
    ...spinStep(l),
    ...notLeaderSteps(l),
    divergenceStep(l, f?.topic, f?.partition),
    ...client.steps,
  ]
  return {
    kind: 'leadership-error-loop',
    title: `Leadership-error loop on ${f?.topic ?? '?'}-${f?.partition ?? '?'} from broker ${f?.broker ?? '?'}`,
    summary: `${loop?.summary ?? ''}. ${
      l.status('doctor.metadata-divergence') === 'no-data'
        ? 'The brokers could not be compared, so whether one of them holds stale leadership is open.'
        : 'The brokers agree with each other, so the stale view is the client’s own metadata cache or the refusing broker’s state.'
    }`,
    verdict: 'issue',
    severity: loop?.severity ?? 'warning',
    confidence: confidenceFrom(0.45, chain),
    subject: loop?.subject ?? {},
    chain,
    rules: ['doctor.not-leader-loop', 'doctor.poll-spin', 'doctor.old-client'],
    remedies: [...(loop?.remedy ? [{ title: 'Remedy', markdown: loop.remedy }] : []), ...client.remedies],
  }
}

/**
 * A partition without a leader because its brokers are down: broker down → partition leaderless →
 * the consumer asking for metadata again and again → nothing consumed; a hot poll thread and an old
 * client join the chain when seen.
 */
function leaderOffline(l: Lookup): RootCause {
  const main = l.issue('doctor.leader-offline')
  const f = main?.facts
  const topic = f?.topic ?? '?'
  const names = (f?.partitions ?? []).map((p) => `${topic}-${p}`).join(', ') || topic
  const down = f?.downBrokers ?? []
  const cluster = (main?.evidence ?? []).filter((e) => e.source.startsWith('cluster'))
  const capture = (main?.evidence ?? []).filter((e) => e.source.startsWith('capture'))
  const lag = (main?.evidence ?? []).filter((e) => e.source.startsWith('lag'))
  const retries = f?.clientRetries
  const chain: ChainStep[] = [
    {
      rule: 'doctor.leader-offline',
      label: down.length > 0 ? `broker ${down.map((b) => b.id).join(', ')} down` : 'replica brokers down',
      status: down.length > 0 ? 'seen' : l.evidence.cluster ? 'not-seen' : 'no-data',
      text:
        down.length > 0
          ? down
              .map(
                (b) =>
                  `broker ${b.id}${b.address ? ` (${b.address})` : ''} ${b.registered ? 'is registered but does not answer' : 'is not registered with the controller'}`,
              )
              .join('; ')
          : l.evidence.cluster
            ? 'every replica broker is registered and answers'
            : 'the brokers could not be asked',
      evidence: cluster.filter((e) => (e.at ?? '').endsWith('/brokers')),
    },
    {
      rule: 'doctor.leader-offline',
      label: 'no leader',
      status: main ? 'seen' : 'no-data',
      text: `${names} ${(f?.partitions.length ?? 0) > 1 ? 'have' : 'has'} no leader${f && f.replicas.length > 0 ? `; replicas only on broker${f.replicas.length === 1 ? '' : 's'} ${f.replicas.join(', ')}` : ''} (seen in ${f?.seenIn.join(', ') ?? '?'})`,
      evidence: cluster.some((e) => (e.at ?? '').includes('/partitions/'))
        ? cluster.filter((e) => (e.at ?? '').includes('/partitions/'))
        : capture.filter((e) => (e.at ?? '').startsWith('/metadata')),
    },
    {
      rule: 'doctor.leader-offline',
      label: 'client retries',
      status: retries ? 'seen' : l.evidence.traffic ? 'not-seen' : 'no-data',
      text: retries
        ? `client ${retries.clients.join(', ')} got ${retries.errors}× LEADER_NOT_AVAILABLE in Metadata answers over ${retries.spanS} s (${retries.ratePerS}/s): it refreshes metadata and reconnects until a leader is back`
        : l.evidence.traffic
          ? 'no client asked for the partition in the capture'
          : 'no capture',
      evidence: capture.filter((e) => (e.at ?? '').startsWith('/clientErrors')),
    },
    {
      rule: 'doctor.leader-offline',
      label: 'not consumed',
      status: f?.lagFinding ? 'seen' : l.evidence.lag ? 'not-seen' : 'no-data',
      text:
        f?.lagFinding ??
        (l.evidence.lag ? 'the lag samples show no leaderless partition of the group' : 'no lag samples'),
      evidence: lag,
    },
  ]
  if (l.issue('doctor.poll-spin')) chain.unshift(...spinStep(l))
  const client = clientStep(l)
  chain.push(...client.steps)
  return {
    kind: 'leader-offline',
    title: main
      ? `${titleOfKind['leader-offline']}: ${names}${down.length > 0 ? `, broker ${down.map((b) => b.id).join(', ')} down` : ''}`
      : titleOfKind['leader-offline'],
    summary: main?.summary ?? '',
    verdict: 'issue',
    severity: main?.severity ?? 'critical',
    confidence: main?.confidence ?? 0.5,
    subject: main?.subject ?? {},
    chain,
    rules: ['doctor.leader-offline', 'doctor.replication', 'doctor.poll-spin', 'doctor.old-client'],
    remedies: [...(main?.remedy ? [{ title: 'Remedy', markdown: main.remedy }] : []), ...client.remedies],
  }
}

/** A root cause that rests on one rule's strongest finding. */
function single(kind: RootCauseKind, l: Lookup): RootCause {
  const rule = ruleOfKind[kind] as RuleId
  const main = l.issue(rule)
  const chain: ChainStep[] = []
  if (rule !== 'doctor.poll-spin' && l.issue('doctor.poll-spin')) chain.push(...spinStep(l))
  chain.push({
    rule,
    label: titleOfKind[kind].toLowerCase(),
    status: main ? 'seen' : 'no-data',
    text: main?.summary ?? '',
    evidence: main?.evidence ?? [],
  })
  if (kind === 'spin-undetermined' || kind === 'consumer-poll-loop')
    chain.splice(0, chain.length, ...spinStep(l))
  // A commit beyond the log makes the consumer's fetches go out of range: the loop is its consequence.
  const consequence = kind === 'lag-anomaly' ? l.issue('doctor.offset-reset-loop') : undefined
  if (consequence)
    chain.push({
      rule: 'doctor.offset-reset-loop',
      label: 'offset out of range',
      status: 'seen',
      text: consequence.summary,
      evidence: consequence.evidence,
    })
  const client = clientStep(l)
  chain.push(...client.steps)
  let summary = main?.summary ?? ''
  if (kind === 'consumer-poll-loop')
    summary = `${summary}. The capture shows no broker errors and fetch settings that make brokers wait: the application itself calls poll() in a tight loop (poll(Duration.ZERO), or a very short timeout).`
  if (kind === 'spin-undetermined')
    summary = `${summary}. Why it spins needs the traffic: run again with --capture (root or CAP_NET_RAW).`
  return {
    kind,
    title: main ? `${titleOfKind[kind]}: ${subjectText(main.subject)}`.replace(/: $/, '') : titleOfKind[kind],
    summary,
    verdict: 'issue',
    severity: main?.severity ?? 'warning',
    confidence: main?.confidence ?? 0.5,
    subject: main?.subject ?? {},
    chain,
    rules: [
      rule,
      ...(consequence ? (['doctor.offset-reset-loop'] as RuleId[]) : []),
      ...(rule === 'doctor.poll-spin' ? [] : (['doctor.poll-spin'] as RuleId[])),
      'doctor.old-client',
    ],
    remedies: [...(main?.remedy ? [{ title: 'Remedy', markdown: main.remedy }] : []), ...client.remedies],
  }
}

function healthy(l: Lookup): RootCause {
  const checked = new Set(l.findings.filter((f) => f.verdict === 'ok').map((f) => f.id))
  const unchecked = new Set(
    l.findings.filter((f) => f.verdict === 'insufficient-data' && !checked.has(f.id)).map((f) => f.id),
  )
  return {
    kind: 'healthy',
    title: titleOfKind.healthy,
    summary: `${checked.size} rule(s) looked and found nothing wrong${unchecked.size > 0 ? `; not checked for lack of evidence: ${[...unchecked].join(', ')}` : ''}.`,
    verdict: 'ok',
    severity: 'info',
    confidence: unchecked.size === 0 ? 0.9 : 0.6,
    subject: {},
    chain: [],
    rules: [],
    remedies: [],
  }
}

function noData(l: Lookup): RootCause {
  const missing = sourceNames
    .filter((s) => !l.evidence.bundle.availability[s].usable)
    .map((s) => {
      const a = l.evidence.bundle.availability[s]
      return `${s} (${a.status}${a.reason ? `: ${a.reason}` : ''})`
    })
  return {
    kind: 'insufficient-data',
    title: titleOfKind['insufficient-data'],
    summary: `No rule could look: ${missing.join('; ')}.`,
    verdict: 'insufficient-data',
    severity: 'info',
    confidence: 0,
    subject: {},
    chain: [],
    rules: [],
    remedies: [],
  }
}

/** `: KafkaConsumer.poll → NetworkClient.poll → Selector.select`, outermost Kafka frame first. */
function kafkaPath(frames: readonly string[]): string {
  const kafka = frames
    .filter((f) => f.startsWith('org.apache.kafka.'))
    .map((f) => f.split('.').slice(-2).join('.'))
  const path: string[] = []
  for (const f of kafka.reverse()) if (path[path.length - 1] !== f) path.push(f)
  if (path.length === 0) return ''
  const shown = path.length > 4 ? [...path.slice(0, 2), '…', ...path.slice(-2)] : path
  return ` (${shown.join(' → ')})`
}

function rate(perS: number): string {
  return perS >= 100 ? String(Math.round(perS)) : String(Math.round(perS * 10) / 10)
}

function subjectText(subject: FindingSubject): string {
  const parts: string[] = []
  if (subject.topic !== undefined)
    parts.push(subject.partition !== undefined ? `${subject.topic}-${subject.partition}` : subject.topic)
  if (subject.broker !== undefined) parts.push(`broker ${subject.broker}`)
  if (subject.group !== undefined) parts.push(`group ${subject.group}`)
  if (subject.client !== undefined) parts.push(`client ${subject.client}`)
  if (subject.thread !== undefined) parts.push(`thread ${subject.thread}`)
  return parts.join(', ')
}

function remedyValues(
  l: Lookup,
  values: { topic: string; partition: number; broker: number | string },
): Record<string, string | number> {
  const layout = topicLayout(l.evidence, values.topic)
  return {
    ...values,
    bootstrap: bootstrapOf(l.evidence),
    group: groupOf(l.evidence, l.facts('doctor.negative-lag')?.group),
    partitions: layout?.partitions ?? '<partitions>',
    replicationFactor: layout?.replicationFactor ?? '<replication factor>',
  }
}

/** A topic's partition count and replication factor, when the evidence holds them. */
export function topicLayout(
  evidence: Evidence,
  topic: string,
): { partitions: number; replicationFactor: number } | undefined {
  const t = evidence.cluster?.latest.analysis.topics.find((each) => each.name === topic)
  return t ? { partitions: t.partitions, replicationFactor: t.replicationFactor } : undefined
}

/** Severity of a finding list's worst issue, for callers that need it without a full diagnosis. */
export function worstIssue(findings: readonly Finding[]): Severity {
  return worstSeverity(findings.filter((f) => f.verdict === 'issue'))
}
