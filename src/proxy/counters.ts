import { apiName } from '../protocol/generated/apis.js'

/** Per topic-partition, as seen in one broker's answers. */
export interface PartitionCount {
  /** Answers that carried the partition. */
  responses: number
  /** Error codes (after the proxy's changes, as the client saw them) → count; 0 is left out. */
  errors: Record<string, number>
}

export interface CountersSnapshot {
  /** When counting started (start or last reset), ISO time. */
  since: string
  /** Milliseconds since then, for rates. */
  elapsedMs: number
  connections: { opened: number; open: number; dropped: number; upstreamFailed: number }
  /** broker id → API name → requests forwarded. */
  requests: Record<string, Record<string, number>>
  /** client id → API name → requests forwarded. */
  clients: Record<string, Record<string, number>>
  /** broker id → `topic-partition` → what its Fetch answers carried. */
  fetchPartitions: Record<string, Record<string, PartitionCount>>
  /** broker id → `topic-partition` → what its ListOffsets answers carried. */
  listOffsetsPartitions: Record<string, Record<string, PartitionCount>>
  /** rule id → changes it made. */
  rules: Record<string, number>
  /** Answers re-encoded only to point broker addresses at the proxy. */
  addressRewrites: number
  /** Answers the proxy could not decode and forwarded unchanged. */
  undecodable: number
}

/** The proxy's counters; everything the proxy sees or changes is counted here. */
export class Counters {
  #since = Date.now()
  #startedAt = performance.now()
  connections = { opened: 0, open: 0, dropped: 0, upstreamFailed: 0 }
  #requests = new Map<number, Map<number, number>>()
  #clients = new Map<string, Map<number, number>>()
  #fetch = new Map<number, Map<string, PartitionCount>>()
  #listOffsets = new Map<number, Map<string, PartitionCount>>()
  #rules = new Map<string, number>()
  addressRewrites = 0
  undecodable = 0

  request(brokerId: number, clientId: string | null, apiKey: number): void {
    bump(nested(this.#requests, brokerId), apiKey)
    bump(nested(this.#clients, clientId ?? ''), apiKey)
  }

  fetchPartition(brokerId: number, topic: string, partition: number, errorCode: number): void {
    countPartition(nested(this.#fetch, brokerId), topic, partition, errorCode)
  }

  listOffsetsPartition(brokerId: number, topic: string, partition: number, errorCode: number): void {
    countPartition(nested(this.#listOffsets, brokerId), topic, partition, errorCode)
  }

  ruleApplied(ruleId: string): void {
    this.#rules.set(ruleId, (this.#rules.get(ruleId) ?? 0) + 1)
  }

  reset(): void {
    const open = this.connections.open
    this.#since = Date.now()
    this.#startedAt = performance.now()
    this.connections = { opened: 0, open, dropped: 0, upstreamFailed: 0 }
    this.#requests.clear()
    this.#clients.clear()
    this.#fetch.clear()
    this.#listOffsets.clear()
    this.#rules.clear()
    this.addressRewrites = 0
    this.undecodable = 0
  }

  snapshot(): CountersSnapshot {
    const byApi = (map: Map<number, number>) =>
      Object.fromEntries([...map].sort(([a], [b]) => a - b).map(([key, n]) => [apiName(key), n]))
    const partitions = (map: Map<number, Map<string, PartitionCount>>) =>
      Object.fromEntries(
        [...map].map(([broker, byPartition]) => [
          String(broker),
          Object.fromEntries(
            [...byPartition].map(([key, count]) => [
              key,
              { responses: count.responses, errors: { ...count.errors } },
            ]),
          ),
        ]),
      )
    return {
      since: new Date(this.#since).toISOString(),
      elapsedMs: Math.round(performance.now() - this.#startedAt),
      connections: { ...this.connections },
      requests: Object.fromEntries(
        [...this.#requests].map(([broker, apis]) => [String(broker), byApi(apis)]),
      ),
      clients: Object.fromEntries([...this.#clients].map(([client, apis]) => [client, byApi(apis)])),
      fetchPartitions: partitions(this.#fetch),
      listOffsetsPartitions: partitions(this.#listOffsets),
      rules: Object.fromEntries(this.#rules),
      addressRewrites: this.addressRewrites,
      undecodable: this.undecodable,
    }
  }
}

function nested<K, K2, V>(map: Map<K, Map<K2, V>>, key: K): Map<K2, V> {
  let inner = map.get(key)
  if (!inner) {
    inner = new Map()
    map.set(key, inner)
  }
  return inner
}

function bump(map: Map<number, number>, key: number): void {
  map.set(key, (map.get(key) ?? 0) + 1)
}

function countPartition(
  map: Map<string, PartitionCount>,
  topic: string,
  partition: number,
  errorCode: number,
): void {
  const key = `${topic}-${partition}`
  let count = map.get(key)
  if (!count) {
    count = { responses: 0, errors: {} }
    map.set(key, count)
  }
  count.responses++
  if (errorCode !== 0) count.errors[String(errorCode)] = (count.errors[String(errorCode)] ?? 0) + 1
}
