import type { Finding } from '../finding.js'
import type { Evidence } from './evidence.js'

/**
 * The rules of the diagnosis (PRODUCT.md "Rules"): pure functions over an evidence bundle. Each rule
 * returns findings with the common Finding shape plus the rule's `facts` — the numbers and names the
 * decision table and the evidence chain are built from — so that nothing downstream parses prose.
 */

export const ruleIds = [
  'doctor.poll-spin',
  'doctor.not-leader-loop',
  'doctor.negative-lag',
  'doctor.replication',
  'doctor.metadata-divergence',
  'doctor.rebalance-storm',
  'doctor.not-kafka',
  'doctor.old-client',
  'doctor.fetch-settings',
  'doctor.offset-reset-loop',
  'doctor.coordinator-errors',
  'doctor.leader-offline',
] as const
export type RuleId = (typeof ruleIds)[number]

export interface HotThreadFact {
  name: string
  tid?: number
  nidHex?: string
  cpuPercent: number
  kind: string
  label: string
  /** The innermost frames (up to 24), innermost first. */
  frames: string[]
}

export interface PollSpinFacts {
  thread?: HotThreadFact
  /** From the capture: the busiest fetch flow of the consumer. */
  fetch?: {
    client: string
    broker?: number
    ratePerS: number
    allowedPerS?: number
    maxWaitMs?: number
    idleRatio: number
    erroredRatio: number
  }
  /** Records the group consumed over the run (from lag samples), when known. */
  consumedRecords?: number
}

export interface NotLeaderLoopFacts {
  topic: string
  partition: number
  broker?: number
  client: string
  errors: number
  codes: Record<string, number>
  ratePerS: number
  spanS: number
  /** Metadata answers in the capture naming the refusing broker as the leader during the loop. */
  metadataNamingBroker: number
}

export interface DivergenceFacts {
  topic: string
  partition: number
  /** The broker whose own view differs. */
  broker: number
  claimedLeader: number
  claimedEpoch: number
  agreedLeader: number
  agreedEpoch: number
  agreeing: number[]
  /** Seen in both cluster looks (start and end) or in both rounds of one look. */
  persistent: boolean
  /** Which cluster looks showed it. */
  phases: string[]
  controller: number | null
}

export interface NegativeLagFacts {
  group: string
  topic: string
  partition: number
  committed: string
  /** The high watermark that reads below the commit, and which broker reported it. */
  highWatermark: string
  broker?: number
  lag: string
  /** The lag analysis' explanation (`lag.negative.stale-leader` …), when it made one. */
  cause?: string
  /** Samples in which it was negative, of those taken. */
  negativeSamples: number
  samples: number
  /** The agreed leader's HW, when a claimed-leader probe read both. */
  leaderHighWatermark?: string
}

export interface ReplicationFacts {
  topic: string
  partition?: number
  problems: string[]
  sourceIds: string[]
}

export interface RebalanceFacts {
  group: string
  generations?: number[]
  joinGroups?: number
  states?: string[]
}

export interface NotKafkaFacts {
  thread: HotThreadFact
  area: 'user-code' | 'deserialization' | 'gc'
  /** The hottest non-Kafka method in the profile, when there is one. */
  hotMethod?: { method: string; selfPercent: number; totalPercent: number }
  processCpuPercent?: number
}

export interface OldClientFacts {
  client: string
  software: string
  version: string
  fixedIn: string
  looping: boolean
}

export interface FetchSettingsFacts {
  client: string
  maxWaitMs: number
  minBytes: number
  ratePerS: number
}

export interface OffsetResetFacts {
  topic?: string
  partition?: number
  client?: string
  errors: number
}

export interface CoordinatorFacts {
  group?: string
  client?: string
  codes: Record<string, number>
}

export interface LeaderOfflineFacts {
  topic: string
  partitions: number[]
  /** The brokers that hold the partitions' replicas (the cluster's agreed view), when known. */
  replicas: number[]
  /** Those of them that are down: not registered with the controller, or not answering. */
  downBrokers: { id: number; address?: string; registered: boolean; reachable: boolean }[]
  /** Which sources showed the partitions leaderless: `cluster`, `lag`, `capture`. */
  seenIn: string[]
  /** The judged clients' LEADER_NOT_AVAILABLE answers for the partitions (their metadata retries). */
  clientRetries?: { clients: string[]; errors: number; spanS: number; ratePerS: number }
  /** The lag analysis' finding that nobody consumes the partitions, when it made one. */
  lagFinding?: string
}

/** The facts each rule attaches to its findings. */
export interface RuleFacts {
  'doctor.poll-spin': PollSpinFacts
  'doctor.not-leader-loop': NotLeaderLoopFacts
  'doctor.negative-lag': NegativeLagFacts
  'doctor.replication': ReplicationFacts
  'doctor.metadata-divergence': DivergenceFacts
  'doctor.rebalance-storm': RebalanceFacts
  'doctor.not-kafka': NotKafkaFacts
  'doctor.old-client': OldClientFacts
  'doctor.fetch-settings': FetchSettingsFacts
  'doctor.offset-reset-loop': OffsetResetFacts
  'doctor.coordinator-errors': CoordinatorFacts
  'doctor.leader-offline': LeaderOfflineFacts
}

export interface RuleFinding<R extends RuleId = RuleId> extends Finding {
  id: R
  /** Present on `issue` findings (and on `ok` ones when there is something to show). */
  facts?: RuleFacts[R]
  /** Ids of the source analyses' findings this one wraps (cluster.*, lag.*, traffic.*). */
  basedOn: string[]
}

/** A rule: which sources it reads, and the pure function. */
export interface Rule<R extends RuleId = RuleId> {
  id: R
  title: string
  evaluate(evidence: Evidence): RuleFinding<R>[]
}
