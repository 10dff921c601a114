import type {
  GroupEvidence,
  IsolationLevelName,
  LagSnapshot,
  PartitionEnds,
} from '../../collect/lag/lag-snapshot.js'
import { effectiveEnds, groupPartitions, partitionKey } from '../../collect/lag/lag-snapshot.js'

/**
 * Lag per group and partition from one snapshot, computed the way kafka-consumer-groups computes it —
 * LAG = high watermark − committed offset, never clamped, `null` (printed `-`) when there is no
 * commit or no high watermark — plus the lag against the last stable offset, the partition's state
 * and which of the two lags applies to the group.
 */

/**
 * What one snapshot says about a partition of a group:
 * - `ok`: committed within [log start, HW];
 * - `negative`: committed above the HW (still, after reading the HW again);
 * - `no-commit`: the group has no committed offset here (assigned, or a partition of a topic it reads);
 * - `below-log-start`: committed below the log start offset — retention or DeleteRecords removed what
 *   the group has not read, and HW − committed overstates the lag ("phantom lag");
 * - `offset-not-available`: the leader answered OFFSET_NOT_AVAILABLE: a new leader whose HW has not yet
 *   caught up (KIP-207) — unknown, not zero;
 * - `no-leader`: the partition has no leader; `unknown-topic`: the topic no longer exists;
 * - `error`: the leader could not be asked (unreachable, or another error).
 */
export const partitionStates = [
  'ok',
  'negative',
  'no-commit',
  'below-log-start',
  'offset-not-available',
  'no-leader',
  'unknown-topic',
  'error',
] as const
export type PartitionState = (typeof partitionStates)[number]

export type LagBasis = 'hw' | 'lso'

export interface IsolationGuess {
  level: IsolationLevelName | 'unknown'
  /** `option`: given by the caller; `inferred`: deduced from the offsets; `unknown`: neither. */
  source: 'option' | 'inferred' | 'unknown'
  /** Why, for `inferred`. */
  reason?: string
}

export interface LagRow {
  group: string
  /** null for a member row without any assigned partition (kafka-consumer-groups prints `-`). */
  topic: string | null
  partition: number | null
  committed: bigint | null
  committedLeaderEpoch: number | null
  commitError: string | null
  highWatermark: bigint | null
  lastStableOffset: bigint | null
  logStartOffset: bigint | null
  leader: number | null
  leaderEpoch: number | null
  /** HW − committed: kafka-consumer-groups' LAG. */
  lag: bigint | null
  /** LSO − committed: what a read_committed consumer has left to read. */
  lagLso: bigint | null
  /** Which of the two applies to this group (`lso` for read_committed groups). */
  basis: LagBasis
  memberId: string | null
  host: string | null
  clientId: string | null
  state: PartitionState
  /** Why the HW is missing (a Kafka error name, NO_LEADER, UNREACHABLE …). */
  endError: string | null
}

export interface GroupRows {
  group: string
  evidence: GroupEvidence
  isolation: IsolationGuess
  rows: LagRow[]
}

export interface LagRowOptions {
  /** Isolation level per group, or one for all groups (`*`). */
  isolationLevels?: ReadonlyMap<string, IsolationLevelName> | Readonly<Record<string, IsolationLevelName>>
}

export function lagRows(snapshot: LagSnapshot, options: LagRowOptions = {}): GroupRows[] {
  const ends = effectiveEnds(snapshot)
  const filter = snapshot.topicFilter ? new Set(snapshot.topicFilter) : null
  return snapshot.groups.map((group) => {
    const isolation = isolationOf(group, ends, options)
    const basis: LagBasis = isolation.level === 'read_committed' ? 'lso' : 'hw'
    const owners = new Map<string, GroupEvidence['members'][number]>()
    for (const m of group.members) {
      for (const a of m.assignment) for (const p of a.partitions) owners.set(partitionKey(a.topic, p), m)
    }
    const committed = new Map(group.committed.map((c) => [partitionKey(c.topic, c.partition), c]))
    const rows: LagRow[] = groupPartitions(snapshot, group).map(({ topic, partition }) => {
      const key = partitionKey(topic, partition)
      const c = committed.get(key)
      const e = ends.get(key)
      const owner = owners.get(key)
      const offset = c?.offset ?? null
      const hw = e?.highWatermark ?? null
      const lso = e?.lastStableOffset ?? null
      return {
        group: group.group,
        topic,
        partition,
        committed: offset,
        committedLeaderEpoch: c?.leaderEpoch ?? null,
        commitError: c?.error ?? null,
        highWatermark: hw,
        lastStableOffset: lso,
        logStartOffset: e?.logStartOffset ?? null,
        leader: e?.leader ?? null,
        leaderEpoch: e?.leaderEpoch ?? null,
        lag: offset !== null && hw !== null ? hw - offset : null,
        lagLso: offset !== null && lso !== null ? lso - offset : null,
        basis,
        memberId: owner?.memberId ?? null,
        host: owner?.host ?? null,
        clientId: owner?.clientId ?? null,
        state: stateOf(offset, e),
        endError: e?.highWatermarkError ?? (e ? null : 'UNKNOWN_TOPIC_OR_PARTITION'),
      }
    })
    // Members that own nothing still appear, as kafka-consumer-groups shows them: one row each.
    for (const m of group.members) {
      const owns = m.assignment.some((a) => a.partitions.length > 0 && (!filter || filter.has(a.topic)))
      if (owns || (filter && m.assignment.length > 0)) continue
      rows.push(memberOnlyRow(group.group, m, basis))
    }
    return { group: group.group, evidence: group, isolation, rows }
  })
}

function stateOf(committed: bigint | null, ends: PartitionEnds | undefined): PartitionState {
  if (!ends) return 'unknown-topic'
  if (ends.highWatermark === null) {
    const error = ends.highWatermarkError ?? ''
    if (error === 'OFFSET_NOT_AVAILABLE') return 'offset-not-available'
    if (error === 'NO_LEADER' || error === 'LEADER_NOT_AVAILABLE') return 'no-leader'
    if (error === 'UNKNOWN_TOPIC_OR_PARTITION' || error === 'UNKNOWN_TOPIC_ID') return 'unknown-topic'
    return 'error'
  }
  if (committed === null) return 'no-commit'
  if (committed > ends.highWatermark) return 'negative'
  if (ends.logStartOffset !== null && committed < ends.logStartOffset) return 'below-log-start'
  return 'ok'
}

function memberOnlyRow(group: string, m: GroupEvidence['members'][number], basis: LagBasis): LagRow {
  return {
    group,
    topic: null,
    partition: null,
    committed: null,
    committedLeaderEpoch: null,
    commitError: null,
    highWatermark: null,
    lastStableOffset: null,
    logStartOffset: null,
    leader: null,
    leaderEpoch: null,
    lag: null,
    lagLso: null,
    basis,
    memberId: m.memberId,
    host: m.host,
    clientId: m.clientId,
    state: 'ok',
    endError: null,
  }
}

/**
 * The group's isolation level. No Kafka API tells a read-only client which isolation level a
 * consumer uses (it travels only in the consumer's own Fetch requests), so it is either given, or
 * deduced from one fact: a read_committed consumer cannot read past the last stable offset, so a
 * commit above the LSO proves the group reads uncommitted. Otherwise it stays unknown and both lags
 * are shown, the HW one (kafka-consumer-groups') first.
 */
export function isolationOf(
  group: GroupEvidence,
  ends: ReadonlyMap<string, PartitionEnds>,
  options: LagRowOptions,
): IsolationGuess {
  const given = lookupIsolation(options.isolationLevels, group.group)
  if (given) return { level: given, source: 'option' }
  for (const c of group.committed) {
    const e = ends.get(partitionKey(c.topic, c.partition))
    if (c.offset === null || !e || e.lastStableOffset === null || e.highWatermark === null) continue
    if (c.offset > e.lastStableOffset && c.offset <= e.highWatermark) {
      return {
        level: 'read_uncommitted',
        source: 'inferred',
        reason: `committed ${c.offset} on ${c.topic}-${c.partition} is above the last stable offset ${e.lastStableOffset}, which a read_committed consumer cannot pass`,
      }
    }
  }
  return { level: 'unknown', source: 'unknown' }
}

function lookupIsolation(
  levels: LagRowOptions['isolationLevels'],
  group: string,
): IsolationLevelName | undefined {
  if (!levels) return undefined
  if (levels instanceof Map) return levels.get(group) ?? levels.get('*')
  const record = levels as Readonly<Record<string, IsolationLevelName>>
  return record[group] ?? record['*']
}

/** The lag that applies to the row: LSO-based for read_committed groups, HW-based otherwise. */
export function applicableLag(row: LagRow): bigint | null {
  return row.basis === 'lso' ? row.lagLso : row.lag
}
