import type { BrokerConnection } from '../../net/connection.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import { defaultMetadataRequest, type MetadataResponse } from '../../protocol/generated/messages/metadata.js'
import { type BrokerPool, collectErrorOf, outcomeOf } from './broker-pool.js'
import type { BrokerView, ViewMetadata } from './snapshot.js'

/**
 * Asking one broker for its own Metadata. Each broker answers from its local metadata cache, so the
 * answers of different brokers are independent views of the cluster: comparing them is how a broker
 * that missed an update (an older leader epoch, a different leader or ISR) shows itself.
 */

const zeroUuid = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Sends Metadata for `topics` (null = every topic) over an open connection. */
export async function requestMetadata(
  pool: BrokerPool,
  connection: BrokerConnection,
  brokerId: number | null,
  topics: readonly string[] | null,
): Promise<{ version: number; body: MetadataResponse }> {
  const request = {
    ...defaultMetadataRequest(),
    topics: topics === null ? null : topics.map((name) => ({ topicId: zeroUuid, name })),
    allowAutoTopicCreation: false,
  }
  // v0 cannot ask for "all topics" (null); v7 added leader epochs, which the comparison needs, but
  // brokers older than 2.1 only reach v6, so accept them and record epoch -1.
  return pool.send(connection, brokerId, ApiKey.Metadata, request, { minVersion: 1 })
}

/** A Metadata answer as snapshot data, topics and partitions in a stable order. */
export function toViewMetadata(version: number, body: MetadataResponse): ViewMetadata {
  return {
    apiVersion: version,
    clusterId: body.clusterId,
    controllerId: body.controllerId,
    brokers: body.brokers
      .map((b) => ({ id: b.nodeId, host: b.host, port: b.port, rack: b.rack }))
      .sort((a, b) => a.id - b.id),
    topics: body.topics
      .map((t) => ({
        name: t.name ?? '',
        topicId: t.topicId,
        errorCode: t.errorCode,
        internal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            errorCode: p.errorCode,
            leader: p.leaderId,
            leaderEpoch: version >= 7 ? p.leaderEpoch : -1,
            replicas: [...p.replicaNodes],
            isr: [...p.isrNodes],
            offlineReplicas: [...p.offlineReplicas],
          }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  }
}

export interface ViewTarget {
  brokerId: number
  host: string
  port: number
}

/**
 * One broker's view: connect if needed, ask, and never throw for a broker that is down or slow — the
 * view then records the outcome, so the run goes on with partial results.
 */
export async function collectView(
  pool: BrokerPool,
  target: ViewTarget,
  topics: readonly string[] | null,
  round: number,
): Promise<BrokerView> {
  const requestedAt = new Date().toISOString()
  const started = pool.elapsedMs()
  const base = { brokerId: target.brokerId, host: target.host, port: target.port, round, requestedAt }
  try {
    const connection = await pool.open(target, target.brokerId)
    const reply = await requestMetadata(pool, connection, target.brokerId, topics)
    return {
      ...base,
      durationMs: elapsed(pool, started),
      outcome: 'ok',
      metadata: toViewMetadata(reply.version, reply.body),
    }
  } catch (error) {
    return {
      ...base,
      durationMs: elapsed(pool, started),
      outcome: outcomeOf(error),
      error: collectErrorOf(error),
    }
  }
}

function elapsed(pool: BrokerPool, started: number): number {
  return Math.round((pool.elapsedMs() - started) * 10) / 10
}
