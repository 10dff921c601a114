import type { BrokerConnection } from '../../net/connection.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import type { DescribeConfigsResponseDescribeConfigsResult } from '../../protocol/generated/messages/describe-configs.js'
import { type BrokerPool, collectErrorOf, outcomeOf } from './broker-pool.js'
import type { BrokerBalanceConfigs, ConfigsState, TopicMinIsr } from './snapshot.js'

/**
 * ONE DescribeConfigs request for everything the analysis needs: `min.insync.replicas` of every topic
 * (the effective value: the topic override, else the broker or cluster default) and, from the broker
 * asked, the leader-balancing settings that decide whether a preferred-leader imbalance heals itself.
 * Without min.insync.replicas the at-min-ISR and under-min-ISR checks cannot run; a failure is
 * recorded and the analysis says so.
 */

const topicResource = 2
const brokerResource = 4
const minIsrKey = 'min.insync.replicas'
const balanceKeys = [
  'auto.leader.rebalance.enable',
  'leader.imbalance.per.broker.percentage',
  'leader.imbalance.check.interval.seconds',
] as const

export async function describeConfigs(
  pool: BrokerPool,
  connection: BrokerConnection,
  brokerId: number | null,
  topics: readonly string[],
): Promise<ConfigsState> {
  const resources = [
    ...topics.map((name) => ({
      resourceType: topicResource,
      resourceName: name,
      configurationKeys: [minIsrKey],
    })),
    // Broker configs must be asked of the broker itself, so only when the bootstrap's node id is known.
    ...(brokerId === null
      ? []
      : [
          {
            resourceType: brokerResource,
            resourceName: String(brokerId),
            configurationKeys: [...balanceKeys],
          },
        ]),
  ]
  if (resources.length === 0) return { outcome: 'ok', topics: [], broker: null }
  const requestedAt = new Date().toISOString()
  const started = pool.elapsedMs()
  const asked = brokerId === null ? {} : { askedBroker: brokerId }
  const durationMs = () => Math.round((pool.elapsedMs() - started) * 10) / 10
  try {
    const reply = await pool.send(connection, brokerId, ApiKey.DescribeConfigs, {
      resources,
      includeSynonyms: false,
      includeDocumentation: false,
    })
    const results = reply.body.results
    const minIsr: TopicMinIsr[] = results
      .filter((r) => r.resourceType === topicResource)
      .map((result) => {
        const entry = result.configs.find((c) => c.name === minIsrKey)
        return {
          topic: result.resourceName,
          errorCode: result.errorCode,
          minInsyncReplicas: integer(entry?.value),
          configSource: entry?.configSource ?? -1,
        }
      })
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))
    const brokerResult = results.find((r) => r.resourceType === brokerResource)
    return {
      outcome: 'ok',
      ...asked,
      requestedAt,
      durationMs: durationMs(),
      apiVersion: reply.version,
      topics: minIsr,
      broker: brokerResult && brokerId !== null ? balanceConfigs(brokerId, brokerResult) : null,
    }
  } catch (error) {
    return {
      ...asked,
      requestedAt,
      durationMs: durationMs(),
      outcome: outcomeOf(error),
      error: collectErrorOf(error),
      topics: [],
      broker: null,
    }
  }
}

function balanceConfigs(
  broker: number,
  result: DescribeConfigsResponseDescribeConfigsResult,
): BrokerBalanceConfigs {
  const value = (key: string) => result.configs.find((c) => c.name === key)?.value ?? null
  const enabled = value('auto.leader.rebalance.enable')
  return {
    broker,
    errorCode: result.errorCode,
    autoLeaderRebalance: enabled === null ? null : enabled.trim().toLowerCase() === 'true',
    imbalancePerBrokerPercentage: integer(value('leader.imbalance.per.broker.percentage')),
    imbalanceCheckIntervalSeconds: integer(value('leader.imbalance.check.interval.seconds')),
  }
}

function integer(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null
  const n = Number.parseInt(text, 10)
  return Number.isFinite(n) ? n : null
}
