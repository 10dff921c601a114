import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { KafkaDoctorError, UnreachableError } from '../../errors.js'
import type { BrokerAddress } from '../../net/address.js'
import { type BrokerInfo, ClusterClient, metadataFrom } from '../../net/cluster-client.js'
import { BrokerConnection, type Reply, type SendOptions } from '../../net/connection.js'
import { type ApiKey, apiName, type RequestOf } from '../../protocol/generated/apis.js'
import type { MetadataResponse } from '../../protocol/generated/messages/metadata.js'

/**
 * The lag collector's view of the cluster: one connection per broker, reopened when a broker closed
 * it (a watch outlives broker restarts), and a count of every request sent — the benchmark reports
 * it, and batching is the whole point of the collector. A broker that cannot be reached is recorded
 * once and its requests fail with a KafkaDoctorError the callers turn into partial results.
 */

export interface BrokerPoolOptions {
  bootstrap: readonly BrokerAddress[]
  clientId?: string
  /** Bound on each request round trip and on connecting. */
  timeoutMs: number
  tls?: TlsOptions
}

export interface RequestStats {
  /** Requests sent after connecting (ApiVersions handshakes are counted apart). */
  total: number
  /** By API name, e.g. `{ ListOffsets: 9, OffsetFetch: 3 }`. */
  byApi: Record<string, number>
  /** By broker node id (`bootstrap` for the bootstrap connection). */
  byBroker: Record<string, number>
  /** Connections opened, each with one ApiVersions exchange. */
  connections: number
}

export interface UnreachableBroker {
  nodeId: number | null
  address: string
  error: string
}

export class BrokerPool {
  readonly #options: BrokerPoolOptions
  readonly #client: ClusterClient
  readonly #connections = new Map<number, Promise<BrokerConnection>>()
  readonly #unreachable = new Map<string, UnreachableBroker>()
  /** Brokers that failed since the last `forgetFailures()`: later requests to them fail at once. */
  readonly #failed = new Map<number, unknown>()
  readonly #stats: RequestStats = { total: 0, byApi: {}, byBroker: {}, connections: 1 }

  private constructor(options: BrokerPoolOptions, client: ClusterClient) {
    this.#options = options
    this.#client = client
  }

  static async connect(options: BrokerPoolOptions): Promise<BrokerPool> {
    const client = await ClusterClient.connect({
      bootstrap: options.bootstrap,
      connectTimeoutMs: options.timeoutMs,
      requestTimeoutMs: options.timeoutMs,
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    })
    const pool = new BrokerPool(options, client)
    // ClusterClient.connect sent one Metadata (brokers only) on the bootstrap connection.
    pool.#count('bootstrap', 'Metadata')
    return pool
  }

  /** The per-request bound, also passed to brokers as ListOffsets' own timeout. */
  get timeoutMs(): number {
    return this.#options.timeoutMs
  }

  get brokers(): ReadonlyMap<number, BrokerInfo> {
    return this.#client.brokers
  }

  get stats(): RequestStats {
    return {
      total: this.#stats.total,
      byApi: { ...this.#stats.byApi },
      byBroker: { ...this.#stats.byBroker },
      connections: this.#stats.connections,
    }
  }

  get unreachable(): UnreachableBroker[] {
    return [...this.#unreachable.values()]
  }

  /**
   * Starts a new round (a snapshot): brokers that failed before get another chance. Within a round a
   * broker that timed out or refused is not waited for again, so one dead broker costs one timeout
   * per round, not one per request.
   */
  forgetFailures(): void {
    this.#failed.clear()
    this.#unreachable.clear()
  }

  /** Metadata for `topics` (null: all) from the bootstrap broker; also refreshes the broker list. */
  async metadata(topics: readonly string[] | null): Promise<MetadataResponse> {
    this.#count('bootstrap', 'Metadata')
    return this.#client.metadata(topics)
  }

  /** Metadata for `topics` as one particular broker sees it. */
  async metadataFrom(nodeId: number, topics: readonly string[] | null): Promise<MetadataResponse> {
    const connection = await this.connectionTo(nodeId)
    this.#count(String(nodeId), 'Metadata')
    try {
      return await metadataFrom(connection, topics)
    } catch (error) {
      throw this.#remember(nodeId, connection.address, error)
    }
  }

  /** Sends one request to a broker by node id. */
  async send<K extends ApiKey>(
    nodeId: number,
    apiKey: K,
    request: RequestOf<K>,
    options: SendOptions = {},
  ): Promise<Reply<K>> {
    const connection = await this.connectionTo(nodeId)
    this.#count(String(nodeId), apiName(apiKey))
    try {
      return await connection.send(apiKey, request, options)
    } catch (error) {
      throw this.#remember(nodeId, connection.address, error)
    }
  }

  /** The connection to a broker, opened on first use and reopened if the broker closed it. */
  async connectionTo(nodeId: number): Promise<BrokerConnection> {
    if (this.#failed.has(nodeId)) throw this.#failed.get(nodeId)
    const existing = this.#connections.get(nodeId)
    if (existing) {
      // Callers that arrive while a connection is opening share its outcome, failure included.
      const connection = await existing
      if (!connection.closed) return connection
      if (this.#connections.get(nodeId) === existing) this.#connections.delete(nodeId)
      return this.connectionTo(nodeId)
    }
    const broker = this.#client.brokers.get(nodeId)
    if (!broker) throw new UnreachableError(`broker ${nodeId} is not in the cluster metadata`)
    const address = `${broker.host}:${broker.port}`
    const opening = BrokerConnection.open({
      host: broker.host,
      port: broker.port,
      nodeId,
      connectTimeoutMs: this.#options.timeoutMs,
      requestTimeoutMs: this.#options.timeoutMs,
      ...(this.#options.clientId !== undefined ? { clientId: this.#options.clientId } : {}),
      ...(this.#options.tls ? { tls: this.#options.tls } : {}),
    })
    this.#connections.set(nodeId, opening)
    this.#stats.connections += 1
    try {
      return await opening
    } catch (error) {
      this.#connections.delete(nodeId)
      throw this.#remember(nodeId, address, error)
    }
  }

  /** Whether the broker serves `apiKey` at `minVersion` or above (false when unreachable). */
  async supports(nodeId: number, apiKey: ApiKey, minVersion = 0): Promise<boolean> {
    try {
      const connection = await this.connectionTo(nodeId)
      const range = connection.brokerVersions.get(apiKey)
      return range !== undefined && range.maxVersion >= minVersion
    } catch {
      return false
    }
  }

  async close(): Promise<void> {
    const open = await Promise.allSettled(this.#connections.values())
    await Promise.all([
      this.#client.close(),
      ...open.flatMap((result) => (result.status === 'fulfilled' ? [result.value.close()] : [])),
    ])
  }

  #count(broker: string, api: string): void {
    this.#stats.total += 1
    this.#stats.byApi[api] = (this.#stats.byApi[api] ?? 0) + 1
    this.#stats.byBroker[broker] = (this.#stats.byBroker[broker] ?? 0) + 1
  }

  /** Remembers a broker that failed (timeout, refused, reset) and passes the error on. */
  #remember(nodeId: number, address: string, error: unknown): unknown {
    if (
      error instanceof KafkaDoctorError &&
      (error.code === 'KD_UNREACHABLE' || error.code === 'KD_TIMEOUT')
    ) {
      if (!this.#unreachable.has(address))
        this.#unreachable.set(address, { nodeId, address, error: error.message })
      if (!this.#failed.has(nodeId)) this.#failed.set(nodeId, error)
    }
    return error
  }
}

/** The message of a failure, for storing as data next to a partial result. */
export function failureText(error: unknown): string {
  if (error instanceof KafkaDoctorError) return error.message
  if (error instanceof Error) return error.message
  return String(error)
}
