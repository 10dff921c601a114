import type { QuorumState, RequestOutcome } from '../../collect/cluster/snapshot.js'
import type { Severity } from '../../outcome.js'
import type { Finding } from '../finding.js'
import type { ConsensusRule, Dissent, PartitionValue, TopicPresence } from './consensus.js'

/** What `analyseCluster` derives from a snapshot: the cluster as the brokers agree on it, and findings. */

export interface BrokerStatus {
  id: number
  /** null when the broker is known only from replica lists (not registered, address unknown). */
  host: string | null
  port: number | null
  rack: string | null
  /** In the broker list the brokers agree on: registered with the controller and not fenced. */
  registered: boolean
  /** From DescribeCluster v2+ (Kafka 4.x), which also lists fenced brokers; null when not known. */
  fenced: boolean | null
  /** Answered kafka-doctor's own Metadata request in the latest round. */
  reachable: boolean
  /** How the latest request to it ended; `not-asked` for a broker with no known address. */
  outcome: RequestOutcome | 'not-asked'
  error?: string
  /** Partitions it leads / holds a replica of, in the agreed view. */
  leaderOf: number
  replicaOf: number
}

export interface PartitionState extends PartitionValue {
  topic: string
  partition: number
  minInsyncReplicas: number | null
  /** Brokers whose own Metadata answer is exactly this value. */
  reportedBy: number[]
  /** Some broker reports something else (see `divergence`). */
  divergent: boolean
  /** Short problem names (the finding ids without `cluster.`), empty when healthy. */
  problems: string[]
}

export interface TopicSummary {
  name: string
  internal: boolean
  partitions: number
  /** Largest replica count over its partitions. */
  replicationFactor: number
  minInsyncReplicas: number | null
}

export interface PartitionDissent extends Dissent {
  /** Also a dissenter in the previous round (true), not then (false), or only one round asked (null). */
  persistent: boolean | null
}

export interface PartitionDivergence {
  topic: string
  partition: number
  rule: ConsensusRule
  agreed: PartitionValue
  agreeing: number[]
  dissenters: PartitionDissent[]
  missingOn: number[]
}

export interface ValueDissent<T> {
  broker: number
  value: T
}

export interface ClusterDivergence {
  /** Collection rounds compared (2 when the first showed a disagreement and brokers were asked again). */
  rounds: number
  partitions: PartitionDivergence[]
  /** Topics some answering brokers do not know. */
  topics: (TopicPresence & { persistent: boolean | null })[]
  /** Registered broker ids per the majority of views, and the brokers that list others. */
  brokerList: { agreed: number[]; agreeing: number[]; dissenters: ValueDissent<number[]>[] } | null
  /** ZooKeeper mode only: KRaft brokers report a random live broker as controller by design. */
  controller: { agreed: number; agreeing: number[]; dissenters: ValueDissent<number>[] } | null
  clusterId: { agreed: string | null; dissenters: ValueDissent<string | null>[] } | null
  /** Partitions brokers disagreed on in the previous round but agree on now (an election in flight). */
  resolved: { topic: string; partition: number; brokers: number[] }[]
}

export interface ControllerSummary {
  /** KRaft: the quorum leader (a controller node); ZooKeeper: the controller most brokers name. */
  id: number | null
  source: 'describe-quorum' | 'metadata' | 'unknown'
  /** The controller id in each broker's Metadata (KRaft: a random live broker, for clients only). */
  reportedByBrokers: { broker: number; controllerId: number }[]
  /** DescribeCluster's controller id, when answered. */
  describeCluster: number | null
}

export interface ClusterSummary {
  brokers: { known: number; registered: number; reachable: number; unreachable: number }
  topics: number
  partitions: number
  findings: Record<Severity, number>
  /** Findings per id. */
  byId: Record<string, number>
  worst: Severity
}

export interface ClusterAnalysis {
  clusterId: string | null
  mode: 'kraft' | 'zookeeper'
  controller: ControllerSummary
  quorum: QuorumState
  brokers: BrokerStatus[]
  topics: TopicSummary[]
  partitions: PartitionState[]
  divergence: ClusterDivergence
  findings: Finding[]
  summary: ClusterSummary
}
