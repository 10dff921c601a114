/**
 * How consumers fetch: per client and broker the fetch rate, how many answers were empty or errored,
 * the settings the client sent (its fetch.max.wait.ms, fetch.min.bytes, fetch.max.bytes,
 * isolation.level), latency; per partition the fetches that covered it (following KIP-227 fetch
 * sessions, in which an incremental fetch lists only what changed), records, errors, watermarks and
 * KIP-951 leader hints. Replica fetches between brokers are left out.
 */
import type { DecodedBody } from '../../pcap/kafka-decoder.js'
import type { KafkaExchange } from '../../pcap/kafka-frame.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { FetchRequest, FetchResponse } from '../../protocol/generated/messages/fetch.js'
import { BoundedMap } from './bounded-map.js'
import { LatencyHistogram } from './latency-histogram.js'
import type { PartitionTable } from './partition-table.js'
import { countRecords } from './record-batches.js'
import { perSecond, ratio, round3 } from './report-values.js'
import { topicKey } from './response-errors.js'
import type { FetchClientReport, FetchPartitionReport, FetchSettings, FrameRef } from './traffic-report.js'

type Exchange = KafkaExchange<DecodedBody, DecodedBody>

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

const isolationLevels = ['read_uncommitted', 'read_committed'] as const

export class FetchTracker {
  private readonly flows: BoundedMap<string, FetchFlow>
  /** Per connection id: the partitions of its fetch session. */
  private readonly sessions: BoundedMap<number, Set<string>>

  constructor(
    limits: { flows: number; fetchSessions: number },
    private readonly partitions: PartitionTable,
  ) {
    this.flows = new BoundedMap(limits.flows)
    this.sessions = new BoundedMap(limits.fetchSessions)
  }

  get dropped(): { fetchFlows: number; fetchSessions: number } {
    return { fetchFlows: this.flows.dropped, fetchSessions: this.sessions.dropped }
  }

  /**
   * One Fetch exchange of a client with a broker: `t` when the request left, `responseT` when the
   * answer arrived, `errored` whether the answer carried any error, `ref` where the request is.
   */
  add(
    exchange: Exchange,
    clientId: string,
    clientAddress: string,
    broker: string,
    t: number,
    responseT: number,
    errored: boolean,
    frameRef: FrameRef,
  ): void {
    const request = exchange.requestBody as unknown as FetchRequest | undefined
    // Brokers fetch from each other as replicas; the analysis is about consumers.
    if (request && request.replicaId >= 0) return
    if (request?.replicaState && request.replicaState.replicaId >= 0) return
    const flow = this.flows.obtain(`${clientId}\u0000${clientAddress}\u0000${broker}`, () => ({
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
      let session = this.sessions.get(exchange.connection.id)
      if (full || !session) {
        session = this.sessions.obtain(exchange.connection.id, () => new Set()) ?? new Set()
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
          const stats = this.partitions.obtain(name, p.partitionIndex, t)
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
      const stats = this.partitions.obtain(name, Number(partition), t)
      if (flow && flow.partitions.size < 64) flow.partitions.add(key)
      if (!stats) continue
      stats.fetches++
      stats.lastT = t
      if (response && !withData.has(key)) stats.empty++
    }
  }

  report(
    brokerId: (address: string) => number | undefined,
    topicName: (key: string) => string,
  ): { clients: FetchClientReport[]; partitions: FetchPartitionReport[] } {
    const label = (key: string) => {
      const [topic = '', partition = ''] = key.split('\u0000')
      return `${topicName(topic)}-${partition}`
    }
    const clients = [...this.flows.values()]
      .map((f) => ({
        clientId: f.clientId,
        clientAddress: f.clientAddress,
        broker: f.broker,
        brokerId: brokerId(f.broker),
        fetches: f.fetches,
        ratePerS: perSecond(f.fetches, f.lastT - f.firstT),
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
        partitions: [...f.partitions].map(label),
      }))
      .sort((a, b) => b.fetches - a.fetches)
    const partitions = this.partitions
      .values()
      .filter((p) => p.fetches > 0 || p.errors.size > 0 || p.watermarks.length > 0)
      .map((p) => ({
        topic: topicName(p.topic),
        partition: p.partition,
        fetches: p.fetches,
        ratePerS: perSecond(p.fetches, p.lastT - p.firstT),
        emptyRatio: ratio(p.empty, p.fetches),
        errors: Object.fromEntries([...p.errors].map(([c, n]) => [errorName(c), n])),
        records: p.records,
        recordBytes: p.recordBytes,
        watermarks: p.watermarks.toArray().map((point) => point.value),
        currentLeaderHint: p.hint,
      }))
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    return { clients, partitions }
  }
}
