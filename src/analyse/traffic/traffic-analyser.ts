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
import type { FetchRequest, FetchResponse } from '../../protocol/generated/messages/fetch.js'
import type { FindCoordinatorRequest } from '../../protocol/generated/messages/find-coordinator.js'
import type { JoinGroupResponse } from '../../protocol/generated/messages/join-group.js'
import type { MetadataResponse } from '../../protocol/generated/messages/metadata.js'
import { BoundedMap } from './bounded-map.js'
import { CompactSeries } from './compact-series.js'
import { LatencyHistogram } from './latency-histogram.js'
import { countRecords } from './record-batches.js'
import { forEachResponseError, topicKey } from './response-errors.js'
import { Timeline } from './timeline.js'
import type {
  CaptureFileReport,
  ClientErrorReport,
  FetchSettings,
  FrameRef,
  LeaderPoint,
  TrafficReport,
  WatermarkPoint,
} from './traffic-report.js'
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

interface FetchFlow {
  clientId: string
  clientAddress: string
  broker: string
  fetches: number
  answered: number
  empty: number
  errored: number
  idle: number
  settings: Map<string, FetchSettings>
  lastSettings: FetchSettings | undefined
  firstT: number
  lastT: number
  first: FrameRef | undefined
  last: FrameRef | undefined
  latency: LatencyHistogram
  partitions: Set<string>
}

interface PartitionStats {
  topic: string
  partition: number
  fetches: number
  empty: number
  firstT: number
  lastT: number
  errors: Map<number, number>
  records: number
  recordBytes: number
  watermarks: CompactSeries<WatermarkPoint>
  hint: { leaderId: number; leaderEpoch: number; count: number } | undefined
  leaders: CompactSeries<LeaderPoint>
  lastLeader: string | undefined
}

interface GroupStats {
  group: string
  joinGroups: number
  syncGroups: number
  heartbeats: number
  leaveGroups: number
  generations: Set<number>
  errors: Map<number, number>
  members: Set<string>
  firstT: number
  lastT: number
}

interface ClientStats {
  clientId: string
  clientAddress: string
  software: { name: string; version: string } | undefined
  connections: Set<number>
  requests: number
}

const isolationLevels = ['read_uncommitted', 'read_committed'] as const

export class TrafficAnalyser {
  private file = ''
  private readonly files: CaptureFileReport[] = []
  private origin: bigint | undefined
  private lastT = 0
  private readonly flows: BoundedMap<string, Flow>
  private readonly errors: BoundedMap<string, ErrorRow>
  private readonly clientErrors: BoundedMap<string, ClientErrorRow>
  private readonly fetchFlows: BoundedMap<string, FetchFlow>
  private readonly partitions: BoundedMap<string, PartitionStats>
  private readonly fetchSessions: BoundedMap<number, Set<string>>
  private readonly groups: BoundedMap<string, GroupStats>
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
  private metadataRequests = 0
  private metadataAnswers = 0
  private metadataChanged = 0
  private firstMetadataT: number | undefined
  private lastMetadataT = 0
  /** node id → host:port, and "ip|port" → node id, from Metadata answers. */
  private readonly brokerNodes = new Map<number, { host: string; port: number }>()
  private readonly nodeIdByAddress = new Map<string, number>()
  private readonly timeline = new Timeline()
  private readonly brokersLearnt = new Set<string>()
  private readonly brokersNotFollowed = new Set<string>()

  constructor(private readonly options: TrafficAnalyserOptions = {}) {
    const limits = { ...defaultTrafficLimits, ...options.limits }
    this.flows = new BoundedMap(limits.flows)
    this.errors = new BoundedMap(limits.errors)
    this.clientErrors = new BoundedMap(limits.clientErrors)
    this.fetchFlows = new BoundedMap(limits.flows)
    this.partitions = new BoundedMap(limits.partitions)
    this.fetchSessions = new BoundedMap(limits.fetchSessions)
    this.groups = new BoundedMap(limits.groups)
    this.clients = new BoundedMap(limits.clients)
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
        this.fetch(exchange, clientId, clientAddress, broker, t, responseT, errored)
        break
      case ApiKey.Metadata:
        this.metadataRequests++
        this.firstMetadataT ??= t
        this.lastMetadataT = t
        if (responseBody) this.metadata(responseBody as unknown as MetadataResponse, broker, responseT)
        break
      case ApiKey.JoinGroup:
      case ApiKey.SyncGroup:
      case ApiKey.Heartbeat:
      case ApiKey.LeaveGroup:
        this.group(apiKey, requestBody, responseBody, t)
        break
    }
  }

  report(): TrafficReport {
    const duration = this.lastT
    const rate = (n: number, first: number, last: number) => perSecond(n, last - first)
    const topic = (key: string | undefined) => this.topicName(key)
    const brokerId = (address: string) => this.nodeIdByAddress.get(address)

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

    const fetchClients = [...this.fetchFlows.values()]
      .map((f) => ({
        clientId: f.clientId,
        clientAddress: f.clientAddress,
        broker: f.broker,
        brokerId: brokerId(f.broker),
        fetches: f.fetches,
        ratePerS: rate(f.fetches, f.firstT, f.lastT),
        emptyRatio: ratio(f.empty, f.answered),
        erroredRatio: ratio(f.errored, f.answered),
        idleRatio: ratio(f.idle, f.answered),
        settings: f.lastSettings,
        otherSettings: [...f.settings.values()].filter((s) => s !== f.lastSettings),
        latency: f.latency.summary(),
        firstT: round3(f.firstT),
        lastT: round3(f.lastT),
        first: f.first,
        last: f.last,
        partitions: [...f.partitions].map((p) => this.partitionLabel(p)),
      }))
      .sort((a, b) => b.fetches - a.fetches)

    const partitionStats = [...this.partitions.values()]
    const fetchPartitions = partitionStats
      .filter((p) => p.fetches > 0 || p.errors.size > 0 || p.watermarks.length > 0)
      .map((p) => ({
        topic: topic(p.topic) ?? p.topic,
        partition: p.partition,
        fetches: p.fetches,
        ratePerS: rate(p.fetches, p.firstT, p.lastT),
        emptyRatio: ratio(p.empty, p.fetches),
        errors: Object.fromEntries([...p.errors].map(([c, n]) => [errorName(c), n])),
        records: p.records,
        recordBytes: p.recordBytes,
        watermarks: p.watermarks.toArray().map((point) => point.value),
        currentLeaderHint: p.hint,
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)

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
      fetch: { clients: fetchClients, partitions: fetchPartitions },
      metadata: {
        requests: this.metadataRequests,
        ratePerS:
          this.firstMetadataT === undefined
            ? 0
            : rate(this.metadataRequests, this.firstMetadataT, this.lastMetadataT),
        answers: this.metadataAnswers,
        changedAnswers: this.metadataChanged,
        partitions: partitionStats
          .filter((p) => p.leaders.length > 0)
          .map((p) => ({
            topic: topic(p.topic) ?? p.topic,
            partition: p.partition,
            leaders: p.leaders.toArray().map((point) => point.value),
          }))
          .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
        brokers: [...this.brokerNodes]
          .map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port }))
          .sort((a, b) => a.nodeId - b.nodeId),
      },
      groups: [...this.groups.values()].map((g) => ({
        group: g.group,
        joinGroups: g.joinGroups,
        syncGroups: g.syncGroups,
        heartbeats: g.heartbeats,
        leaveGroups: g.leaveGroups,
        generations: [...g.generations].sort((a, b) => a - b),
        errors: Object.fromEntries([...g.errors].map(([c, n]) => [errorName(c), n])),
        members: g.members.size,
        firstT: round3(g.firstT),
        lastT: round3(g.lastT),
      })),
      timeline: this.timeline.toReport(),
      brokersLearnt: [...this.brokersLearnt],
      brokersNotFollowed: [...this.brokersNotFollowed],
      truncatedTables: {
        flows: this.flows.dropped,
        errors: this.errors.dropped,
        clientErrors: this.clientErrors.dropped,
        fetchFlows: this.fetchFlows.dropped,
        partitions: this.partitions.dropped,
        fetchSessions: this.fetchSessions.dropped,
        groups: this.groups.dropped,
        clients: this.clients.dropped,
      },
      findings: [],
    }
    report.findings = trafficFindings(report)
    return report
  }

  // ---- per api -------------------------------------------------------------------------------

  private fetch(
    exchange: Exchange,
    clientId: string,
    clientAddress: string,
    broker: string,
    t: number,
    responseT: number,
    errored: boolean,
  ): void {
    const request = exchange.requestBody as unknown as FetchRequest | undefined
    // Brokers fetch from each other as replicas; the analysis is about consumers.
    if (request && request.replicaId >= 0) return
    if (request?.replicaState && request.replicaState.replicaId >= 0) return
    const flow = this.fetchFlows.obtain(`${clientId}\u0000${clientAddress}\u0000${broker}`, () => ({
      clientId,
      clientAddress,
      broker,
      fetches: 0,
      answered: 0,
      empty: 0,
      errored: 0,
      idle: 0,
      settings: new Map(),
      lastSettings: undefined,
      firstT: t,
      lastT: t,
      first: undefined,
      last: undefined,
      latency: new LatencyHistogram(),
      partitions: new Set(),
    }))
    const frameRef = this.ref(exchange.request!, t)
    if (flow) {
      flow.fetches++
      flow.lastT = t
      flow.first ??= frameRef
      flow.last = frameRef
    }
    // Which partitions this fetch covers: those it lists, plus (in an incremental fetch session,
    // KIP-227) those the session already holds.
    const covered = new Set<string>()
    if (request) {
      const settings: FetchSettings = {
        maxWaitMs: request.maxWaitMs,
        minBytes: request.minBytes,
        maxBytes: request.maxBytes,
        isolationLevel: isolationLevels[request.isolationLevel] ?? 'read_uncommitted',
      }
      if (flow) {
        const key = `${settings.maxWaitMs}/${settings.minBytes}/${settings.maxBytes}/${settings.isolationLevel}`
        const known = flow.settings.get(key)
        if (known) flow.lastSettings = known
        else if (flow.settings.size < 8) {
          flow.settings.set(key, settings)
          flow.lastSettings = settings
        }
      }
      // Epoch 0 opens a session and -1 fetches without one: both list every partition they want.
      const full = request.sessionEpoch <= 0
      let session = this.fetchSessions.get(exchange.connection.id)
      if (full || !session) {
        session = this.fetchSessions.obtain(exchange.connection.id, () => new Set()) ?? new Set()
        session.clear()
      }
      for (const topic of request.topics) {
        const name = topicKey(topic.topic, topic.topicId)
        if (name === undefined) continue
        for (const p of topic.partitions) session.add(`${name}\u0000${p.partition}`)
      }
      for (const forgotten of request.forgottenTopicsData) {
        const name = topicKey(forgotten.topic, forgotten.topicId)
        if (name === undefined) continue
        for (const p of forgotten.partitions) session.delete(`${name}\u0000${p}`)
      }
      for (const key of session) covered.add(key)
    }
    const response = exchange.responseBody as unknown as FetchResponse | undefined
    const withData = new Set<string>()
    if (response) {
      let empty = true
      const brokerLabel = broker
      for (const topic of response.responses) {
        const name = topicKey(topic.topic, topic.topicId)
        if (name === undefined) continue
        for (const p of topic.partitions) {
          const key = `${name}\u0000${p.partitionIndex}`
          covered.add(key)
          const stats = this.partition(name, p.partitionIndex, t)
          const bytes = p.records?.byteLength ?? 0
          if (bytes > 0) {
            empty = false
            withData.add(key)
          }
          if (!stats) continue
          if (bytes > 0) {
            stats.recordBytes += bytes
            stats.records += countRecords(p.records)
          }
          if (p.errorCode !== 0) stats.errors.set(p.errorCode, (stats.errors.get(p.errorCode) ?? 0) + 1)
          if (p.errorCode === 0 || p.highWatermark >= 0n)
            stats.watermarks.add(responseT, {
              t: round3(responseT),
              broker: brokerLabel,
              highWatermark: p.highWatermark,
              lastStableOffset: p.lastStableOffset,
              logStartOffset: p.logStartOffset,
            })
          if (p.currentLeader.leaderId >= 0) {
            const hint = stats.hint
            if (
              hint &&
              hint.leaderId === p.currentLeader.leaderId &&
              hint.leaderEpoch === p.currentLeader.leaderEpoch
            )
              hint.count++
            else
              stats.hint = {
                leaderId: p.currentLeader.leaderId,
                leaderEpoch: p.currentLeader.leaderEpoch,
                count: 1,
              }
          }
        }
      }
      if (flow) {
        flow.answered++
        if (empty) flow.empty++
        if (errored) flow.errored++
        if (empty || errored) flow.idle++
        if (exchange.latencyNs !== undefined) flow.latency.add(exchange.latencyNs)
      }
    }
    for (const key of covered) {
      const [name = '', partition = '0'] = key.split('\u0000')
      const stats = this.partition(name, Number(partition), t)
      if (flow && flow.partitions.size < 64) flow.partitions.add(key)
      if (!stats) continue
      stats.fetches++
      stats.lastT = t
      if (response && !withData.has(key)) stats.empty++
    }
  }

  private metadata(body: MetadataResponse, answeredBy: string, t: number): void {
    this.metadataAnswers++
    for (const b of body.brokers) {
      this.brokerNodes.set(b.nodeId, { host: b.host, port: b.port })
      for (const ip of addressesOf(b.host)) this.nodeIdByAddress.set(endpoint(ip, b.port), b.nodeId)
    }
    let changed = false
    for (const topic of body.topics) {
      const name = topicKey(topic.name, topic.topicId)
      if (name === undefined) continue
      for (const p of topic.partitions) {
        const stats = this.partition(name, p.partitionIndex, t)
        if (!stats) continue
        const key = `${p.leaderId}/${p.leaderEpoch}`
        if (stats.lastLeader !== undefined && stats.lastLeader !== key) changed = true
        stats.lastLeader = key
        stats.leaders.add(
          t,
          {
            t: round3(t),
            lastT: round3(t),
            answers: 1,
            leader: p.leaderId,
            epoch: p.leaderEpoch,
            answeredBy,
          },
          (latest) => {
            latest.lastT = round3(t)
            latest.answers++
          },
        )
      }
    }
    if (changed) this.metadataChanged++
  }

  private group(
    apiKey: number,
    requestBody: DecodedBody | undefined,
    responseBody: DecodedBody | undefined,
    t: number,
  ): void {
    const request = requestBody as { groupId?: string; generationId?: number; memberId?: string } | undefined
    if (!request?.groupId) return
    const group = this.groups.obtain(request.groupId, () => ({
      group: request.groupId!,
      joinGroups: 0,
      syncGroups: 0,
      heartbeats: 0,
      leaveGroups: 0,
      generations: new Set(),
      errors: new Map(),
      members: new Set(),
      firstT: t,
      lastT: t,
    }))
    if (!group) return
    group.lastT = t
    if (apiKey === ApiKey.JoinGroup) group.joinGroups++
    else if (apiKey === ApiKey.SyncGroup) group.syncGroups++
    else if (apiKey === ApiKey.Heartbeat) group.heartbeats++
    else group.leaveGroups++
    if (request.memberId && group.members.size < 1000) group.members.add(request.memberId)
    const addGeneration = (g: number | undefined) => {
      if (g !== undefined && g >= 0 && group.generations.size < 256) group.generations.add(g)
    }
    if (apiKey !== ApiKey.JoinGroup) addGeneration(request.generationId)
    const response = responseBody as { errorCode?: number } | undefined
    if (response?.errorCode)
      group.errors.set(response.errorCode, (group.errors.get(response.errorCode) ?? 0) + 1)
    if (apiKey === ApiKey.JoinGroup && response && response.errorCode === 0)
      addGeneration((responseBody as unknown as JoinGroupResponse).generationId)
  }

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

  private partition(topic: string, partition: number, t: number): PartitionStats | undefined {
    return this.partitions.obtain(`${topic}\u0000${partition}`, () => ({
      topic,
      partition,
      fetches: 0,
      empty: 0,
      firstT: t,
      lastT: t,
      errors: new Map(),
      records: 0,
      recordBytes: 0,
      watermarks: new CompactSeries(
        (w) => `${w.broker}/${w.highWatermark}/${w.lastStableOffset}/${w.logStartOffset}`,
      ),
      hint: undefined,
      leaders: new CompactSeries((l) => `${l.leader}/${l.epoch}`, 512),
      lastLeader: undefined,
    }))
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

  private partitionLabel(key: string): string {
    const [topic = '', partition = ''] = key.split('\u0000')
    return `${this.topicName(topic)}-${partition}`
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

/** The IP texts a Metadata host stands for (loopback names → both loopback addresses). */
function addressesOf(host: string): string[] {
  const lower = host.toLowerCase()
  if (lower === 'localhost' || lower === 'localhost.localdomain' || lower === 'ip6-localhost')
    return ['127.0.0.1', '::1']
  return [host]
}

export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** The wall-clock time of a capture timestamp; undefined when a corrupt one is beyond any date. */
function isoTime(ns: bigint | undefined): string | undefined {
  if (ns === undefined) return undefined
  const ms = Number(ns / 1_000_000n)
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined
}

function perSecond(count: number, spanS: number): number {
  if (count <= 1 || spanS <= 0) return 0
  return Math.round(((count - 1) / spanS) * 100) / 100
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}
