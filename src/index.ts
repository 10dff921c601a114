/**
 * kafka-doctor as a library: collect evidence, analyse it with rules, report. The CLI (src/cli) is a
 * thin layer over these exports.
 */

// Cluster health and per-broker metadata (kafka-doctor cluster)
export { type AnalyseClusterOptions, analyseCluster } from './analyse/cluster/analyse-cluster.js'
export {
  type ConsensusRule,
  type Dissent,
  type DissentReason,
  type PartitionConsensus,
  type PartitionValue,
  partitionConsensus,
} from './analyse/cluster/consensus.js'
export { type RemedyContext, remedies as clusterRemedies } from './analyse/cluster/remedies.js'
export type {
  BrokerStatus,
  ClusterAnalysis,
  ClusterDivergence,
  ClusterSummary,
  ControllerSummary,
  PartitionDivergence,
  PartitionState,
  TopicSummary,
} from './analyse/cluster/types.js'
export type { EvidenceRef, Finding, FindingSubject, Verdict } from './analyse/finding.js'
// Consumer lag (kafka-doctor lag): collect snapshots, samples as JSON lines, Burrow's evaluator
export {
  type AnalyseLagOptions,
  analyseLag,
  type LagGroupReport,
  type LagReport,
  type LagReportRow,
  lagReportSchema,
  type RowStatus,
} from './analyse/lag/analyse-lag.js'
export {
  type BurrowStatus,
  buildRing,
  burrowStatuses,
  type EvaluatorOptions,
  evaluateWindow,
  type GroupStatus,
  groupStatus,
  type RingEntry,
  type WindowEvaluation,
} from './analyse/lag/burrow-evaluator.js'
export {
  type EvaluateSamplesOptions,
  evaluateSamples,
  type PartitionWindowResult,
  windowKey,
} from './analyse/lag/evaluate-samples.js'
export { lagFindings } from './analyse/lag/lag-findings.js'
export {
  applicableLag,
  type IsolationGuess,
  isolationOf,
  type LagBasis,
  type LagRow,
  lagRows,
  type PartitionState as LagPartitionState,
  partitionStates as lagPartitionStates,
} from './analyse/lag/lag-rows.js'
export { explainNegative, negativeLagFindings } from './analyse/lag/negative-lag.js'
export { HwHistory, type HwPoint, type TimeLag, type TimeLagKind } from './analyse/lag/time-lag.js'
// JVM threads and profiles (kafka-doctor threads / profile)
export {
  type ClassifyThresholds,
  classifyThread,
  defaultThresholds,
  type ThreadClassification,
  type ThreadKind,
  threadKinds,
} from './analyse/threads/classify.js'
export { type FoldedStack, foldedText, StackFolder } from './analyse/threads/fold.js'
export { type HotMethod, hotMethods } from './analyse/threads/hot-methods.js'
export { type CollectClusterOptions, collectClusterSnapshot } from './collect/cluster/collect-cluster.js'
export type {
  BrokerView,
  ClusterSnapshot,
  ConfigsState,
  QuorumState,
  RequestRecord,
  ViewMetadata,
  ViewPartition,
} from './collect/cluster/snapshot.js'
export { clusterFiles, snapshotFiles } from './collect/cluster/snapshot-files.js'
export { parseClusterSnapshot, readClusterSnapshot } from './collect/cluster/snapshot-schema.js'
export type { RequestStats, UnreachableBroker } from './collect/lag/broker-pool.js'
export {
  type CollectLagOptions,
  collectLag,
  LagCollector,
  type LagConnectOptions,
  type LagTargetOptions,
} from './collect/lag/collect-lag.js'
export {
  type LagSample,
  lagSampleSchema,
  lagSamplesToJsonLines,
  parseLagSamples,
  samplesOf,
} from './collect/lag/lag-samples.js'
export type {
  CommittedOffset,
  GroupEvidence,
  GroupMember,
  GroupType,
  IsolationLevelName,
  LagSnapshot,
  PartitionEnds,
  ReplicaInvestigation,
} from './collect/lag/lag-snapshot.js'
export { lagSnapshotSchema } from './collect/lag/lag-snapshot.js'
export { parseCollapsed, profileFromCollapsed } from './collect/profile/collapsed-input.js'
export { type ProfileJvmOptions, profileJvm } from './collect/profile/profile-jvm.js'
export type { ProfiledThread, ProfileResult } from './collect/profile/profile-result.js'
export { analyseThreadFiles, type ThreadFileInput } from './collect/threads/offline.js'
export { type SampleThreadsOptions, sampleThreads } from './collect/threads/sample-threads.js'
export { parseThreadDump, parseThreadDumps } from './collect/threads/thread-dump.js'
export type { DumpedThread, StackFrame, ThreadDump } from './collect/threads/thread-dump-types.js'
export type {
  HotThread,
  ThreadSample,
  ThreadsResult,
  ThreadsRound,
} from './collect/threads/threads-result.js'
// General
export * from './errors.js'
export { type BrokerAddress, parseBootstrapServers } from './net/address.js'
export { type ClientConfig, parseClientConfig, readClientConfig } from './net/client-config.js'
export * from './outcome.js'
// Packet captures
export * from './pcap/index.js'
// Fault-injection proxy (kafka-doctor proxy)
export type { ChangeEntry } from './proxy/change-log.js'
export { type ListedRule, ProxyControl } from './proxy/control-client.js'
export type { CountersSnapshot, PartitionCount } from './proxy/counters.js'
export { type KafkaProxy, type ListenerInfo, type ProxyOptions, startProxy } from './proxy/proxy.js'
export { type ParsedRule, parseRules, type Rule, type RuleInput, ruleSchema } from './proxy/rules.js'
export { clusterJson } from './report/cluster-json.js'
export { renderClusterText } from './report/cluster-text.js'
export { renderFlameGraphHtml } from './report/flame-graph-html.js'
export { renderLagText } from './report/lag-text.js'
export { writeProfileFiles } from './report/profile-files.js'
export { toSpeedscope } from './report/speedscope.js'
export { renderThreadsText } from './report/threads-text.js'
export { toJson } from './util/json.js'
export { toolVersion } from './version.js'
