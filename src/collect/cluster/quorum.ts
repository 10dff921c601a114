import type { BrokerConnection } from '../../net/connection.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import type { DescribeQuorumResponseReplicaState } from '../../protocol/generated/messages/describe-quorum.js'
import { type BrokerPool, collectErrorOf, outcomeOf } from './broker-pool.js'
import type { QuorumReplica, QuorumState } from './snapshot.js'

/**
 * The KRaft metadata quorum, as `kafka-metadata-quorum describe --status --replication` shows it. A
 * broker forwards DescribeQuorum to the active controller; ZooKeeper-mode brokers (and brokers older
 * than 3.3) do not serve it, which is recorded as `unsupported`, not as a failure.
 */

const metadataTopic = '__cluster_metadata'

export async function describeQuorum(
  pool: BrokerPool,
  connection: BrokerConnection,
  brokerId: number | null,
): Promise<QuorumState> {
  if (!connection.supports(ApiKey.DescribeQuorum)) {
    return {
      outcome: 'unsupported',
      error: {
        code: 'KD_PROTOCOL',
        message: 'the broker does not serve DescribeQuorum (ZooKeeper mode or older than 3.3)',
      },
    }
  }
  const requestedAt = new Date().toISOString()
  const started = pool.elapsedMs()
  const asked = brokerId === null ? {} : { askedBroker: brokerId }
  try {
    const reply = await pool.send(connection, brokerId, ApiKey.DescribeQuorum, {
      topics: [{ topicName: metadataTopic, partitions: [{ partitionIndex: 0 }] }],
    })
    const durationMs = Math.round((pool.elapsedMs() - started) * 10) / 10
    const meta = { ...asked, requestedAt, durationMs, apiVersion: reply.version }
    const body = reply.body
    const partition = body.topics.find((t) => t.topicName === metadataTopic)?.partitions[0]
    const errorCode = body.errorCode !== 0 ? body.errorCode : (partition?.errorCode ?? 0)
    if (errorCode !== 0 || !partition) return { outcome: 'ok', ...meta, errorCode: errorCode || -1 }
    const leaderEnd =
      partition.currentVoters.find((v) => v.replicaId === partition.leaderId)?.logEndOffset ??
      partition.highWatermark
    const replica = (r: DescribeQuorumResponseReplicaState): QuorumReplica => ({
      replicaId: r.replicaId,
      logEndOffset: r.logEndOffset,
      lag: r.logEndOffset < 0n ? -1n : leaderEnd - r.logEndOffset,
      lastFetchTimestamp: Number(r.lastFetchTimestamp),
      lastCaughtUpTimestamp: Number(r.lastCaughtUpTimestamp),
    })
    return {
      outcome: 'ok',
      ...meta,
      leaderId: partition.leaderId,
      leaderEpoch: partition.leaderEpoch,
      highWatermark: partition.highWatermark,
      voters: partition.currentVoters.map(replica).sort((a, b) => a.replicaId - b.replicaId),
      observers: partition.observers.map(replica).sort((a, b) => a.replicaId - b.replicaId),
      nodes: body.nodes.map((n) => ({
        nodeId: n.nodeId,
        listeners: n.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })),
      })),
    }
  } catch (error) {
    return {
      ...asked,
      requestedAt,
      durationMs: Math.round((pool.elapsedMs() - started) * 10) / 10,
      outcome: outcomeOf(error),
      error: collectErrorOf(error),
    }
  }
}
