import type { RequestStats, UnreachableBroker } from './broker-pool.js'

/**
 * One look at consumer lag: what the group coordinators said (members, assignments, committed
 * offsets) and what the partition leaders said (high watermark, last stable offset, log start),
 * plus — for partitions whose committed offset is above the high watermark — what every replica's
 * broker reports. It is evidence, not a verdict: src/analyse/lag turns it into lag rows and findings,
 * and a watch is a series of these. Plain JSON (bigints go through src/util/json.ts).
 */
export const lagSnapshotSchema = 'kafka-doctor/lag-snapshot@1'

export type IsolationLevelName = 'read_uncommitted' | 'read_committed'

export interface TopicPartitions {
  topic: string
  partitions: number[]
}

export interface GroupMember {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  host: string
  /** The partitions the member owns now (classic: decoded from the assignment bytes). */
  assignment: TopicPartitions[]
  /** KIP-848 groups: the assignment the coordinator wants the member to reach. */
  targetAssignment?: TopicPartitions[]
  /** KIP-848 groups: the member epoch. */
  memberEpoch?: number
  /** Set when the assignment bytes could not be decoded (not the consumer protocol, or corrupt). */
  assignmentError?: string
}

export interface CommittedOffset {
  topic: string
  partition: number
  /** null: no offset committed (OffsetFetch answered -1). */
  offset: bigint | null
  /** The leader epoch the committer recorded with the offset; null when none (-1). */
  leaderEpoch: number | null
  /** Per-partition OffsetFetch error name, e.g. UNSTABLE_OFFSET_COMMIT. */
  error: string | null
}

/** `classic`: JoinGroup/SyncGroup protocol; `consumer`: KIP-848 (ConsumerGroupHeartbeat). */
export type GroupType = 'classic' | 'consumer' | 'unknown'

export interface GroupEvidence {
  group: string
  coordinator: number | null
  /** FindCoordinator failure (e.g. COORDINATOR_NOT_AVAILABLE), or the coordinator unreachable. */
  coordinatorError: string | null
  type: GroupType
  /** Classic groups: `consumer`, `connect`, or '' for groups that only hold committed offsets. */
  protocolType: string | null
  /** Stable, Empty, PreparingRebalance, CompletingRebalance, Dead (classic); Stable, Empty, Assigning, Reconciling, Dead (consumer). */
  state: string | null
  /** Classic: the assignor the leader chose (range, cooperative-sticky …); consumer: the server assignor. */
  assignor: string | null
  groupEpoch?: number
  describeError: string | null
  offsetsError: string | null
  members: GroupMember[]
  committed: CommittedOffset[]
}

/** A partition's offsets as its leader reported them to ListOffsets, and where the leader is. */
export interface PartitionEnds {
  topic: string
  partition: number
  /** Metadata's topic id (v10+), base64url; null when the broker does not send one. */
  topicId: string | null
  /** Leader node id from the bootstrap broker's Metadata; null when there is none (-1). */
  leader: number | null
  leaderEpoch: number | null
  replicas: number[]
  isr: number[]
  /** ListOffsets latest, READ_UNCOMMITTED: the high watermark (kafka-consumer-groups' LOG-END-OFFSET). */
  highWatermark: bigint | null
  /** ListOffsets latest, READ_COMMITTED: the last stable offset. */
  lastStableOffset: bigint | null
  /** ListOffsets earliest: the log start offset. */
  logStartOffset: bigint | null
  /** Why a value is missing: a Kafka error name (OFFSET_NOT_AVAILABLE, NOT_LEADER_OR_FOLLOWER …), NO_LEADER, UNKNOWN_TOPIC_OR_PARTITION or UNREACHABLE. */
  highWatermarkError: string | null
  lastStableOffsetError: string | null
  logStartOffsetError: string | null
  /** The leader epoch the leader returned with the high watermark (ListOffsets v4+). */
  answeredEpoch: number | null
  /** Wall-clock time (ms) the high-watermark answer arrived. */
  readAtMs: number
}

/** One broker's Metadata answer about a partition. */
export interface MetadataView {
  broker: number
  leader: number | null
  leaderEpoch: number | null
  isr: number[]
  replicas: number[]
  /** A Kafka error name, or UNREACHABLE with the reason in `detail`. */
  error: string | null
  detail?: string
}

/** One replica's own log end, from ListOffsets with the debugging replica id (-2). */
export interface ReplicaLogEnd {
  broker: number
  /** With replica id -2 the broker answers from its local log and ignores the isolation level: the log end offset (LEO). */
  logEndOffset: bigint | null
  /** The leader epoch of that replica's log at its end. */
  epoch: number | null
  error: string | null
  detail?: string
}

/** DescribeLogDirs about one replica. */
export interface ReplicaLogDir {
  broker: number
  logDir: string | null
  sizeBytes: bigint | null
  /** max(0, HW − LEO) as the replica computes it about itself: 0 for every current (non-future) log. */
  offsetLag: bigint | null
  error: string | null
}

/** OffsetForLeaderEpoch for a committed offset's epoch, asked of the leader (the KIP-320 truncation check). */
export interface EpochEndOffset {
  epoch: number
  /** Where the log of that epoch ends (the start of the next epoch, or the LEO for the current one); -1: unknown epoch. */
  endOffset: bigint | null
  /** The largest epoch ≤ the asked one the leader knows. */
  leaderEpoch: number | null
  error: string | null
}

/** What every replica's broker says about a partition whose committed offset looked above the HW. */
export interface ReplicaInvestigation {
  topic: string
  partition: number
  metadataViews: MetadataView[]
  logEnds: ReplicaLogEnd[]
  logDirs: ReplicaLogDir[]
  epochEnds: EpochEndOffset[]
}

export interface LagSnapshot {
  schema: typeof lagSnapshotSchema
  /** ISO time the collection started. */
  takenAt: string
  /** Wall-clock time (ms) the end offsets were read: the sample's timestamp in a watch. */
  timeMs: number
  durationMs: number
  /** Whether the groups were all the cluster's consumer groups (`--all-groups`). */
  allGroups: boolean
  topicFilter: string[] | null
  groups: GroupEvidence[]
  /** Every partition any selected group has committed on or owns (all partitions of those topics). */
  partitions: PartitionEnds[]
  /** The same partitions read again after OffsetFetch, for those whose commit was above the first HW. */
  rereads: PartitionEnds[]
  investigations: ReplicaInvestigation[]
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[]
  requests: RequestStats
  unreachable: UnreachableBroker[]
  warnings: string[]
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`
}

/**
 * The partitions that belong to a group in a snapshot: those it committed on, those its members own,
 * and every other partition of those topics (so a partition without a commit is shown, not skipped),
 * within the snapshot's topic filter; sorted by topic and partition.
 */
export function groupPartitions(
  snapshot: LagSnapshot,
  group: GroupEvidence,
): { topic: string; partition: number }[] {
  const filter = snapshot.topicFilter ? new Set(snapshot.topicFilter) : null
  const partitionsOfTopic = topicPartitionIndex(snapshot)
  const keys = new Map<string, { topic: string; partition: number }>()
  const add = (topic: string, partition: number) => {
    if (!filter || filter.has(topic)) keys.set(partitionKey(topic, partition), { topic, partition })
  }
  const topics = new Set<string>(group.committed.map((c) => c.topic))
  for (const m of group.members) for (const a of m.assignment) topics.add(a.topic)
  for (const topic of topics)
    for (const partition of partitionsOfTopic.get(topic) ?? []) add(topic, partition)
  for (const c of group.committed) add(c.topic, c.partition)
  for (const m of group.members) for (const a of m.assignment) for (const p of a.partitions) add(a.topic, p)
  return [...keys.values()].sort((a, b) =>
    a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
  )
}

/** topic → its partitions in the snapshot, built once per snapshot (200 groups share it). */
const partitionIndexes = new WeakMap<LagSnapshot, Map<string, number[]>>()

function topicPartitionIndex(snapshot: LagSnapshot): Map<string, number[]> {
  const cached = partitionIndexes.get(snapshot)
  if (cached) return cached
  const index = new Map<string, number[]>()
  for (const p of snapshot.partitions) {
    const list = index.get(p.topic)
    if (list) list.push(p.partition)
    else index.set(p.topic, [p.partition])
  }
  partitionIndexes.set(snapshot, index)
  return index
}

/** The end offsets that count: the re-read where there is one (fresher, and from the current leader). */
export function effectiveEnds(snapshot: LagSnapshot): Map<string, PartitionEnds> {
  const ends = new Map(snapshot.partitions.map((p) => [partitionKey(p.topic, p.partition), p]))
  for (const r of snapshot.rereads) ends.set(partitionKey(r.topic, r.partition), r)
  return ends
}
