/**
 * The cluster snapshot: what `kafka-doctor cluster` collected, kept as raw, timestamped data so that it
 * can be stored in an evidence bundle (one file per broker view) and analysed again later, offline.
 * Nothing here is a conclusion: the consensus between brokers, the broker table and the findings are
 * derived by src/analyse/cluster from this data alone.
 *
 * Serialise with `toJson` (src/util/json.ts: bigint offsets become numbers) and read back with
 * `parseClusterSnapshot` (snapshot-schema.ts).
 */

export const clusterSnapshotKind = 'kafka-doctor/cluster-snapshot'
export const clusterSnapshotVersion = 1

/** How one request (or connection attempt) ended. Kafka error codes inside an answer are data, not this. */
export type RequestOutcome = 'ok' | 'unreachable' | 'timeout' | 'unsupported' | 'error'

export interface CollectError {
  /** KafkaDoctorError code (KD_UNREACHABLE, KD_TIMEOUT, KD_PROTOCOL, …). */
  code: string
  message: string
}

/** A broker as a Metadata answer lists it (the brokers registered and unfenced, as that broker knows). */
export interface RegisteredBroker {
  id: number
  host: string
  port: number
  rack: string | null
}

export interface ViewPartition {
  partition: number
  /** Kafka error code for this partition (0, LEADER_NOT_AVAILABLE, …): data, not a failure. */
  errorCode: number
  /** -1 when the broker knows no leader. */
  leader: number
  /** -1 when the broker's Metadata version predates leader epochs (v7). */
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
}

export interface ViewTopic {
  name: string
  topicId: string
  errorCode: number
  internal: boolean
  partitions: ViewPartition[]
}

/** One broker's own Metadata answer. */
export interface ViewMetadata {
  apiVersion: number
  clusterId: string | null
  /**
   * The controller id this broker reports. In KRaft mode brokers report a random live broker here (the
   * controllers are not reachable by clients), so only ZooKeeper-mode values can be compared.
   */
  controllerId: number
  brokers: RegisteredBroker[]
  topics: ViewTopic[]
}

/** What one broker said when asked for Metadata directly, in one collection round. */
export interface BrokerView {
  /** Node id of the broker asked (from the registered broker list). */
  brokerId: number
  host: string
  port: number
  /** 1 = first pass; 2 = the recheck made when the first pass showed brokers disagreeing. */
  round: number
  /** ISO time the request left. */
  requestedAt: string
  /** Connect (when not yet connected) plus the round trip, in ms. */
  durationMs: number
  outcome: RequestOutcome
  error?: CollectError
  metadata?: ViewMetadata
}

export interface QuorumReplica {
  replicaId: number
  logEndOffset: bigint
  /** The quorum leader's log end offset minus this replica's (what kafka-metadata-quorum calls Lag). */
  lag: bigint
  /** Controller clock, ms since the epoch; -1 when unknown. */
  lastFetchTimestamp: number
  lastCaughtUpTimestamp: number
}

/** The KRaft metadata quorum (`__cluster_metadata`), from DescribeQuorum. */
export interface QuorumState {
  outcome: RequestOutcome
  error?: CollectError
  /** Kafka error code of the answer (top level or partition), when not 0. */
  errorCode?: number
  /** The broker asked (it forwards the request to the active controller). */
  askedBroker?: number
  requestedAt?: string
  durationMs?: number
  apiVersion?: number
  leaderId?: number
  leaderEpoch?: number
  highWatermark?: bigint
  voters?: QuorumReplica[]
  observers?: QuorumReplica[]
  /** Voter endpoints (DescribeQuorum v2+). */
  nodes?: { nodeId: number; listeners: { name: string; host: string; port: number }[] }[]
}

/** DescribeCluster from the bootstrap broker (Kafka 2.8+). */
export interface DescribeClusterState {
  outcome: RequestOutcome
  error?: CollectError
  errorCode?: number
  askedBroker?: number
  requestedAt?: string
  durationMs?: number
  apiVersion?: number
  clusterId?: string
  controllerId?: number
  /** With v2+ (Kafka 4.x) fenced brokers are included and marked. */
  brokers?: (RegisteredBroker & { fenced: boolean })[]
}

export interface TopicMinIsr {
  topic: string
  errorCode: number
  /** null when the broker did not return the setting. */
  minInsyncReplicas: number | null
  /** DescribeConfigs config source (1 topic, 4 static broker, 5 default …), -1 when unknown. */
  configSource: number
}

/** The leader-balancing settings of the broker asked (they decide whether an imbalance heals itself). */
export interface BrokerBalanceConfigs {
  broker: number
  errorCode: number
  /** `auto.leader.rebalance.enable`; null when not returned. */
  autoLeaderRebalance: boolean | null
  /** `leader.imbalance.per.broker.percentage`. */
  imbalancePerBrokerPercentage: number | null
  /** `leader.imbalance.check.interval.seconds`. */
  imbalanceCheckIntervalSeconds: number | null
}

/**
 * `min.insync.replicas` of every topic and the bootstrap broker's leader-balancing settings, from ONE
 * batched DescribeConfigs request.
 */
export interface ConfigsState {
  outcome: RequestOutcome
  error?: CollectError
  askedBroker?: number
  requestedAt?: string
  durationMs?: number
  apiVersion?: number
  topics: TopicMinIsr[]
  broker: BrokerBalanceConfigs | null
}

/** Every request kafka-doctor sent, for the evidence bundle's "how" and for measuring the cost. */
export interface RequestRecord {
  /** Node id of the broker, or null for a bootstrap address not (yet) mapped to one. */
  brokerId: number | null
  address: string
  /** API name, or `connect` for a TCP connection that failed before any request. */
  api: string
  /** null when unknown (a failed connect or ApiVersions exchange). */
  version: number | null
  /** ms since the collection started. */
  startMs: number
  durationMs: number
  outcome: RequestOutcome
}

export interface BootstrapAttempt {
  address: string
  outcome: RequestOutcome
  /** The node id the address maps to in the registered broker list, when it does. */
  brokerId: number | null
  error?: CollectError
}

export interface ClusterSnapshot {
  kind: typeof clusterSnapshotKind
  schemaVersion: typeof clusterSnapshotVersion
  tool: { name: 'kafka-doctor'; version: string }
  startedAt: string
  finishedAt: string
  durationMs: number
  /** The per-request (and connect) bound the collection ran with. */
  timeoutMs: number
  /** `--topic` names, or null for every topic. */
  topicsRequested: string[] | null
  bootstrap: BootstrapAttempt[]
  /** The bootstrap broker whose answer named the brokers to ask. */
  bootstrapBroker: number | null
  /**
   * The first bootstrap answer, kept only when its address is none of the registered brokers'
   * advertised addresses (a load balancer, a DNS alias, a NAT): if the advertised addresses turn out
   * to be unreachable from here, it is the only view there is.
   */
  bootstrapView?: { address: string; requestedAt: string; durationMs: number; metadata: ViewMetadata }
  /** KRaft when the brokers advertise DescribeQuorum (a KRaft-only API for brokers), else ZooKeeper. */
  mode: 'kraft' | 'zookeeper'
  describeCluster: DescribeClusterState
  quorum: QuorumState
  configs: ConfigsState
  /** Every broker's own Metadata answer, every round. */
  views: BrokerView[]
  requests: RequestRecord[]
  warnings: string[]
}
