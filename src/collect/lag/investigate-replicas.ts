import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import { type BrokerPool, failureText } from './broker-pool.js'
import type {
  EpochEndOffset,
  MetadataView,
  PartitionEnds,
  ReplicaInvestigation,
  ReplicaLogDir,
  ReplicaLogEnd,
} from './lag-snapshot.js'
import { partitionKey } from './lag-snapshot.js'
import { topicLayouts } from './list-partition-offsets.js'

/**
 * For partitions whose committed offset is above the high watermark: ask every broker what it
 * knows, one request per broker and question, all in flight together.
 *
 * - Metadata from every broker: who it thinks leads, with which leader epoch, and the ISR. A broker
 *   with an older epoch or another leader holds stale metadata.
 * - ListOffsets with the debugging replica id (-2) to every replica's broker. Checked on a 3.9 broker:
 *   with a replica id other than -1 the broker skips the leader check and the isolation level and
 *   answers from its local log — a follower answers too, and every answer is that replica's log end
 *   offset (LEO), not its high watermark (a leader whose follower was frozen answered HW 57 to -1 and
 *   330 to -2).
 * - DescribeLogDirs to every replica's broker: where the log lives and how big it is. Its `offsetLag`
 *   is max(0, HW − LEO) computed by the replica about itself, which is 0 for every current log
 *   (the same frozen-follower leader reported 0); it is kept as evidence but proves nothing here.
 * - OffsetForLeaderEpoch to the leader for each committed offset's leader epoch: where the log of
 *   that epoch ends — the check a KIP-320 consumer makes to detect truncation.
 */

export interface Suspect {
  ends: PartitionEnds
  /** Leader epochs recorded with the committed offsets that are above the HW. */
  committedEpochs: number[]
}

export async function investigateReplicas(
  pool: BrokerPool,
  suspects: readonly Suspect[],
): Promise<ReplicaInvestigation[]> {
  if (suspects.length === 0) return []
  const topics = [...new Set(suspects.map((s) => s.ends.topic))]
  const investigations = new Map<string, ReplicaInvestigation>()
  for (const { ends } of suspects) {
    investigations.set(partitionKey(ends.topic, ends.partition), {
      topic: ends.topic,
      partition: ends.partition,
      metadataViews: [],
      logEnds: [],
      logDirs: [],
      epochEnds: [],
    })
  }
  const brokers = [...pool.brokers.keys()].sort((a, b) => a - b)
  // Replicas by broker: the union of what the bootstrap's metadata and the leader named.
  const replicasOn = new Map<number, Suspect['ends'][]>()
  for (const { ends } of suspects) {
    for (const broker of new Set([...ends.replicas, ...(ends.leader === null ? [] : [ends.leader])])) {
      const list = replicasOn.get(broker)
      if (list) list.push(ends)
      else replicasOn.set(broker, [ends])
    }
  }
  await Promise.all([
    ...brokers.map((broker) => metadataViews(pool, broker, topics, investigations)),
    ...[...replicasOn].map(([broker, list]) => replicaLogEnds(pool, broker, list, investigations)),
    ...[...replicasOn].map(([broker, list]) => replicaLogDirs(pool, broker, list, investigations)),
    epochEnds(pool, suspects, investigations),
  ])
  const ordered = [...investigations.values()]
  for (const inv of ordered) {
    inv.metadataViews.sort((a, b) => a.broker - b.broker)
    inv.logEnds.sort((a, b) => a.broker - b.broker)
    inv.logDirs.sort((a, b) => a.broker - b.broker)
    inv.epochEnds.sort((a, b) => a.epoch - b.epoch)
  }
  return ordered
}

async function metadataViews(
  pool: BrokerPool,
  broker: number,
  topics: readonly string[],
  investigations: Map<string, ReplicaInvestigation>,
): Promise<void> {
  try {
    const layouts = topicLayouts(await pool.metadataFrom(broker, topics))
    for (const inv of investigations.values()) {
      const layout = layouts.get(inv.topic)
      const p = layout?.partitions.get(inv.partition)
      inv.metadataViews.push({
        broker,
        leader: p?.leader ?? null,
        leaderEpoch: p?.leaderEpoch ?? null,
        isr: p?.isr ?? [],
        replicas: p?.replicas ?? [],
        error: layout?.error ?? (p ? null : 'UNKNOWN_TOPIC_OR_PARTITION'),
      })
    }
  } catch (error) {
    for (const inv of investigations.values()) inv.metadataViews.push(unreachableView(broker, error))
  }
}

function unreachableView(broker: number, error: unknown): MetadataView {
  return {
    broker,
    leader: null,
    leaderEpoch: null,
    isr: [],
    replicas: [],
    error: 'UNREACHABLE',
    detail: failureText(error),
  }
}

const DEBUGGING_REPLICA_ID = -2

async function replicaLogEnds(
  pool: BrokerPool,
  broker: number,
  partitions: readonly PartitionEnds[],
  investigations: Map<string, ReplicaInvestigation>,
): Promise<void> {
  const record = (p: PartitionEnds, end: Omit<ReplicaLogEnd, 'broker'>) =>
    investigations.get(partitionKey(p.topic, p.partition))?.logEnds.push({ broker, ...end })
  try {
    const reply = await pool.send(
      broker,
      ApiKey.ListOffsets,
      {
        replicaId: DEBUGGING_REPLICA_ID,
        isolationLevel: 0,
        timeoutMs: pool.timeoutMs,
        topics: byTopic(partitions).map(([name, list]) => ({
          name,
          partitions: list.map((p) => ({
            partitionIndex: p.partition,
            currentLeaderEpoch: -1,
            timestamp: -1n,
            maxNumOffsets: 1,
          })),
        })),
      },
      { minVersion: 1 },
    )
    const seen = new Set<string>()
    for (const topic of reply.body.topics) {
      for (const p of topic.partitions) {
        const key = partitionKey(topic.name, p.partitionIndex)
        const inv = investigations.get(key)
        if (!inv) continue
        seen.add(key)
        inv.logEnds.push({
          broker,
          logEndOffset: p.errorCode === 0 ? p.offset : null,
          epoch: p.errorCode === 0 && reply.version >= 4 && p.leaderEpoch >= 0 ? p.leaderEpoch : null,
          error: p.errorCode === 0 ? null : errorName(p.errorCode),
        })
      }
    }
    for (const p of partitions) {
      if (!seen.has(partitionKey(p.topic, p.partition)))
        record(p, { logEndOffset: null, epoch: null, error: 'NO_ANSWER' })
    }
  } catch (error) {
    for (const p of partitions) {
      record(p, { logEndOffset: null, epoch: null, error: 'UNREACHABLE', detail: failureText(error) })
    }
  }
}

async function replicaLogDirs(
  pool: BrokerPool,
  broker: number,
  partitions: readonly PartitionEnds[],
  investigations: Map<string, ReplicaInvestigation>,
): Promise<void> {
  const found = new Map<string, ReplicaLogDir>()
  let failure: string | null = null
  try {
    const reply = await pool.send(broker, ApiKey.DescribeLogDirs, {
      topics: byTopic(partitions).map(([topic, list]) => ({
        topic,
        partitions: list.map((p) => p.partition),
      })),
    })
    for (const dir of reply.body.results) {
      for (const topic of dir.topics) {
        for (const p of topic.partitions) {
          if (p.isFutureKey) continue
          found.set(partitionKey(topic.name, p.partitionIndex), {
            broker,
            logDir: dir.logDir,
            sizeBytes: p.partitionSize,
            offsetLag: p.offsetLag,
            error: dir.errorCode === 0 ? null : errorName(dir.errorCode),
          })
        }
      }
    }
    if (reply.body.errorCode !== 0) failure = errorName(reply.body.errorCode)
  } catch (error) {
    failure = `UNREACHABLE: ${failureText(error)}`
  }
  for (const p of partitions) {
    const key = partitionKey(p.topic, p.partition)
    investigations.get(key)?.logDirs.push(
      found.get(key) ?? {
        broker,
        logDir: null,
        sizeBytes: null,
        offsetLag: null,
        error: failure ?? 'NOT_ON_THIS_BROKER',
      },
    )
  }
}

async function epochEnds(
  pool: BrokerPool,
  suspects: readonly Suspect[],
  investigations: Map<string, ReplicaInvestigation>,
): Promise<void> {
  // One request per leader and "round": a partition appears once per request, so a partition with
  // commits in two epochs (two groups) goes into two rounds.
  const rounds = new Map<string, { leader: number; items: { ends: PartitionEnds; epoch: number }[] }>()
  for (const { ends, committedEpochs } of suspects) {
    if (ends.leader === null) continue
    ;[...new Set(committedEpochs)].forEach((epoch, round) => {
      const key = `${ends.leader}/${round}`
      const entry = rounds.get(key) ?? { leader: ends.leader as number, items: [] }
      entry.items.push({ ends, epoch })
      rounds.set(key, entry)
    })
  }
  await Promise.all(
    [...rounds.values()].map(async ({ leader, items }) => {
      const record = (ends: PartitionEnds, value: EpochEndOffset) =>
        investigations.get(partitionKey(ends.topic, ends.partition))?.epochEnds.push(value)
      try {
        const grouped = new Map<string, { ends: PartitionEnds; epoch: number }[]>()
        for (const item of items) {
          const list = grouped.get(item.ends.topic)
          if (list) list.push(item)
          else grouped.set(item.ends.topic, [item])
        }
        const reply = await pool.send(leader, ApiKey.OffsetForLeaderEpoch, {
          replicaId: -1,
          topics: [...grouped].map(([topic, list]) => ({
            topic,
            partitions: list.map((i) => ({
              partition: i.ends.partition,
              currentLeaderEpoch: -1,
              leaderEpoch: i.epoch,
            })),
          })),
        })
        for (const topic of reply.body.topics) {
          for (const p of topic.partitions) {
            const item = grouped.get(topic.topic)?.find((i) => i.ends.partition === p.partition)
            if (!item) continue
            record(item.ends, {
              epoch: item.epoch,
              endOffset: p.errorCode === 0 && p.endOffset >= 0n ? p.endOffset : null,
              leaderEpoch: p.errorCode === 0 && p.leaderEpoch >= 0 ? p.leaderEpoch : null,
              error: p.errorCode === 0 ? null : errorName(p.errorCode),
            })
          }
        }
      } catch (error) {
        for (const { ends, epoch } of items) {
          record(ends, {
            epoch,
            endOffset: null,
            leaderEpoch: null,
            error: `UNREACHABLE: ${failureText(error)}`,
          })
        }
      }
    }),
  )
}

function byTopic(partitions: readonly PartitionEnds[]): [string, PartitionEnds[]][] {
  const grouped = new Map<string, PartitionEnds[]>()
  for (const p of partitions) {
    const list = grouped.get(p.topic)
    if (list) list.push(p)
    else grouped.set(p.topic, [p])
  }
  return [...grouped]
}
