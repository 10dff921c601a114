import type { BrokerConnection } from '../../net/connection.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import { type BrokerPool, collectErrorOf, outcomeOf } from './broker-pool.js'
import type { DescribeClusterState } from './snapshot.js'

/**
 * DescribeCluster (Kafka 2.8+): cluster id, the controller id the broker reports and the registered
 * brokers; from v2 (Kafka 4.x) also the fenced ones, which is how a stopped broker's address stays
 * known after the controller fenced it.
 */

const brokerEndpoints = 1

export async function describeCluster(
  pool: BrokerPool,
  connection: BrokerConnection,
  brokerId: number | null,
): Promise<DescribeClusterState> {
  if (!connection.supports(ApiKey.DescribeCluster)) {
    return {
      outcome: 'unsupported',
      error: { code: 'KD_PROTOCOL', message: 'the broker does not serve DescribeCluster (older than 2.8)' },
    }
  }
  const requestedAt = new Date().toISOString()
  const started = pool.elapsedMs()
  const asked = brokerId === null ? {} : { askedBroker: brokerId }
  try {
    const reply = await pool.send(connection, brokerId, ApiKey.DescribeCluster, {
      includeClusterAuthorizedOperations: false,
      endpointType: brokerEndpoints,
      includeFencedBrokers: true,
    })
    const body = reply.body
    const meta = {
      ...asked,
      requestedAt,
      durationMs: Math.round((pool.elapsedMs() - started) * 10) / 10,
      apiVersion: reply.version,
    }
    if (body.errorCode !== 0) return { outcome: 'ok', ...meta, errorCode: body.errorCode }
    return {
      outcome: 'ok',
      ...meta,
      clusterId: body.clusterId,
      controllerId: body.controllerId,
      brokers: body.brokers
        .map((b) => ({ id: b.brokerId, host: b.host, port: b.port, rack: b.rack, fenced: b.isFenced }))
        .sort((a, b) => a.id - b.id),
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
