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
// Diagnosis: evidence bundle, rules, decision table, report.json (kafka-doctor diagnose / analyze)
export {
  type Cell as DecisionCell,
  type DecisionRow,
  decide,
  decisionRows,
  type RootCauseKind,
  rootCauseKinds,
  type Signal,
  type Signals,
  signalColumns,
  signalsOf,
} from './analyse/decision-table.js'
export {
  type ChainStep,
  type Diagnosis,
  diagnoseBundle,
  findingsSchema,
  type RootCause,
} from './analyse/diagnosis.js'
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
export { type Evidence, gatherEvidence } from './analyse/rules/evidence.js'
export { rules as doctorRules, runRules } from './analyse/rules/index.js'
export { type RemedyName, remedyNames, renderRemedy } from './analyse/rules/remedy.js'
export type { Rule as DoctorRule, RuleFacts, RuleFinding, RuleId } from './analyse/rules/rule-types.js'
export { ruleIds } from './analyse/rules/rule-types.js'
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
// Packet captures: capture, decode, analyse (kafka-doctor capture / pcap)
export {
  type AnalyseCaptureOptions,
  analyseCaptureFiles,
  type CaptureAnalysis,
} from './analyse/traffic/analyse-capture.js'
export {
  defaultTrafficLimits,
  TrafficAnalyser,
  type TrafficAnalyserOptions,
  type TrafficLimits,
} from './analyse/traffic/traffic-analyser.js'
export type * from './analyse/traffic/traffic-report.js'
export { trafficFindings } from './analyse/traffic/traffic-rules.js'
export type { Bundle, ClusterLook, SourceAvailability } from './collect/bundle/bundle.js'
export { bundleFiles } from './collect/bundle/bundle-files.js'
export { BundleWriter } from './collect/bundle/bundle-writer.js'
export {
  type CollectBundleOptions,
  type CollectedBundle,
  collectBundle,
} from './collect/bundle/collect-bundle.js'
export type { BundleManifest, SourceEntry, SourceName, SourceStatus } from './collect/bundle/manifest.js'
export { bundleSchema, sourceNames } from './collect/bundle/manifest.js'
export { parseManifest } from './collect/bundle/manifest-schema.js'
export { readBundle } from './collect/bundle/read-bundle.js'
export { writeHeadersOnlyCapture } from './collect/bundle/strip-capture.js'
export { type CaptureToolName, captureToolNames, findCaptureTool } from './collect/capture/capture-tool.js'
export {
  type CaptureStop,
  type CaptureTrafficOptions,
  type CaptureTrafficResult,
  captureTraffic,
} from './collect/capture/capture-traffic.js'
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
export { type DecodedBody, KafkaDecoder } from './pcap/kafka-decoder.js'
// Fault-injection proxy (kafka-doctor proxy)
export type { ChangeEntry } from './proxy/change-log.js'
export { type ListedRule, ProxyControl } from './proxy/control-client.js'
export type { CountersSnapshot, PartitionCount } from './proxy/counters.js'
export { type KafkaProxy, type ListenerInfo, type ProxyOptions, startProxy } from './proxy/proxy.js'
export { type ParsedRule, parseRules, type Rule, type RuleInput, ruleSchema } from './proxy/rules.js'
export { clusterJson } from './report/cluster-json.js'
export { renderClusterText } from './report/cluster-text.js'
export { type DiagnosisTextOptions, renderDiagnosisText } from './report/diagnosis-text.js'
export { renderFlameGraphHtml } from './report/flame-graph-html.js'
export { renderLagText } from './report/lag-text.js'
export { writeProfileFiles } from './report/profile-files.js'
export { renderReportHtml } from './report/report-html.js'
export { buildReport, type ReportJson, reportSchema } from './report/report-json.js'
export type { LagSeries, ReportSeries, TrafficSeries } from './report/report-series.js'
export { toSpeedscope } from './report/speedscope.js'
export { renderThreadsText } from './report/threads-text.js'
export { renderTrafficText } from './report/traffic-text.js'
export { type AnalysisResult, analyseBundleDir } from './report/write-report.js'
export { toJson } from './util/json.js'
export { toolVersion } from './version.js'
