/**
 * The traffic analysis as an incremental aggregator: exchanges go in one at a time as the capture is
 * read (`add`), `report()` turns the aggregates into a TrafficReport with its findings. Memory is
 * constant in the size of the capture: latencies go into fixed histograms, series keep change points
 * under a cap, and every per-key table is a BoundedMap whose overflow is reported.
 */
import type { KafkaCaptureSummary } from '../../pcap/kafka-capture.js'
import type { DecodedBody } from '../../pcap/kafka-decoder.js'
import type { KafkaExchange, KafkaFrameBase } from '../../pcap/kafka-frame.js'
import { ApiKey, apiName } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { ApiVersionsRequest } from '../../protocol/generated/messages/api-versions.js'
import type { FindCoordinatorRequest } from '../../protocol/generated/messages/find-coordinator.js'
import type { MetadataResponse } from '../../protocol/generated/messages/metadata.js'
import { BoundedMap } from './bounded-map.js'
import { FetchTracker } from './fetch-tracker.js'
import { GroupTracker } from './group-tracker.js'
import { LatencyHistogram } from './latency-histogram.js'
import { MetadataTracker } from './metadata-tracker.js'
import { PartitionTable } from './partition-table.js'
import { endpoint, isoTime, perSecond, round3 } from './report-values.js'
import { forEachResponseError } from './response-errors.js'
import { Timeline } from './timeline.js'
import type { CaptureFileReport, ClientErrorReport, FrameRef, TrafficReport } from './traffic-report.js'
import { trafficFindings } from './traffic-rules.js'

export interface TrafficLimits {
  /** client × broker × api flows. */
  flows: number
  /** api × topic × partition × error code rows. */
  errors: number
  /** client × broker × api × partition (or group) error rows. */
  clientErrors: number
  partitions: number
  groups: number
  clients: number
  /** Fetch sessions followed at once (one per connection). */
  fetchSessions: number
}

export const defaultTrafficLimits: TrafficLimits = {
  flows: 10_000,
  errors: 20_000,
  clientErrors: 20_000,
  partitions: 20_000,
  groups: 5_000,
  clients: 10_000,
  fetchSessions: 20_000,
}

export interface TrafficAnalyserOptions {
  /** topic id → name (the decoder learns it from Metadata answers); consulted at report time. */
  topicName?: (topicId: string) => string | undefined
  limits?: Partial<TrafficLimits>
}

type Exchange = KafkaExchange<DecodedBody, DecodedBody>

interface Flow {
  clientId: string
  clientAddress: string
  broker: string
  apiKey: number
  requests: number
  responses: number
  errorResponses: number
  throttledResponses: number
  maxThrottleMs: number
  bytesToBroker: number
  bytesToClient: number
  firstT: number
  lastT: number
  latency: LatencyHistogram
}

interface ErrorRow {
  api: string
  code: number
  topic: string | undefined
  partition: number | undefined
  count: number
  first: FrameRef
  last: FrameRef
  brokers: Set<string>
  clients: Set<string>
}

interface ClientErrorRow {
  clientId: string
  clientAddress: string
  broker: string
  api: string
  topic: string | undefined
  partition: number | undefined
  group: string | undefined
  codes: Map<number, number>
  count: number
  first: FrameRef
  last: FrameRef
}

interface ClientStats {
  clientId: string
  clientAddress: string
  software: { name: string; version: string } | undefined
  connections: Set<number>
  requests: number
}

export class TrafficAnalyser {
  private file = ''
  private readonly files: CaptureFileReport[] = []
  private origin: bigint | undefined
  private lastT = 0
  private readonly flows: BoundedMap<string, Flow>
  private readonly errors: BoundedMap<string, ErrorRow>
  private readonly clientErrors: BoundedMap<string, ClientErrorRow>
  private readonly clients: BoundedMap<string, ClientStats>
  private readonly apiKeys = new Map<number, Map<number, { requests: number; responses: number }>>()
  private readonly unanswered = new Map<string, number>()
  private paired = 0
  private unmatched = 0
  private readonly unmatchedExamples: FrameRef[] = []
  private unreadable = 0
  private decodeErrorCount = 0
  private readonly decodeErrorKinds = new Map<string, number>()
  private readonly decodeErrorExamples: TrafficReport['decodeErrors']['examples'] = []
  private readonly partitions: PartitionTable
  private readonly fetch: FetchTracker
  private readonly metadata: MetadataTracker
  private readonly groups: GroupTracker
  private readonly timeline = new Timeline()
  private readonly brokersLearnt = new Set<string>()
  private readonly brokersNotFollowed = new Set<string>()

  constructor(private readonly options: TrafficAnalyserOptions = {}) {
    const limits = { ...defaultTrafficLimits, ...options.limits }
    this.flows = new BoundedMap(limits.flows)
    this.errors = new BoundedMap(limits.errors)
    this.clientErrors = new BoundedMap(limits.clientErrors)
    this.clients = new BoundedMap(limits.clients)
    this.partitions = new PartitionTable(limits.partitions)
    this.fetch = new FetchTracker(limits, this.partitions)
    this.metadata = new MetadataTracker(this.partitions)
    this.groups = new GroupTracker(limits.groups)
  }

  /** The next exchanges come from this file (names evidence references). */
  beginFile(file: string): void {
    this.file = file
  }

  /** What the reader said about the file just read (counts and the first warnings with offsets). */
  endFile(
    summary: KafkaCaptureSummary,
    learnt?: { brokersLearnt: string[]; brokersNotFollowed: string[] },
  ): void {
    this.files.push({
      file: this.file,
      format: summary.format,
      bytesRead: summary.bytesRead,
      packets: summary.packets.packets,
      tcpConnections: summary.tcp.connections,
      warnings: Object.values(summary.warningCounts).reduce((a, b) => a + (b ?? 0), 0),
      firstWarnings: summary.warnings
        .slice(0, 10)
        .map((w) => ({ code: w.code, message: w.message, fileOffset: w.fileOffset })),
    })
    for (const b of learnt?.brokersLearnt ?? []) this.brokersLearnt.add(b)
    for (const b of learnt?.brokersNotFollowed ?? []) this.brokersNotFollowed.add(b)
  }

  add(exchange: Exchange): void {
    const { request, response } = exchange
    const header = request?.header
    const firstFrame = request ?? response
    if (!firstFrame) return
    const t = this.time(firstFrame.firstTs)
    if (exchange.decodeError) this.decodeError(exchange, firstFrame, t)
    switch (exchange.status) {
      case 'unmatched':
        this.unmatched++
        if (this.unmatchedExamples.length < 20) this.unmatchedExamples.push(this.ref(firstFrame, t))
        if (response) this.timeline.add(t, 'unknown', response.size, false, false)
        return
      case 'unreadable':
        this.unreadable++
        return
      case 'unanswered': {
        const reason = exchange.unansweredReason ?? 'closed'
        this.unanswered.set(reason, (this.unanswered.get(reason) ?? 0) + 1)
        break
      }
      case 'paired':
        this.paired++
    }
    if (!header || !request) return
    const { apiKey, apiVersion } = header
    const api = apiName(apiKey)
    const counts = this.versionCounts(apiKey, apiVersion)
    counts.requests++
    if (response) counts.responses++

    const clientId = header.clientId ?? ''
    const clientAddress = exchange.connection.client.ip
    const broker = endpoint(exchange.connection.broker.ip, exchange.connection.broker.port)
    const clientKey = `${clientId}\u0000${clientAddress}`
    const client = this.clients.obtain(clientKey, () => ({
      clientId,
      clientAddress,
      software: undefined,
      connections: new Set(),
      requests: 0,
    }))
    if (client) {
      client.requests++
      if (client.connections.size < 1000) client.connections.add(exchange.connection.id)
    }

    const requestBody = exchange.requestBody
    const responseBody = exchange.responseBody
    if (apiKey === ApiKey.ApiVersions && requestBody && client) {
      const av = requestBody as unknown as ApiVersionsRequest
      if (av.clientSoftwareName)
        client.software = { name: av.clientSoftwareName, version: av.clientSoftwareVersion }
    }

    // Errors and throttling, for every api.
    let errored = false
    const responseT = response ? this.time(response.lastTs) : t
    if (responseBody) {
      const group = groupOf(apiKey, requestBody)
      forEachResponseError(responseBody, (e) => {
        errored = true
        this.countError(
          api,
          e.code,
          e.topic,
          e.partition,
          e.group ?? group,
          broker,
          clientId,
          clientAddress,
          response!,
          responseT,
        )
      })
    }
    const throttle = responseBody
      ? Number((responseBody as { throttleTimeMs?: unknown }).throttleTimeMs ?? 0)
      : 0

    const flow = this.flows.obtain(`${clientKey}\u0000${broker}\u0000${apiKey}`, () => ({
      clientId,
      clientAddress,
      broker,
      apiKey,
      requests: 0,
      responses: 0,
      errorResponses: 0,
      throttledResponses: 0,
      maxThrottleMs: 0,
      bytesToBroker: 0,
      bytesToClient: 0,
      firstT: t,
      lastT: t,
      latency: new LatencyHistogram(),
    }))
    if (flow) {
      flow.requests++
      flow.bytesToBroker += request.size
      flow.lastT = t
      if (response) {
        flow.responses++
        flow.bytesToClient += response.size
        if (exchange.latencyNs !== undefined) flow.latency.add(exchange.latencyNs)
        if (errored) flow.errorResponses++
        if (throttle > 0) {
          flow.throttledResponses++
          if (throttle > flow.maxThrottleMs) flow.maxThrottleMs = throttle
        }
      }
    }
    this.timeline.add(t, api, request.size, true, false)
    if (response) this.timeline.add(responseT, api, response.size, false, errored)

    switch (apiKey) {
      case ApiKey.Fetch:
        this.fetch.add(exchange, clientId, clientAddress, broker, t, responseT, errored, this.ref(request, t))
        break
      case ApiKey.Metadata:
        this.metadata.request(t)
        if (responseBody) this.metadata.answer(responseBody as unknown as MetadataResponse, broker, responseT)
        break
      case ApiKey.JoinGroup:
      case ApiKey.SyncGroup:
      case ApiKey.Heartbeat:
      case ApiKey.LeaveGroup:
        this.groups.add(apiKey, requestBody, responseBody, t)
        break
    }
  }

  report(): TrafficReport {
    const duration = this.lastT
    const rate = (n: number, first: number, last: number) => perSecond(n, last - first)
    const topic = (key: string | undefined) => this.topicName(key)
    const name = (key: string) => this.topicName(key) ?? key
    const brokerId = (address: string) => this.metadata.nodeIdOf(address)

    const apiKeys = [...this.apiKeys.entries()]
      .sort(([a], [b]) => a - b)
      .map(([apiKey, versions]) => {
        let requests = 0
        let responses = 0
        const byVersion: Record<string, { requests: number; responses: number }> = {}
        for (const [v, c] of [...versions.entries()].sort(([a], [b]) => a - b)) {
          requests += c.requests
          responses += c.responses
          byVersion[String(v)] = { ...c }
        }
        return { apiKey, api: apiName(apiKey), requests, responses, versions: byVersion }
      })

    const flows = [...this.flows.values()]
      .map((f) => ({
        clientId: f.clientId,
        clientAddress: f.clientAddress,
        broker: f.broker,
        brokerId: brokerId(f.broker),
        api: apiName(f.apiKey),
        apiKey: f.apiKey,
        requests: f.requests,
        responses: f.responses,
        ratePerS: rate(f.requests, f.firstT, f.lastT),
        latency: f.latency.summary(),
        errorResponses: f.errorResponses,
        throttledResponses: f.throttledResponses,
        maxThrottleMs: f.maxThrottleMs,
        bytesToBroker: f.bytesToBroker,
        bytesToClient: f.bytesToClient,
      }))
      .sort((a, b) => b.requests - a.requests)

    const errors = [...this.errors.values()]
      .map((e) => ({
        api: e.api,
        code: e.code,
        error: errorName(e.code),
        topic: topic(e.topic),
        partition: e.partition,
        count: e.count,
        firstT: e.first.t,
        lastT: e.last.t,
        brokers: [...e.brokers],
        clients: [...e.clients],
        first: e.first,
        last: e.last,
      }))
      .sort((a, b) => b.count - a.count)

    const clientErrors: ClientErrorReport[] = [...this.clientErrors.values()]
      .map((e) => ({
        clientId: e.clientId,
        clientAddress: e.clientAddress,
        broker: e.broker,
        brokerId: brokerId(e.broker),
        api: e.api,
        topic: topic(e.topic),
        partition: e.partition,
        group: e.group,
        codes: Object.fromEntries([...e.codes].map(([c, n]) => [errorName(c), n])),
        count: e.count,
        firstT: e.first.t,
        lastT: e.last.t,
        first: e.first,
        last: e.last,
      }))
      .sort((a, b) => b.count - a.count)

    const report: TrafficReport = {
      start: isoTime(this.origin),
      durationS: round3(duration),
      files: this.files,
      exchanges: {
        paired: this.paired,
        unanswered: Object.fromEntries(this.unanswered),
        unmatchedResponses: this.unmatched,
        unmatchedExamples: this.unmatchedExamples,
        unreadableRequests: this.unreadable,
      },
      decodeErrors: {
        count: this.decodeErrorCount,
        byKind: Object.fromEntries(this.decodeErrorKinds),
        examples: this.decodeErrorExamples,
      },
      apiKeys,
      clients: [...this.clients.values()]
        .map((c) => ({
          clientId: c.clientId,
          clientAddress: c.clientAddress,
          software: c.software,
          connections: c.connections.size,
          requests: c.requests,
        }))
        .sort((a, b) => b.requests - a.requests),
      flows,
      errors,
      clientErrors,
      fetch: this.fetch.report(brokerId, name),
      metadata: this.metadata.report(name),
      groups: this.groups.report(),
      timeline: this.timeline.toReport(),
      brokersLearnt: [...this.brokersLearnt],
      brokersNotFollowed: [...this.brokersNotFollowed],
      truncatedTables: {
        flows: this.flows.dropped,
        errors: this.errors.dropped,
        clientErrors: this.clientErrors.dropped,
        ...this.fetch.dropped,
        partitions: this.partitions.dropped,
        groups: this.groups.dropped,
        clients: this.clients.dropped,
      },
      findings: [],
    }
    report.findings = trafficFindings(report)
    return report
  }

  // ---- per api -------------------------------------------------------------------------------

  // ---- helpers -------------------------------------------------------------------------------

  private countError(
    api: string,
    code: number,
    topic: string | undefined,
    partition: number | undefined,
    group: string | undefined,
    broker: string,
    clientId: string,
    clientAddress: string,
    frame: KafkaFrameBase,
    t: number,
  ): void {
    const ref = this.ref(frame, t)
    const row = this.errors.obtain(`${api}\u0000${topic}\u0000${partition}\u0000${code}`, () => ({
      api,
      code,
      topic,
      partition,
      count: 0,
      first: ref,
      last: ref,
      brokers: new Set(),
      clients: new Set(),
    }))
    if (row) {
      row.count++
      row.last = ref
      if (row.brokers.size < 16) row.brokers.add(broker)
      if (row.clients.size < 16) row.clients.add(clientId)
    }
    const key = `${clientId}\u0000${clientAddress}\u0000${broker}\u0000${api}\u0000${topic}\u0000${partition}\u0000${topic === undefined ? group : ''}`
    const clientRow = this.clientErrors.obtain(key, () => ({
      clientId,
      clientAddress,
      broker,
      api,
      topic,
      partition,
      group: topic === undefined ? group : undefined,
      codes: new Map(),
      count: 0,
      first: ref,
      last: ref,
    }))
    if (clientRow) {
      clientRow.count++
      clientRow.last = ref
      clientRow.codes.set(code, (clientRow.codes.get(code) ?? 0) + 1)
    }
  }

  private versionCounts(apiKey: number, apiVersion: number): { requests: number; responses: number } {
    let versions = this.apiKeys.get(apiKey)
    if (!versions) {
      versions = new Map()
      this.apiKeys.set(apiKey, versions)
    }
    let counts = versions.get(apiVersion)
    if (!counts) {
      counts = { requests: 0, responses: 0 }
      versions.set(apiVersion, counts)
    }
    return counts
  }

  private decodeError(exchange: Exchange, frame: KafkaFrameBase, t: number): void {
    const error = exchange.decodeError!
    this.decodeErrorCount++
    const kind =
      error.code === 'KD_TRUNCATED'
        ? 'truncated'
        : error.message.startsWith('unsupported')
          ? 'unsupported'
          : 'malformed'
    this.decodeErrorKinds.set(kind, (this.decodeErrorKinds.get(kind) ?? 0) + 1)
    if (this.decodeErrorExamples.length < 20) {
      const failed = exchange.responseBody === undefined && exchange.response ? exchange.response : frame
      this.decodeErrorExamples.push({
        ...this.ref(failed, t),
        apiKey: exchange.request?.header?.apiKey,
        apiVersion: exchange.request?.header?.apiVersion,
        message: error.message,
      })
    }
  }

  private time(ts: bigint): number {
    if (this.origin === undefined) this.origin = ts
    const t = Number(ts - this.origin) / 1e9
    if (t > this.lastT) this.lastT = t
    return t
  }

  private ref(frame: KafkaFrameBase, t: number): FrameRef {
    return { file: this.file, fileOffset: frame.fileOffset, t: round3(t) }
  }

  private topicName(key: string | undefined): string | undefined {
    if (key === undefined || !key.startsWith('id:')) return key
    return this.options.topicName?.(key.slice(3)) ?? key
  }
}

function groupOf(apiKey: number, body: DecodedBody | undefined): string | undefined {
  if (!body) return undefined
  if (typeof body.groupId === 'string') return body.groupId
  if (apiKey === ApiKey.FindCoordinator) {
    const fc = body as unknown as FindCoordinatorRequest
    return fc.key || fc.coordinatorKeys[0]
  }
  return undefined
}
