import type { RequestStats, UnreachableBroker } from '../../collect/lag/broker-pool.js'
import { type LagSample, samplesOf } from '../../collect/lag/lag-samples.js'
import type {
  GroupType,
  IsolationLevelName,
  LagSnapshot,
  PartitionEnds,
  ReplicaInvestigation,
} from '../../collect/lag/lag-snapshot.js'
import { ExitCode, exitCodeForFindings } from '../../outcome.js'
import type { Finding } from '../finding.js'
import { type BurrowStatus, type GroupStatus, groupStatus } from './burrow-evaluator.js'
import { evaluateSamples, windowKey } from './evaluate-samples.js'
import { lagFindings } from './lag-findings.js'
import {
  applicableLag,
  type IsolationGuess,
  type LagRow,
  lagRows,
  type PartitionState,
  partitionStates,
} from './lag-rows.js'
import type { TimeLagKind } from './time-lag.js'

/**
 * The lag report: one snapshot (`kafka-doctor lag`) or a watch (`--watch`, several snapshots) →
 * rows a kafka-consumer-groups user recognises, per-group summaries, statuses, lag in seconds, and
 * findings that explain what is wrong. Pure over its inputs.
 */
export const lagReportSchema = 'kafka-doctor/lag@1'

/**
 * The STATUS column: Burrow's status over the window when there is one (OK, WARN, STOP, STALL,
 * REWIND) or NEGATIVE; otherwise the snapshot state upper-cased (OK, NEGATIVE, NO-COMMIT,
 * BELOW-LOG-START, OFFSET-NOT-AVAILABLE, NO-LEADER, UNKNOWN-TOPIC, ERROR).
 */
export type RowStatus = BurrowStatus | Uppercase<PartitionState>

export interface LagReportRow extends LagRow {
  status: RowStatus
  /** Why the window got its status (watch only). */
  rule?: string
  /** Lag in seconds at the last sample (watch only); null when unknown or negative. */
  lagSeconds?: number | null
  lagSecondsKind?: TimeLagKind
}

export interface LagGroupReport {
  group: string
  type: GroupType
  state: string | null
  protocolType: string | null
  assignor: string | null
  coordinator: number | null
  members: number
  isolation: IsolationGuess
  /** OK / WARN / ERR as Burrow reports groups (worst partition, capped at ERR); NOTFOUND for a group that does not exist. */
  status: GroupStatus | 'NOTFOUND'
  /** Sum of the applicable lag over partitions with a commit (negative lags included, never clamped). */
  totalLag: bigint | null
  maxLag: { topic: string; partition: number; lag: bigint } | null
  error: string | null
  rows: LagReportRow[]
}

export interface LagReport {
  schema: typeof lagReportSchema
  takenAt: string
  durationMs: number
  /** Number of snapshots (1 without --watch). */
  samples: number
  /** Time between the first and the last sample, ms. */
  windowMs: number
  allGroups: boolean
  topicFilter: string[] | null
  groups: LagGroupReport[]
  findings: Finding[]
  /** Requests sent for the last snapshot, and over all of them. */
  requests: { last: RequestStats; total: number }
  unreachable: UnreachableBroker[]
  warnings: string[]
  /** The end offsets read again for partitions with commits above the HW (last snapshot). */
  rereads: PartitionEnds[]
  /** What every replica's broker said about those partitions (last snapshot). */
  investigations: ReplicaInvestigation[]
  /** Something could not be collected (a broker, a group): the exit code is UNKNOWN. */
  incomplete: boolean
  exitCode: ExitCode
}

export interface AnalyseLagOptions {
  /** Isolation level per group name, `*` for every group. */
  isolationLevels?: Readonly<Record<string, IsolationLevelName>>
  /** Burrow's allowed-lag (default 0). */
  allowedLag?: bigint
  /** Groups asked for by name: one that does not exist makes the run UNKNOWN. */
  requestedGroups?: readonly string[]
}

export function analyseLag(snapshots: readonly LagSnapshot[], options: AnalyseLagOptions = {}): LagReport {
  const last = snapshots[snapshots.length - 1]
  if (!last) throw new RangeError('analyseLag needs at least one snapshot')
  const rowOptions = options.isolationLevels ? { isolationLevels: options.isolationLevels } : {}
  const grouped = lagRows(last, rowOptions)
  const basisByGroup = new Map(
    grouped.map((g) => [g.group, g.isolation.level === 'read_committed' ? 'lso' : 'hw'] as const),
  )
  const watching = snapshots.length > 1
  const samples: LagSample[] = watching ? snapshots.flatMap((s, i) => samplesOf(s, i)) : []
  const windows = watching
    ? evaluateSamples(samples, {
        basisOf: (group) => basisByGroup.get(group) ?? 'hw',
        ...(options.allowedLag !== undefined ? { allowedLag: options.allowedLag } : {}),
      })
    : new Map()

  const groups: LagGroupReport[] = grouped.map(({ group, evidence, isolation, rows }) => {
    // The rows were made for this report: they get their status in place (no copy of 50,000 rows).
    const reportRows = rows as LagReportRow[]
    for (const row of reportRows) {
      const snapshotStatus = upperState[row.state]
      const window =
        row.topic === null || row.partition === null
          ? undefined
          : windows.get(windowKey(group, row.topic, row.partition))
      row.status = window?.evaluation.status ?? snapshotStatus
      if (window) {
        row.rule = window.evaluation.rule
        row.lagSeconds = window.timeLag.seconds
        row.lagSecondsKind = window.timeLag.kind
      }
    }
    let totalLag: bigint | null = null
    let maxLag: LagGroupReport['maxLag'] = null
    for (const r of reportRows) {
      const lag = applicableLag(r)
      if (lag === null || r.topic === null || r.partition === null) continue
      totalLag = (totalLag ?? 0n) + lag
      if (!maxLag || lag > maxLag.lag) maxLag = { topic: r.topic, partition: r.partition, lag }
    }
    const notFound = isMissingGroup(evidence)
    return {
      group,
      type: evidence.type,
      state: evidence.state,
      protocolType: evidence.protocolType,
      assignor: evidence.assignor,
      coordinator: evidence.coordinator,
      members: evidence.members.length,
      isolation,
      status: notFound ? 'NOTFOUND' : groupStatus(reportRows.map((r) => burrowLike(r.status))),
      totalLag,
      maxLag,
      error: evidence.coordinatorError ?? evidence.offsetsError ?? evidence.describeError,
      rows: reportRows,
    }
  })

  const findings = lagFindings({
    snapshot: last,
    snapshots,
    groups,
    windows,
    requestedGroups: options.requestedGroups ?? [],
  })
  const incomplete = findings.some((f) => f.verdict === 'insufficient-data' && f.severity !== 'info')
  const first = snapshots[0]!
  return {
    schema: lagReportSchema,
    takenAt: first.takenAt,
    durationMs: snapshots.reduce((sum, s) => sum + s.durationMs, 0),
    samples: snapshots.length,
    windowMs: last.timeMs - first.timeMs,
    allGroups: last.allGroups,
    topicFilter: last.topicFilter,
    groups,
    findings,
    requests: { last: last.requests, total: snapshots.reduce((sum, s) => sum + s.requests.total, 0) },
    unreachable: last.unreachable,
    warnings: [...new Set(snapshots.flatMap((s) => s.warnings))],
    rereads: last.rereads,
    investigations: last.investigations,
    incomplete,
    exitCode: incomplete ? ExitCode.UNKNOWN : exitCodeForFindings(findings),
  }
}

const upperState = Object.fromEntries(
  partitionStates.map((s) => [s, s.toUpperCase() as Uppercase<PartitionState>]),
) as Record<PartitionState, Uppercase<PartitionState>>

/** A group that the coordinator does not know and that holds no offsets. */
export function isMissingGroup(evidence: LagSnapshot['groups'][number]): boolean {
  if (evidence.committed.length > 0 || evidence.members.length > 0) return false
  return evidence.state === 'Dead' || evidence.describeError === 'GROUP_ID_NOT_FOUND'
}

/** Snapshot states count in the group status as Burrow would weigh them. */
function burrowLike(status: RowStatus): BurrowStatus | null {
  switch (status) {
    case 'OK':
    case 'WARN':
    case 'STOP':
    case 'STALL':
    case 'REWIND':
    case 'NEGATIVE':
      return status
    case 'BELOW-LOG-START':
    case 'OFFSET-NOT-AVAILABLE':
    case 'UNKNOWN-TOPIC':
      return 'WARN'
    case 'NO-LEADER':
      return 'STOP'
    default:
      return null
  }
}
