import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { MetadataResponse } from '../../protocol/generated/messages/metadata.js'
import { type BrokerPool, failureText } from './broker-pool.js'
import { type PartitionEnds, partitionKey } from './lag-snapshot.js'

/**
 * High watermark, last stable offset and log start of many partitions: per leader broker, one
 * ListOffsets for all its partitions per question, the three questions in flight together —
 *
 *   latest, READ_UNCOMMITTED  → the high watermark (what kafka-consumer-groups calls LOG-END-OFFSET)
 *   latest, READ_COMMITTED    → the last stable offset (below the HW while a transaction is open)
 *   earliest                  → the log start offset
 *
 * (ListOffsets takes one isolation level per request and refuses a partition listed twice, hence three
 * requests rather than one.) The current leader epoch is not sent, so a broker with a different epoch
 * still answers; the epoch it answers with is kept and compared with Metadata's by the analysis.
 */

const LATEST = -1n
const EARLIEST = -2n
const READ_UNCOMMITTED = 0
const READ_COMMITTED = 1
/** A normal consumer; the debugging replica id (-2) is used only by the replica investigation. */
const CONSUMER_REPLICA_ID = -1

export interface PartitionRef {
  topic: string
  partition: number
}

export interface TopicLayout {
  topicId: string | null
  error: string | null
  partitions: Map<
    number,
    { leader: number | null; leaderEpoch: number | null; replicas: number[]; isr: number[] }
  >
}

/** Metadata's answer as topic → partition → leader/replicas. */
export function topicLayouts(metadata: MetadataResponse): Map<string, TopicLayout> {
  const layouts = new Map<string, TopicLayout>()
  for (const topic of metadata.topics) {
    if (topic.name === null) continue
    const partitions: TopicLayout['partitions'] = new Map()
    for (const p of topic.partitions) {
      partitions.set(p.partitionIndex, {
        leader: p.leaderId >= 0 ? p.leaderId : null,
        leaderEpoch: p.leaderEpoch >= 0 ? p.leaderEpoch : null,
        replicas: [...p.replicaNodes],
        isr: [...p.isrNodes],
      })
    }
    layouts.set(topic.name, {
      topicId: topic.topicId === 'AAAAAAAAAAAAAAAAAAAAAA' ? null : topic.topicId,
      error: topic.errorCode === 0 ? null : errorName(topic.errorCode),
      partitions,
    })
  }
  return layouts
}

export async function listPartitionOffsets(
  pool: BrokerPool,
  layouts: ReadonlyMap<string, TopicLayout>,
  wanted: readonly PartitionRef[],
): Promise<PartitionEnds[]> {
  const ends = new Map<string, PartitionEnds>()
  const byLeader = new Map<number, PartitionEnds[]>()
  for (const { topic, partition } of wanted) {
    const layout = layouts.get(topic)
    const p = layout?.partitions.get(partition)
    const entry: PartitionEnds = {
      topic,
      partition,
      topicId: layout?.topicId ?? null,
      leader: p?.leader ?? null,
      leaderEpoch: p?.leaderEpoch ?? null,
      replicas: p?.replicas ?? [],
      isr: p?.isr ?? [],
      highWatermark: null,
      lastStableOffset: null,
      logStartOffset: null,
      highWatermarkError: null,
      lastStableOffsetError: null,
      logStartOffsetError: null,
      answeredEpoch: null,
      readAtMs: Date.now(),
    }
    ends.set(partitionKey(topic, partition), entry)
    const missing =
      !layout || layout.error !== null || !p
        ? (layout?.error ?? 'UNKNOWN_TOPIC_OR_PARTITION')
        : p.leader === null
          ? 'NO_LEADER'
          : null
    if (missing !== null) {
      entry.highWatermarkError = missing
      entry.lastStableOffsetError = missing
      entry.logStartOffsetError = missing
      continue
    }
    const leader = p!.leader as number
    const list = byLeader.get(leader)
    if (list) list.push(entry)
    else byLeader.set(leader, [entry])
  }
  await Promise.all(
    [...byLeader].map(([leader, entries]) =>
      Promise.all([
        askLeader(pool, leader, entries, LATEST, READ_UNCOMMITTED, (e, offset, epoch, error) => {
          e.highWatermark = offset
          e.highWatermarkError = error
          e.answeredEpoch = epoch
          e.readAtMs = Date.now()
        }),
        askLeader(pool, leader, entries, LATEST, READ_COMMITTED, (e, offset, _epoch, error) => {
          e.lastStableOffset = offset
          e.lastStableOffsetError = error
        }),
        askLeader(pool, leader, entries, EARLIEST, READ_UNCOMMITTED, (e, offset, _epoch, error) => {
          e.logStartOffset = offset
          e.logStartOffsetError = error
        }),
      ]),
    ),
  )
  return wanted.map(({ topic, partition }) => ends.get(partitionKey(topic, partition))!)
}

type Apply = (entry: PartitionEnds, offset: bigint | null, epoch: number | null, error: string | null) => void

async function askLeader(
  pool: BrokerPool,
  leader: number,
  entries: readonly PartitionEnds[],
  timestamp: bigint,
  isolationLevel: number,
  apply: Apply,
): Promise<void> {
  const byTopic = new Map<string, PartitionEnds[]>()
  for (const e of entries) {
    const list = byTopic.get(e.topic)
    if (list) list.push(e)
    else byTopic.set(e.topic, [e])
  }
  try {
    const reply = await pool.send(
      leader,
      ApiKey.ListOffsets,
      {
        replicaId: CONSUMER_REPLICA_ID,
        isolationLevel,
        timeoutMs: pool.timeoutMs,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((e) => ({
            partitionIndex: e.partition,
            currentLeaderEpoch: -1,
            timestamp,
            maxNumOffsets: 1,
          })),
        })),
      },
      // v2 brought the isolation level; v1 answers one offset instead of v0's list.
      { minVersion: isolationLevel === READ_COMMITTED ? 2 : 1 },
    )
    const answered = new Set<PartitionEnds>()
    for (const topic of reply.body.topics) {
      const list = byTopic.get(topic.name)
      if (!list) continue
      const byPartition = new Map(list.map((e) => [e.partition, e]))
      for (const p of topic.partitions) {
        const entry = byPartition.get(p.partitionIndex)
        if (!entry) continue
        answered.add(entry)
        if (p.errorCode !== 0) apply(entry, null, null, errorName(p.errorCode))
        else apply(entry, p.offset, reply.version >= 4 && p.leaderEpoch >= 0 ? p.leaderEpoch : null, null)
      }
    }
    for (const e of entries) if (!answered.has(e)) apply(e, null, null, 'NO_ANSWER')
  } catch (error) {
    const reason = `UNREACHABLE: broker ${leader}: ${failureText(error)}`
    for (const e of entries) apply(e, null, null, reason)
  }
}
