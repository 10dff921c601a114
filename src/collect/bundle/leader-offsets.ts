import { z } from 'zod'
import { BrokerConnection } from '../../net/connection.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { BrokerView, ClusterSnapshot } from '../cluster/snapshot.js'
import { errorOf } from './source-run.js'

/**
 * The high watermark as each claimed leader reports it. Where the brokers' own Metadata answers
 * disagree about a partition's leader, every broker named as leader by some view is asked for the
 * partition's latest offset (ListOffsets, as a consumer or kafka-consumer-groups asks it). A broker
 * that still believes it leads answers with its own — stale — high watermark: the number every tool
 * whose metadata comes from that broker computes lag against. This is how `diagnose` can say "lag
 * reads negative because broker N's high watermark is stale" even when its own metadata came from a
 * healthy broker. Read-only: one ListOffsets per claimed leader.
 */
export const leaderOffsetsSchema = 'kafka-doctor/leader-offsets@1'

export interface LeaderClaim {
  /** The broker named as leader, and asked. */
  leader: number
  leaderEpoch: number
  /** The brokers whose own view names this leader and epoch. */
  claimedBy: number[]
  /** Its answer: the high watermark (READ_UNCOMMITTED latest), or why there is none. */
  highWatermark: bigint | null
  answeredEpoch: number | null
  error: string | null
  askedAt: string
}

export interface LeaderOffsets {
  schema: typeof leaderOffsetsSchema
  takenAt: string
  partitions: { topic: string; partition: number; claims: LeaderClaim[] }[]
}

/** Partitions whose latest views disagree on leader or epoch, with who claims what. */
export function disputedPartitions(snapshot: ClusterSnapshot): {
  topic: string
  partition: number
  claims: Map<string, { leader: number; epoch: number; by: number[] }>
}[] {
  const lastRound = Math.max(0, ...snapshot.views.map((v) => v.round))
  const views = snapshot.views.filter(
    (v): v is BrokerView & { metadata: NonNullable<BrokerView['metadata']> } =>
      Boolean(v.round === lastRound && v.metadata),
  )
  const byPartition = new Map<
    string,
    { topic: string; partition: number; claims: Map<string, { leader: number; epoch: number; by: number[] }> }
  >()
  for (const view of views) {
    for (const topic of view.metadata.topics) {
      if (topic.errorCode !== 0) continue
      for (const p of topic.partitions) {
        const key = `${topic.name}\u0000${p.partition}`
        const entry = byPartition.get(key) ?? { topic: topic.name, partition: p.partition, claims: new Map() }
        const claimKey = `${p.leader}/${p.leaderEpoch}`
        const claim = entry.claims.get(claimKey) ?? { leader: p.leader, epoch: p.leaderEpoch, by: [] }
        claim.by.push(view.brokerId)
        entry.claims.set(claimKey, claim)
        byPartition.set(key, entry)
      }
    }
  }
  return [...byPartition.values()].filter((p) => p.claims.size > 1)
}

export async function probeLeaderOffsets(
  snapshot: ClusterSnapshot,
  options: { timeoutMs: number; clientId?: string },
): Promise<LeaderOffsets> {
  const takenAt = new Date().toISOString()
  const disputed = disputedPartitions(snapshot)
  const addresses = new Map<number, { host: string; port: number }>()
  for (const view of snapshot.views) {
    addresses.set(view.brokerId, { host: view.host, port: view.port })
    for (const b of view.metadata?.brokers ?? []) if (!addresses.has(b.id)) addresses.set(b.id, b)
  }
  // One request per claimed leader, for all the partitions it is named leader of.
  const asks = new Map<number, { topic: string; partition: number; claim: LeaderClaim }[]>()
  const partitions: LeaderOffsets['partitions'] = []
  for (const d of disputed) {
    const claims: LeaderClaim[] = []
    for (const c of d.claims.values()) {
      if (c.leader < 0) continue
      const claim: LeaderClaim = {
        leader: c.leader,
        leaderEpoch: c.epoch,
        claimedBy: [...c.by].sort((a, b) => a - b),
        highWatermark: null,
        answeredEpoch: null,
        error: null,
        askedAt: takenAt,
      }
      claims.push(claim)
      const list = asks.get(c.leader) ?? []
      list.push({ topic: d.topic, partition: d.partition, claim })
      asks.set(c.leader, list)
    }
    partitions.push({
      topic: d.topic,
      partition: d.partition,
      claims: claims.sort((a, b) => a.leader - b.leader),
    })
  }
  await Promise.all(
    [...asks].map(async ([leader, list]) => {
      const address = addresses.get(leader)
      if (!address) {
        for (const { claim } of list) claim.error = 'UNREACHABLE: no address known'
        return
      }
      let connection: BrokerConnection | undefined
      try {
        connection = await BrokerConnection.open({
          ...address,
          nodeId: leader,
          connectTimeoutMs: options.timeoutMs,
          requestTimeoutMs: options.timeoutMs,
          ...(options.clientId ? { clientId: options.clientId } : {}),
        })
        const byTopic = new Map<string, typeof list>()
        for (const item of list) byTopic.set(item.topic, [...(byTopic.get(item.topic) ?? []), item])
        const reply = await connection.send(
          ApiKey.ListOffsets,
          {
            replicaId: -1,
            isolationLevel: 0,
            timeoutMs: options.timeoutMs,
            topics: [...byTopic].map(([name, items]) => ({
              name,
              partitions: items.map((i) => ({
                partitionIndex: i.partition,
                currentLeaderEpoch: -1,
                timestamp: -1n,
                maxNumOffsets: 1,
              })),
            })),
          },
          { minVersion: 1 },
        )
        const askedAt = new Date().toISOString()
        for (const topic of reply.body.topics) {
          for (const p of topic.partitions) {
            const item = byTopic.get(topic.name)?.find((i) => i.partition === p.partitionIndex)
            if (!item) continue
            item.claim.askedAt = askedAt
            if (p.errorCode !== 0) item.claim.error = errorName(p.errorCode)
            else {
              item.claim.highWatermark = p.offset
              item.claim.answeredEpoch = reply.version >= 4 && p.leaderEpoch >= 0 ? p.leaderEpoch : null
            }
          }
        }
        for (const { claim } of list)
          if (claim.highWatermark === null && claim.error === null) claim.error = 'NO_ANSWER'
      } catch (error) {
        const e = errorOf(error)
        for (const { claim } of list) claim.error = `UNREACHABLE: ${e.message}`
      } finally {
        await connection?.close()
      }
    }),
  )
  return { schema: leaderOffsetsSchema, takenAt, partitions }
}

const offset = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((v) => BigInt(v))

export const leaderOffsetsZod = z.object({
  schema: z.literal(leaderOffsetsSchema),
  takenAt: z.string(),
  partitions: z.array(
    z.object({
      topic: z.string(),
      partition: z.number().int(),
      claims: z.array(
        z.object({
          leader: z.number().int(),
          leaderEpoch: z.number().int(),
          claimedBy: z.array(z.number().int()),
          highWatermark: offset.nullable(),
          answeredEpoch: z.number().int().nullable(),
          error: z.string().nullable(),
          askedAt: z.string(),
        }),
      ),
    }),
  ),
})
