import { majorVersion } from './versions.js'

/**
 * Kafka's command-line tools, by the name of their `bin/*.sh` script, mapped to the main class that
 * script launches. Maven Central has the jars but not the scripts, so the rig launches the classes
 * itself. Several tools moved from the Scala `kafka.*` packages to `org.apache.kafka.tools` in 4.0;
 * `fetch.ts` checks every class named here exists in the fetched jars.
 */
interface ToolClasses {
  /** Main class in Kafka 3.x. */
  v3: string
  /** Main class in Kafka 4.x, when it differs. */
  v4?: string
}

export const kafkaTools = {
  'kafka-topics': { v3: 'org.apache.kafka.tools.TopicCommand' },
  'kafka-consumer-groups': { v3: 'org.apache.kafka.tools.consumer.group.ConsumerGroupCommand' },
  'kafka-console-producer': {
    v3: 'kafka.tools.ConsoleProducer',
    v4: 'org.apache.kafka.tools.ConsoleProducer',
  },
  'kafka-console-consumer': { v3: 'org.apache.kafka.tools.consumer.ConsoleConsumer' },
  'kafka-configs': { v3: 'kafka.admin.ConfigCommand', v4: 'org.apache.kafka.tools.ConfigCommand' },
  'kafka-metadata-quorum': { v3: 'org.apache.kafka.tools.MetadataQuorumCommand' },
  'kafka-leader-election': { v3: 'org.apache.kafka.tools.LeaderElectionCommand' },
  'kafka-get-offsets': { v3: 'org.apache.kafka.tools.GetOffsetShell' },
  'kafka-transactions': { v3: 'org.apache.kafka.tools.TransactionsCommand' },
  'kafka-producer-perf-test': { v3: 'org.apache.kafka.tools.ProducerPerformance' },
  'kafka-consumer-perf-test': { v3: 'org.apache.kafka.tools.ConsumerPerformance' },
  'kafka-log-dirs': { v3: 'org.apache.kafka.tools.LogDirsCommand' },
  'kafka-broker-api-versions': {
    v3: 'kafka.admin.BrokerApiVersionsCommand',
    v4: 'org.apache.kafka.tools.BrokerApiVersionsCommand',
  },
  'kafka-reassign-partitions': { v3: 'org.apache.kafka.tools.reassign.ReassignPartitionsCommand' },
  'kafka-delete-records': { v3: 'org.apache.kafka.tools.DeleteRecordsCommand' },
  'kafka-features': { v3: 'org.apache.kafka.tools.FeatureCommand' },
  'kafka-acls': { v3: 'kafka.admin.AclCommand', v4: 'org.apache.kafka.tools.AclCommand' },
  'kafka-cluster': { v3: 'org.apache.kafka.tools.ClusterTool' },
  'kafka-storage': { v3: 'kafka.tools.StorageTool' },
  'kafka-dump-log': { v3: 'kafka.tools.DumpLogSegments', v4: 'org.apache.kafka.tools.DumpLogSegments' },
  'kafka-verifiable-producer': { v3: 'org.apache.kafka.tools.VerifiableProducer' },
  'kafka-verifiable-consumer': { v3: 'org.apache.kafka.tools.VerifiableConsumer' },
} as const satisfies Record<string, ToolClasses>

export type KafkaToolName = keyof typeof kafkaTools

export const kafkaToolNames = Object.keys(kafkaTools) as KafkaToolName[]

export function isKafkaToolName(name: string): name is KafkaToolName {
  return Object.hasOwn(kafkaTools, name)
}

/** The main class behind `tool` in Kafka `version`. Accepts the script name with or without `.sh`. */
export function toolMainClass(tool: KafkaToolName, version: string): string {
  const classes: ToolClasses = kafkaTools[tool]
  return majorVersion(version) >= 4 ? (classes.v4 ?? classes.v3) : classes.v3
}

/** The broker's main class, the same in 3.x and 4.x. */
export const brokerMainClass = 'kafka.Kafka'
