/**
 * kafka-doctor as a library: collect evidence, analyse it with rules, report. The CLI (src/cli) is a
 * thin layer over these exports.
 */

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
export { type CaptureToolName, captureToolNames, findCaptureTool } from './collect/capture/capture-tool.js'
export {
  type CaptureStop,
  type CaptureTrafficOptions,
  type CaptureTrafficResult,
  captureTraffic,
} from './collect/capture/capture-traffic.js'
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
export { renderFlameGraphHtml } from './report/flame-graph-html.js'
export { writeProfileFiles } from './report/profile-files.js'
export { toSpeedscope } from './report/speedscope.js'
export { renderThreadsText } from './report/threads-text.js'
export { renderTrafficText } from './report/traffic-text.js'
export { toJson } from './util/json.js'
export { toolVersion } from './version.js'
