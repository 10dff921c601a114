/**
 * server.properties for the rig's nodes. One controller-only process (node 0) plus N broker-only
 * processes (nodes 1..N): stopping any broker never touches the KRaft quorum, which is what tests that
 * stop brokers need, and broker ids match what Metadata shows.
 */

export const controllerNodeId = 0
const host = '127.0.0.1'

export interface ClusterConfigOptions {
  brokerCount: number
  controllerPort: number
  /** `replica.lag.time.max.ms`; left at Kafka's default (30 s) when undefined. */
  replicaLagTimeMaxMs?: number | undefined
  /** `min.insync.replicas` for the whole cluster; Kafka's default (1) when undefined. */
  minInsyncReplicas?: number | undefined
  /** Extra `key=value` settings for every broker, applied last. */
  brokerOverrides?: Readonly<Record<string, string>> | undefined
}

function quorumVoters(options: ClusterConfigOptions): string {
  return `${controllerNodeId}@${host}:${options.controllerPort}`
}

export function controllerProperties(options: ClusterConfigOptions, dataDir: string): Record<string, string> {
  return {
    'process.roles': 'controller',
    'node.id': String(controllerNodeId),
    'controller.quorum.voters': quorumVoters(options),
    listeners: `CONTROLLER://${host}:${options.controllerPort}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    'num.io.threads': '2',
    'num.network.threads': '2',
    ...topicDefaults(options),
  }
}

/**
 * Defaults for new topics. In KRaft the controller applies them when it creates a topic (Kafka 4.x
 * warns when they are set on brokers only), while brokers still read them in 3.x: both get them.
 */
function topicDefaults(options: ClusterConfigOptions): Record<string, string> {
  return {
    'num.partitions': '1',
    ...(options.minInsyncReplicas === undefined
      ? {}
      : { 'min.insync.replicas': String(options.minInsyncReplicas) }),
  }
}

export function brokerProperties(
  options: ClusterConfigOptions,
  nodeId: number,
  port: number,
  dataDir: string,
): Record<string, string> {
  const internalReplication = String(Math.min(3, options.brokerCount))
  const properties: Record<string, string> = {
    'process.roles': 'broker',
    'node.id': String(nodeId),
    'controller.quorum.voters': quorumVoters(options),
    listeners: `PLAINTEXT://${host}:${port}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    // Tests create every topic explicitly, so a typo never silently creates one.
    'auto.create.topics.enable': 'false',
    'offsets.topic.replication.factor': internalReplication,
    'transaction.state.log.replication.factor': internalReplication,
    'transaction.state.log.min.isr': String(Math.min(2, options.brokerCount)),
    // Fewer internal partitions: the first consumer group and the first transaction come up faster.
    'offsets.topic.num.partitions': '10',
    'transaction.state.log.num.partitions': '10',
    'group.initial.rebalance.delay.ms': '0',
    // A small machine: fewer threads and a small cleaner buffer.
    'num.network.threads': '2',
    'num.io.threads': '2',
    'num.replica.fetchers': '1',
    'num.recovery.threads.per.data.dir': '1',
    'log.cleaner.threads': '1',
    'log.cleaner.dedupe.buffer.size': String(8 * 1024 * 1024),
  }
  if (options.replicaLagTimeMaxMs !== undefined) {
    properties['replica.lag.time.max.ms'] = String(options.replicaLagTimeMaxMs)
  }
  return { ...properties, ...topicDefaults(options), ...options.brokerOverrides }
}

export function renderProperties(properties: Readonly<Record<string, string>>, header: string): string {
  const lines = Object.entries(properties).map(([key, value]) => `${key}=${value}`)
  return `# ${header}\n${lines.join('\n')}\n`
}
