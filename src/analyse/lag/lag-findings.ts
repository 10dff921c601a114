import type { LagSnapshot } from '../../collect/lag/lag-snapshot.js'
import type { Severity } from '../../outcome.js'
import type { EvidenceRef, Finding } from '../finding.js'
import type { LagGroupReport, LagReportRow } from './analyse-lag.js'
import type { BurrowStatus } from './burrow-evaluator.js'
import { type PartitionWindowResult, windowKey } from './evaluate-samples.js'
import { negativeLagFindings } from './negative-lag.js'

/**
 * Every finding a lag run produces, from the last snapshot and (under --watch) the windows. Ids:
 *
 * - `lag.negative.*`          committed above the HW, explained (negative-lag.ts);
 * - `lag.status.<status>`     a Burrow status over the watch window (warn, stop, stall, rewind, negative);
 * - `lag.below-log-start`     committed below the log start ("phantom lag" after retention/deletion);
 * - `lag.offset-not-available` a new leader's HW is still catching up (KIP-207): lag unknown, not zero;
 * - `lag.no-leader`           partitions without a leader: nobody can consume them;
 * - `lag.unknown-topic`       offsets on a topic the cluster no longer has;
 * - `lag.open-transaction`    LSO below HW: read_committed consumers see less than the HW says;
 * - `lag.isolation-mismatch`  a group said to be read_committed committed above the LSO;
 * - `lag.topic-recreated-during-watch` the topic id changed between samples;
 * - `lag.group-empty` / `lag.group-rebalancing` group state worth knowing (info);
 * - `lag.group-not-found`, `lag.group-unreadable`, `lag.partition-unreadable`,
 *   `lag.broker-unreachable`  — could not collect (verdict insufficient-data → exit UNKNOWN).
 */

export interface LagFindingInput {
  snapshot: LagSnapshot
  snapshots: readonly LagSnapshot[]
  groups: readonly LagGroupReport[]
  windows: ReadonlyMap<string, PartitionWindowResult>
  requestedGroups: readonly string[]
}

/** At most this many partitions are listed as evidence in one finding (the count is always exact). */
const evidenceCap = 20

export function lagFindings(input: LagFindingInput): Finding[] {
  const { snapshot, groups } = input
  const findings: Finding[] = [...negativeLagFindings(snapshot)]
  const requested = new Set(input.requestedGroups)

  for (const g of groups) {
    const subject = { group: g.group }
    const rowsIn = (status: string) =>
      g.rows.filter((r) => r.status === status || r.state === status.toLowerCase())
    if (g.status === 'NOTFOUND') {
      findings.push({
        id: 'lag.group-not-found',
        verdict: 'insufficient-data',
        severity: requested.has(g.group) ? 'warning' : 'info',
        confidence: 1,
        subject,
        summary: `consumer group '${g.group}' does not exist (no members, no committed offsets)`,
        evidence: [{ source: 'describe-groups', at: g.group, observed: { state: g.state } }],
      })
      continue
    }
    if (g.error) {
      findings.push({
        id: 'lag.group-unreadable',
        verdict: 'insufficient-data',
        severity: 'warning',
        confidence: 1,
        subject,
        summary: `group '${g.group}' could not be read completely: ${g.error}`,
        evidence: [
          { source: 'coordinator', at: g.group, observed: { coordinator: g.coordinator, error: g.error } },
        ],
      })
    }
    if (g.state === 'Empty' && g.rows.some((r) => r.committed !== null)) {
      findings.push({
        id: 'lag.group-empty',
        verdict: 'ok',
        severity: 'info',
        confidence: 1,
        subject,
        summary: `group '${g.group}' has no active members: its committed offsets are shown, nobody is consuming`,
        evidence: [{ source: 'describe-groups', at: g.group, observed: { state: g.state, members: 0 } }],
      })
    }
    if (g.state && /^(PreparingRebalance|CompletingRebalance|Assigning|Reconciling)$/.test(g.state)) {
      findings.push({
        id: 'lag.group-rebalancing',
        verdict: 'ok',
        severity: 'info',
        confidence: 1,
        subject,
        summary: `group '${g.group}' is rebalancing (${g.state}): assignments may be incomplete`,
        evidence: [{ source: 'describe-groups', at: g.group, observed: { state: g.state } }],
      })
    }
    addRowFinding(findings, g, rowsIn('BELOW-LOG-START'), {
      id: 'lag.below-log-start',
      severity: 'warning',
      summary: (rows) =>
        `group '${g.group}' committed below the log start on ${rows.length} partition(s) (${list(rows)}): the records in between were deleted (retention or DeleteRecords), so LAG overstates what is left ("phantom lag") and the consumer will get OFFSET_OUT_OF_RANGE and reset by auto.offset.reset`,
      observed: (r) => ({
        committed: r.committed,
        logStartOffset: r.logStartOffset,
        highWatermark: r.highWatermark,
      }),
      remedy:
        'Lag that can still be read is HW − log start. Check retention (`retention.ms`, `retention.bytes`) against how long the group is down, and `auto.offset.reset` for what the consumer will do.',
    })
    addRowFinding(findings, g, rowsIn('OFFSET-NOT-AVAILABLE'), {
      id: 'lag.offset-not-available',
      severity: 'warning',
      summary: (rows) =>
        `${rows.length} partition(s) of group '${g.group}' (${list(rows)}) answered OFFSET_NOT_AVAILABLE: a newly elected leader whose high watermark has not caught up yet (KIP-207); their lag is unknown, not zero`,
      observed: (r) => ({ leader: r.leader, leaderEpoch: r.leaderEpoch, error: r.endError }),
      remedy:
        'Usually clears within seconds; if it persists the new leader cannot reach its followers — see `kafka-doctor cluster`.',
    })
    addRowFinding(findings, g, rowsIn('NO-LEADER'), {
      id: 'lag.no-leader',
      severity: 'critical',
      summary: (rows) =>
        `${rows.length} partition(s) of group '${g.group}' have no leader (${list(rows)}): nobody can consume them`,
      observed: (r) => ({ error: r.endError }),
      remedy:
        '`kafka-topics.sh --describe --unavailable-partitions`; bring the replicas’ brokers back, or elect a leader.',
    })
    addRowFinding(findings, g, rowsIn('UNKNOWN-TOPIC'), {
      id: 'lag.unknown-topic',
      severity: 'warning',
      summary: (rows) =>
        `group '${g.group}' holds offsets for partitions the cluster does not have (${list(rows)})`,
      observed: (r) => ({ committed: r.committed, error: r.endError }),
      remedy:
        'The topic was deleted (or shrunk); `kafka-consumer-groups.sh --delete-offsets --group G --topic T` removes them.',
    })
    addRowFinding(findings, g, rowsIn('ERROR'), {
      id: 'lag.partition-unreadable',
      verdict: 'insufficient-data',
      severity: 'warning',
      summary: (rows) =>
        `the end offsets of ${rows.length} partition(s) of group '${g.group}' could not be read (${list(rows)}): ${rows[0]?.endError ?? ''}`,
      observed: (r) => ({ leader: r.leader, error: r.endError }),
    })
    if (g.isolation.level === 'read_committed' && g.isolation.source === 'option') {
      const beyond = g.rows.filter(
        (r) => r.committed !== null && r.lastStableOffset !== null && r.committed > r.lastStableOffset,
      )
      addRowFinding(findings, g, beyond, {
        id: 'lag.isolation-mismatch',
        severity: 'warning',
        summary: (rows) =>
          `group '${g.group}' was declared read_committed but committed above the last stable offset on ${list(rows)}: a read_committed consumer cannot get there — it reads uncommitted, or the offsets were written by hand`,
        observed: (r) => ({ committed: r.committed, lastStableOffset: r.lastStableOffset }),
      })
    }
    const openTx = g.rows.filter(
      (r) => r.highWatermark !== null && r.lastStableOffset !== null && r.lastStableOffset < r.highWatermark,
    )
    if (openTx.length > 0) {
      findings.push({
        id: 'lag.open-transaction',
        verdict: 'ok',
        severity: 'info',
        confidence: 1,
        subject,
        summary: `${openTx.length} partition(s) of group '${g.group}' have an open transaction (last stable offset below the HW: ${list(openTx)}); ${
          g.isolation.level === 'read_committed'
            ? 'the group is read_committed, so LAG-LSO is its lag'
            : g.isolation.level === 'read_uncommitted'
              ? `the group reads uncommitted (${g.isolation.reason ?? 'as given'}), so LAG (against the HW) is its lag`
              : 'a read_committed consumer can only read up to the LSO: its lag is LAG-LSO; give --isolation-level if you know which the group uses'
        }`,
        evidence: cap(openTx).map((r) => ({
          source: 'list-offsets',
          at: `${r.topic}-${r.partition}`,
          observed: {
            highWatermark: r.highWatermark,
            lastStableOffset: r.lastStableOffset,
            committed: r.committed,
          },
        })),
      })
    }
    findings.push(...windowFindings(input, g))
  }

  for (const u of snapshot.unreachable) {
    findings.push({
      id: 'lag.broker-unreachable',
      verdict: 'insufficient-data',
      severity: 'warning',
      confidence: 1,
      subject: u.nodeId === null ? {} : { broker: u.nodeId },
      summary: `broker ${u.nodeId ?? u.address} (${u.address}) did not answer: ${u.error}; results that needed it are missing`,
      evidence: [{ source: 'connection', at: u.address, observed: { error: u.error } }],
    })
  }
  return findings
}

const statusSeverity: Record<BurrowStatus, Severity> = {
  OK: 'info',
  WARN: 'warning',
  STOP: 'critical',
  STALL: 'critical',
  REWIND: 'critical',
  NEGATIVE: 'critical',
}

const statusMeaning: Record<Exclude<BurrowStatus, 'OK'>, string> = {
  WARN: 'lag never decreased over the window: the group falls behind',
  STOP: 'no commit for longer than the window of commits spans: the consumer stopped committing',
  STALL:
    'the committed offset did not move while a live member owns the partition and lag stayed above zero: the consumer is stuck',
  REWIND: 'the committed offset went backwards and did not recover',
  NEGATIVE: 'committed above the high watermark in every sample: not a sampling artefact',
}

const statusRemedy: Record<Exclude<BurrowStatus, 'OK'>, string> = {
  WARN: `The group consumes slower than the topic grows.
- Where does its time go? \`kafka-doctor threads --pid <consumer pid>\` and \`kafka-doctor profile\` (deserialization,
  user code, GC — or a poll loop spinning on errors).
- More consumers help only up to the partition count; check \`max.poll.records\` and per-record work.`,
  STOP: `Nothing commits for the partition any more: the consumer is down, was removed from the group, or lost its
assignment. Check the application and the group (\`kafka-consumer-groups.sh --describe --group G --members\`).`,
  STALL: `A member still owns the partition but its committed offset does not move: the consumer is stuck (a blocked
poll loop, a poison record it keeps failing on, a long GC pause) or alive but no longer committing.
- \`kafka-doctor threads --pid <consumer pid>\` shows what its poll thread does.
- Past \`max.poll.interval.ms\` the member is removed and a rebalance follows.`,
  REWIND: `The committed offset went back: an offset reset (\`kafka-consumer-groups --reset-offsets\`), a consumer that
restarted from an older position, or a truncated log (see the lag.negative findings). Records will be processed again.`,
  NEGATIVE: `See the lag.negative finding for this partition: it names the cause and the broker.`,
}

function windowFindings(input: LagFindingInput, g: LagGroupReport): Finding[] {
  if (input.snapshots.length < 2) return []
  const findings: Finding[] = []
  const byStatus = new Map<BurrowStatus, LagReportRow[]>()
  for (const r of g.rows) {
    if (r.rule === undefined) continue
    const s = r.status as BurrowStatus
    if (!(s in statusSeverity) || s === 'OK') continue
    byStatus.set(s, [...(byStatus.get(s) ?? []), r])
  }
  for (const [status, rows] of byStatus) {
    findings.push({
      id: `lag.status.${status.toLowerCase()}`,
      verdict: 'issue',
      severity: statusSeverity[status],
      confidence: status === 'NEGATIVE' ? 0.9 : 0.8,
      subject: { group: g.group },
      summary: `group '${g.group}': ${status} on ${rows.length} partition(s) (${list(rows)}) over ${input.snapshots.length} samples — ${statusMeaning[status as Exclude<BurrowStatus, 'OK'>]}`,
      remedy: statusRemedy[status as Exclude<BurrowStatus, 'OK'>],
      evidence: cap(rows).map((r) => ({
        source: 'lag-samples.jsonl',
        at: `${g.group}/${r.topic}-${r.partition}`,
        observed: { rule: r.rule, committed: r.committed, highWatermark: r.highWatermark, lag: r.lag },
      })),
    })
  }
  for (const r of g.rows) {
    if (r.topic === null || r.partition === null) continue
    const window = input.windows.get(windowKey(g.group, r.topic, r.partition))
    if (!window || window.topicIds.length < 2) continue
    findings.push({
      id: 'lag.topic-recreated-during-watch',
      verdict: 'issue',
      severity: 'warning',
      confidence: 1,
      subject: { group: g.group, topic: r.topic, partition: r.partition },
      summary: `topic ${r.topic} was deleted and created again during the watch (topic id ${window.topicIds.join(' → ')}): offsets committed before belong to the old topic`,
      evidence: [
        {
          source: 'lag-samples.jsonl',
          at: `${r.topic}-${r.partition}`,
          observed: { topicIds: window.topicIds },
        },
      ],
    })
  }
  return findings
}

interface RowFindingSpec {
  id: string
  severity: Severity
  verdict?: Finding['verdict']
  summary: (rows: LagReportRow[]) => string
  observed: (row: LagReportRow) => unknown
  remedy?: string
}

function addRowFinding(
  findings: Finding[],
  g: LagGroupReport,
  rows: LagReportRow[],
  spec: RowFindingSpec,
): void {
  if (rows.length === 0) return
  findings.push({
    id: spec.id,
    verdict: spec.verdict ?? 'issue',
    severity: spec.severity,
    confidence: 1,
    subject: {
      group: g.group,
      ...(rows.length === 1 && rows[0]?.topic
        ? { topic: rows[0].topic, partition: rows[0].partition ?? 0 }
        : {}),
    },
    summary: spec.summary(rows),
    evidence: cap(rows).map(
      (r): EvidenceRef => ({
        source: 'lag-snapshot',
        at: `${g.group}/${r.topic}-${r.partition}`,
        observed: spec.observed(r),
      }),
    ),
    ...(spec.remedy ? { remedy: spec.remedy } : {}),
  })
}

function cap<T>(rows: readonly T[]): T[] {
  return rows.slice(0, evidenceCap)
}

function list(rows: readonly LagReportRow[]): string {
  const names = rows.slice(0, 8).map((r) => `${r.topic}-${r.partition}`)
  return rows.length > 8 ? `${names.join(', ')} and ${rows.length - 8} more` : names.join(', ')
}
