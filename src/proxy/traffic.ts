/**
 * What the proxy does with each request and answer. Requests are forwarded as they came, except a
 * Fetch that would open a fetch session while a Fetch rule applies (see `sessionless`). Answers are
 * decoded only when the proxy must look inside (addresses to rewrite, a rule that may apply, the
 * per-partition Fetch/ListOffsets counters) and re-encoded only when something was changed; anything
 * else — unknown API keys and versions included — is forwarded byte for byte.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { decodeResponseFrame } from '../protocol/frame.js'
import { ApiKey, apiName, findCodec } from '../protocol/generated/apis.js'
import type { ApiVersionsResponse } from '../protocol/generated/messages/api-versions.js'
import type { FetchRequest, FetchResponse } from '../protocol/generated/messages/fetch.js'
import type { FindCoordinatorRequest } from '../protocol/generated/messages/find-coordinator.js'
import type { ListOffsetsRequest, ListOffsetsResponse } from '../protocol/generated/messages/list-offsets.js'
import type { MetadataResponse } from '../protocol/generated/messages/metadata.js'
import type { OffsetFetchRequest } from '../protocol/generated/messages/offset-fetch.js'
import type { ChangeLog } from './change-log.js'
import type { Counters } from './counters.js'
import { applyResponseFaults, type Exchange, type FaultEnv, fetchRuleStates } from './faults.js'
import { decodeRequest, encodeRequest, encodeResponse, peekRequest, produceAcks } from './frames.js'
import {
  addressApis,
  type Endpoint,
  endpointsIn,
  nodeEndpointApis,
  rewriteAddresses,
} from './rewrite-addresses.js'
import { coversPartition, type RuleSet } from './rule-set.js'
import type { ErrorRule, LatencyRule } from './rules.js'
import type { TopicNames } from './topic-names.js'

export interface TrafficEnv {
  rules: RuleSet
  counters: Counters
  changes: ChangeLog
  topics: TopicNames
  /** The proxy's listener address for a broker, if it has one. */
  listenerOf(nodeId: number): Endpoint | undefined
  /**
   * Makes sure every broker named in an answer has a listener forwarding to its current address (a new
   * broker gets one); undefined when nothing needed doing.
   */
  ensureListeners(endpoints: readonly Endpoint[]): Promise<void> | undefined
  /** A Fetch answer named a topic id the proxy does not know: refresh names in the background. */
  unknownTopicId(): void
  warn(message: string): void
}

/** Per-connection memory of request rewrites already noted in the change log. */
export interface ConnectionNotes {
  sessionlessNoted: boolean
  immediateNoted: boolean
}

/** What to do with one request. */
export interface RequestOutcome {
  exchange: Exchange
  /** The bytes to send upstream (the original frame unless a rule changed it). */
  forward: Uint8Array
  /** False for Produce with acks=0: the broker will not answer. */
  expectResponse: boolean
  /** A drop-connection rule fired: close both sides instead of forwarding. */
  drop: boolean
}

/** APIs whose requests the proxy may decode to learn what a rule needs. */
const groupApis: ReadonlySet<number> = new Set([
  ApiKey.FindCoordinator,
  ApiKey.JoinGroup,
  ApiKey.Heartbeat,
  ApiKey.OffsetFetch,
])

/** APIs the proxy decodes: a broker newer than the codec must not make clients use versions it cannot read. */
const decodedApis: readonly number[] = [
  ApiKey.Metadata,
  ApiKey.FindCoordinator,
  ApiKey.DescribeCluster,
  ApiKey.Fetch,
  ApiKey.Produce,
  ApiKey.ListOffsets,
  ApiKey.OffsetCommit,
  ApiKey.OffsetFetch,
  ApiKey.JoinGroup,
  ApiKey.Heartbeat,
  ApiKey.DescribeTopicPartitions,
  ApiKey.ShareFetch,
  ApiKey.ShareAcknowledge,
]

export class Traffic {
  readonly #env: TrafficEnv
  readonly #warned = new Set<string>()

  constructor(env: TrafficEnv) {
    this.#env = env
  }

  /** Looks at one request frame (size prefix included) from a client on `brokerId`'s listener. */
  onRequest(brokerId: number, frame: Uint8Array, connection: ConnectionNotes): RequestOutcome {
    const env = this.#env
    const peeked = peekRequest(frame)
    const exchange: Exchange = {
      brokerId,
      clientId: peeked.clientId,
      apiKey: peeked.apiKey,
      apiVersion: peeked.apiVersion,
      correlationId: peeked.correlationId,
    }
    env.counters.request(brokerId, peeked.clientId, peeked.apiKey)
    const outcome: RequestOutcome = { exchange, forward: frame, expectResponse: true, drop: false }
    const codec = peeked.codec
    if (!codec) return outcome

    for (const state of env.rules.candidates('drop-connection', exchange)) {
      const rule = state.rule
      if (rule.type !== 'drop-connection' || (rule.apis && !rule.apis.includes(peeked.apiKey))) continue
      if (!env.rules.take(state)) continue
      this.#changed(exchange, {
        rule: rule.id,
        change: 'drop-connection',
        detail: `closed on ${apiName(peeked.apiKey)}`,
      })
      env.counters.connections.dropped++
      outcome.drop = true
      return outcome
    }

    try {
      switch (peeked.apiKey) {
        case ApiKey.Produce:
          outcome.expectResponse = produceAcks(frame, codec, peeked.apiVersion) !== 0
          break
        case ApiKey.Fetch: {
          const rewritten = this.#fetchRequest(exchange, frame, codec, connection)
          if (rewritten) outcome.forward = rewritten
          break
        }
        case ApiKey.ListOffsets:
          if (env.rules.candidates('freeze-offsets', exchange).length > 0) {
            const body = decodeRequest(frame, codec, peeked.apiVersion).body as ListOffsetsRequest
            const timestamps = new Map<string, bigint>()
            for (const topic of body.topics)
              for (const partition of topic.partitions)
                timestamps.set(`${topic.name}-${partition.partitionIndex}`, partition.timestamp)
            exchange.listOffsets = { isolationLevel: body.isolationLevel, timestamps }
          }
          break
        default:
          if (
            groupApis.has(peeked.apiKey) &&
            env.rules.candidates('coordinator-error', exchange).length > 0
          ) {
            exchange.groupIds = groupIdsOf(
              peeked.apiKey,
              peeked.apiVersion,
              decodeRequest(frame, codec, peeked.apiVersion).body,
            )
          }
      }
    } catch (error) {
      this.#warnOnce(`request ${apiName(peeked.apiKey)} v${peeked.apiVersion}`, error)
    }
    return outcome
  }

  /**
   * While Fetch rules apply to a connection its fetches are changed in two ways, each noted once per
   * connection (they repeat on every fetch):
   * - no fetch session (epoch 0 → -1, KIP-227), so that the broker answers every partition every time
   *   and a fault shows in each answer, where a session would let it leave unchanged partitions out;
   * - max wait 0 when the request names a partition an error rule covers, because a broker answers at
   *   once when a partition fails ("respond immediately if … some error happens") instead of holding
   *   the fetch for fetch.max.wait.ms, and the injected error must come back just as fast.
   */
  #fetchRequest(
    exchange: Exchange,
    frame: Uint8Array,
    codec: NonNullable<ReturnType<typeof findCodec>>,
    connection: ConnectionNotes,
  ): Uint8Array | undefined {
    const states = fetchRuleStates(this.#env.rules, exchange)
    if (states.length === 0) return undefined
    const decoded = decodeRequest(frame, codec, exchange.apiVersion)
    const body = decoded.body as FetchRequest
    let changed = false
    if (exchange.apiVersion >= 7 && body.sessionId === 0 && body.sessionEpoch === 0) {
      body.sessionEpoch = -1
      changed = true
      if (!connection.sessionlessNoted) {
        connection.sessionlessNoted = true
        this.#changed(exchange, {
          change: 'sessionless-fetch',
          detail: 'session epoch 0 → -1: full fetches without a session while Fetch rules apply',
        })
      }
    }
    const errorRules = states.filter((state) => state.rule.type === 'error')
    if (body.maxWaitMs > 0 && errorRules.length > 0) {
      const faulted = body.topics.some((topic) => {
        const name = this.#env.topics.nameOf(topic)
        return (
          name !== undefined &&
          topic.partitions.some((partition) =>
            errorRules.some((state) => coversPartition(state.rule as ErrorRule, name, partition.partition)),
          )
        )
      })
      if (faulted) {
        if (!connection.immediateNoted) {
          connection.immediateNoted = true
          this.#changed(exchange, {
            change: 'immediate-fetch',
            detail: `max wait ${body.maxWaitMs} ms → 0 on fetches naming a partition an error rule covers`,
          })
        }
        body.maxWaitMs = 0
        changed = true
      }
    }
    return changed ? encodeRequest(codec, decoded) : undefined
  }

  /** Turns one answer frame into the bytes the client gets (the same buffer when nothing changed). */
  async onResponse(exchange: Exchange, frame: Uint8Array): Promise<Uint8Array> {
    const out = this.#transform(exchange, frame)
    const delay = this.#latency(exchange)
    if (delay > 0) await sleep(delay)
    return out instanceof Promise ? await out : out
  }

  #transform(exchange: Exchange, frame: Uint8Array): Uint8Array | Promise<Uint8Array> {
    if (!this.#mustDecode(exchange)) return frame
    const codec = findCodec(exchange.apiKey)
    if (!codec || exchange.apiVersion < codec.minVersion || exchange.apiVersion > codec.maxVersion)
      return frame
    let decoded: ReturnType<typeof decodeResponseFrame>
    try {
      decoded = decodeResponseFrame(frame, exchange.apiKey, exchange.apiVersion)
    } catch (error) {
      this.#env.counters.undecodable++
      this.#warnOnce(`answer ${apiName(exchange.apiKey)} v${exchange.apiVersion}`, error)
      return frame
    }
    const body = decoded.body
    this.#learn(exchange.apiKey, body)
    const finish = (): Uint8Array => {
      let changes = this.#faults(exchange, body)
      const rewritten = rewriteAddresses(exchange.apiKey, body, (nodeId) => this.#env.listenerOf(nodeId))
      if (rewritten > 0) {
        this.#env.counters.addressRewrites++
        this.#changed(exchange, {
          change: 'rewrite-addresses',
          detail: `${rewritten} broker address(es) → the proxy's listeners`,
        })
        changes++
      }
      if (exchange.apiKey === ApiKey.ApiVersions)
        changes += this.#capVersions(exchange, body as ApiVersionsResponse)
      this.#count(exchange, body)
      if (changes === 0) return frame
      return encodeResponse(codec, decoded.apiVersion, decoded.header, body)
    }
    // Brokers the proxy has not seen yet (a new broker joined) get a listener before the answer goes out.
    const pending = this.#env.ensureListeners(endpointsIn(exchange.apiKey, body))
    return pending ? pending.then(finish) : finish()
  }

  #mustDecode(exchange: Exchange): boolean {
    const { apiKey, brokerId } = exchange
    if (addressApis.has(apiKey) || apiKey === ApiKey.ApiVersions) return true
    if (apiKey === ApiKey.Fetch || apiKey === ApiKey.ListOffsets) return true // per-partition counters
    if (nodeEndpointApis.has(apiKey) && exchange.apiVersion >= (apiKey === ApiKey.Produce ? 10 : 0))
      return true
    const rules = this.#env.rules
    switch (apiKey) {
      case ApiKey.Produce:
      case ApiKey.OffsetCommit:
        return rules.hasAny(['error'], brokerId)
      case ApiKey.DescribeTopicPartitions:
        return rules.hasAny(['stale-metadata'], brokerId)
      default:
        return groupApis.has(apiKey) && rules.hasAny(['coordinator-error'], brokerId)
    }
  }

  #faults(exchange: Exchange, body: unknown): number {
    const env: FaultEnv = {
      rules: this.#env.rules,
      topics: this.#env.topics,
      endpointOf: (nodeId) => this.#env.listenerOf(nodeId),
      changed: (change) => this.#changed(exchange, change),
    }
    return applyResponseFaults(exchange, body, env)
  }

  #learn(apiKey: number, body: unknown): void {
    if (apiKey !== ApiKey.Metadata && apiKey !== ApiKey.DescribeTopicPartitions) return
    for (const topic of (body as MetadataResponse).topics) this.#env.topics.learn(topic.name, topic.topicId)
  }

  #count(exchange: Exchange, body: unknown): void {
    const { counters, topics } = this.#env
    if (exchange.apiKey === ApiKey.Fetch) {
      for (const topic of (body as FetchResponse).responses) {
        const name = topics.nameOf(topic)
        if (name === undefined) {
          this.#env.unknownTopicId()
          continue
        }
        for (const partition of topic.partitions)
          counters.fetchPartition(exchange.brokerId, name, partition.partitionIndex, partition.errorCode)
      }
    } else if (exchange.apiKey === ApiKey.ListOffsets) {
      for (const topic of (body as ListOffsetsResponse).topics)
        for (const partition of topic.partitions)
          counters.listOffsetsPartition(
            exchange.brokerId,
            topic.name,
            partition.partitionIndex,
            partition.errorCode,
          )
    }
  }

  /**
   * A broker newer than the codec may offer versions the proxy cannot decode; for the APIs the proxy
   * must read, the offer is capped so that clients stay on versions it understands.
   */
  #capVersions(exchange: Exchange, body: ApiVersionsResponse): number {
    let changes = 0
    for (const api of body.apiKeys) {
      if (!decodedApis.includes(api.apiKey)) continue
      const codec = findCodec(api.apiKey)
      if (!codec || api.maxVersion <= codec.maxVersion) continue
      this.#changed(exchange, {
        change: 'cap-api-versions',
        detail: `${apiName(api.apiKey)} max version ${api.maxVersion} → ${codec.maxVersion} (the newest the proxy decodes)`,
      })
      api.maxVersion = codec.maxVersion
      changes++
    }
    return changes
  }

  #latency(exchange: Exchange): number {
    let delay = 0
    for (const state of this.#env.rules.candidates('latency', exchange)) {
      const rule = state.rule as LatencyRule
      if (rule.apis && !rule.apis.includes(exchange.apiKey)) continue
      if (!this.#env.rules.take(state)) continue
      const ms = rule.ms + (rule.jitterMs ? Math.round(Math.random() * rule.jitterMs) : 0)
      this.#changed(exchange, { rule: rule.id, change: 'latency', detail: `answer delayed ${ms} ms` })
      delay = Math.max(delay, ms)
    }
    return delay
  }

  #changed(exchange: Exchange, change: { rule?: string; change: string; detail: string }): void {
    if (change.rule) this.#env.counters.ruleApplied(change.rule)
    this.#env.changes.record({
      broker: exchange.brokerId,
      clientId: exchange.clientId,
      api: apiName(exchange.apiKey),
      apiVersion: exchange.apiVersion,
      correlationId: exchange.correlationId,
      ...change,
    })
  }

  #warnOnce(what: string, error: unknown): void {
    if (this.#warned.has(what)) return
    this.#warned.add(what)
    this.#env.warn(
      `could not decode ${what}, forwarded unchanged: ${error instanceof Error ? error.message : String(error)}`,
    )
  }
}

function groupIdsOf(apiKey: number, apiVersion: number, body: unknown): string[] {
  switch (apiKey) {
    case ApiKey.FindCoordinator: {
      const request = body as FindCoordinatorRequest
      return apiVersion >= 4 ? request.coordinatorKeys : [request.key]
    }
    case ApiKey.OffsetFetch: {
      const request = body as OffsetFetchRequest
      return apiVersion >= 8 ? request.groups.map((group) => group.groupId) : [request.groupId]
    }
    default:
      return [(body as { groupId: string }).groupId]
  }
}
