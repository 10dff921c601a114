/**
 * What `kafka-doctor pcap` reports: plain, JSON-serialisable data (bigint offsets go through
 * util/json.ts). Times are seconds since the first Kafka frame of the analysis (`start` gives its wall
 * clock), so series from several rotated files line up.
 */
import type { Finding } from '../finding.js'
import type { LatencySummary } from './latency-histogram.js'

export interface CaptureFileReport {
  file: string
  format: string
  bytesRead: number
  packets: number
  tcpConnections: number
  warnings: number
  /** The first warnings (truncation, corruption, gaps) with their byte offsets. */
  firstWarnings: Array<{ code: string; message: string; fileOffset: number }>
}

/** Where in the capture something was seen: the file, the byte offset of the frame, the time. */
export interface FrameRef {
  file: string
  fileOffset: number
  t: number
}

export interface ApiKeyCount {
  apiKey: number
  api: string
  /** Requests whose header could be read (answered or not). */
  requests: number
  /** Responses paired with their request. */
  responses: number
  /** Requests per api version (a response counts under its request's version). */
  versions: Record<string, { requests: number; responses: number }>
}

export interface FlowReport {
  clientId: string
  clientAddress: string
  broker: string
  brokerId: number | undefined
  api: string
  apiKey: number
  requests: number
  responses: number
  ratePerS: number
  latency: LatencySummary
  /** Responses carrying at least one non-zero error code. */
  errorResponses: number
  throttledResponses: number
  maxThrottleMs: number
  bytesToBroker: number
  bytesToClient: number
}

export interface ErrorReport {
  api: string
  code: number
  error: string
  topic: string | undefined
  partition: number | undefined
  count: number
  firstT: number
  lastT: number
  brokers: string[]
  clients: string[]
  first: FrameRef
  last: FrameRef
}

/** Errors one client got from one broker for one partition (or group) of one API: what loops are made of. */
export interface ClientErrorReport {
  clientId: string
  clientAddress: string
  broker: string
  brokerId: number | undefined
  api: string
  topic: string | undefined
  partition: number | undefined
  group: string | undefined
  /** Count per error name. */
  codes: Record<string, number>
  count: number
  firstT: number
  lastT: number
  first: FrameRef
  last: FrameRef
}

export interface FetchSettings {
  maxWaitMs: number
  minBytes: number
  maxBytes: number
  isolationLevel: 'read_uncommitted' | 'read_committed'
}

export interface FetchClientReport {
  clientId: string
  clientAddress: string
  broker: string
  brokerId: number | undefined
  fetches: number
  ratePerS: number
  /** Answers with no record data in any partition. */
  emptyRatio: number
  /** Answers with an error (top level or any partition). */
  erroredRatio: number
  /** Answers that were empty or errored: nothing for the client to process. */
  idleRatio: number
  /** The settings the client sent (its fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes, isolation.level). */
  settings: FetchSettings | undefined
  /** Other settings seen on the same flow, if they changed. */
  otherSettings: FetchSettings[]
  latency: LatencySummary
  firstT: number
  lastT: number
  first: FrameRef | undefined
  last: FrameRef | undefined
  /** Partitions this flow fetched (by session or listed), at most 64. */
  partitions: string[]
}

export interface WatermarkPoint {
  t: number
  broker: string
  highWatermark: bigint
  lastStableOffset: bigint
  logStartOffset: bigint
}

export interface FetchPartitionReport {
  topic: string
  partition: number
  /** Fetch requests that covered the partition (listed, or part of the fetch session). */
  fetches: number
  ratePerS: number
  /** Of those, how many got no records for it. */
  emptyRatio: number
  errors: Record<string, number>
  records: number
  recordBytes: number
  /** HW / LSO / log start as the brokers reported them, a point per change. */
  watermarks: WatermarkPoint[]
  /** KIP-951: the leader the broker named in an error answer (CurrentLeader), last seen. */
  currentLeaderHint: { leaderId: number; leaderEpoch: number; count: number } | undefined
}

export interface LeaderPoint {
  /** First and last answer of this run of identical answers, and how many there were. */
  t: number
  lastT: number
  answers: number
  leader: number
  epoch: number
  /** The broker whose Metadata answer said so. */
  answeredBy: string
}

export interface MetadataReport {
  requests: number
  ratePerS: number
  answers: number
  /** Answers in which some partition's leader or epoch differed from the previous answer. */
  changedAnswers: number
  /** Leader and epoch per partition over time, a point per change. */
  partitions: Array<{ topic: string; partition: number; leaders: LeaderPoint[] }>
  /** Node id → address, from the answers' broker lists. */
  brokers: Array<{ nodeId: number; host: string; port: number }>
}

export interface GroupReport {
  group: string
  joinGroups: number
  syncGroups: number
  heartbeats: number
  leaveGroups: number
  /** Distinct generation ids seen, ascending (at most 256). */
  generations: number[]
  errors: Record<string, number>
  members: number
  firstT: number
  lastT: number
}

export interface ClientReport {
  clientId: string
  clientAddress: string
  software: { name: string; version: string } | undefined
  connections: number
  requests: number
}

export interface TimelineBucket {
  t: number
  requests: number
  errors: number
  bytes: number
  byApi: Record<string, { requests: number; errors: number; bytes: number }>
}

export interface DecodeErrorReport {
  count: number
  /** Count per kind (truncated, unsupported, malformed). */
  byKind: Record<string, number>
  examples: Array<FrameRef & { apiKey: number | undefined; apiVersion: number | undefined; message: string }>
}

export interface TrafficReport {
  /** Wall-clock time of t = 0 (ISO), undefined for a capture without Kafka frames. */
  start: string | undefined
  durationS: number
  files: CaptureFileReport[]
  exchanges: {
    paired: number
    unanswered: Record<string, number>
    unmatchedResponses: number
    unmatchedExamples: FrameRef[]
    unreadableRequests: number
  }
  decodeErrors: DecodeErrorReport
  apiKeys: ApiKeyCount[]
  clients: ClientReport[]
  flows: FlowReport[]
  errors: ErrorReport[]
  clientErrors: ClientErrorReport[]
  fetch: { clients: FetchClientReport[]; partitions: FetchPartitionReport[] }
  metadata: MetadataReport
  groups: GroupReport[]
  timeline: { bucketS: number; buckets: TimelineBucket[] }
  /** Brokers learnt from answers (followed on their ports) and those named only by host name. */
  brokersLearnt: string[]
  brokersNotFollowed: string[]
  /** Per table, how many keys were refused once its bound was reached (0 everywhere = complete). */
  truncatedTables: Record<string, number>
  findings: Finding[]
}
