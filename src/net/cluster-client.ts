import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { KafkaDoctorError, UnreachableError } from '../errors.js'
import { ApiKey } from '../protocol/generated/apis.js'
import { defaultMetadataRequest, type MetadataResponse } from '../protocol/generated/messages/metadata.js'
import type { BrokerAddress } from './address.js'
import { BrokerConnection } from './connection.js'

/**
 * The cluster as kafka-doctor sees it: a bootstrap connection, the brokers named by Metadata, and a
 * lazily opened connection to each of them (one per broker, reused). Asking *every* broker the same
 * question separately is how the tool finds brokers that disagree, so per-broker access is first class.
 */

export interface ClusterClientOptions {
  bootstrap: readonly BrokerAddress[]
  clientId?: string
  connectTimeoutMs?: number
  requestTimeoutMs?: number
  tls?: TlsOptions
}

export interface BrokerInfo {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export class ClusterClient {
  readonly #options: ClusterClientOptions
  readonly #connections = new Map<number, Promise<BrokerConnection>>()
  readonly #bootstrap: BrokerConnection
  #brokers = new Map<number, BrokerInfo>()

  private constructor(options: ClusterClientOptions, bootstrap: BrokerConnection) {
    this.#options = options
    this.#bootstrap = bootstrap
  }

  /** Connects to the first reachable bootstrap server and learns the brokers from its Metadata. */
  static async connect(options: ClusterClientOptions): Promise<ClusterClient> {
    const failures: string[] = []
    for (const address of options.bootstrap) {
      try {
        const connection = await BrokerConnection.open({ ...connectionOptions(options), ...address })
        const client = new ClusterClient(options, connection)
        await client.refreshBrokers()
        return client
      } catch (error) {
        if (!(error instanceof KafkaDoctorError)) throw error
        failures.push(error.message)
      }
    }
    throw new UnreachableError(`no bootstrap server reachable (${failures.join('; ')})`, {
      hint: 'check --bootstrap-server and that the brokers are up',
    })
  }

  get bootstrapConnection(): BrokerConnection {
    return this.#bootstrap
  }

  /** The brokers named by the last Metadata answer, by node id. */
  get brokers(): ReadonlyMap<number, BrokerInfo> {
    return this.#brokers
  }

  /** Metadata for all topics (or the given names) from the bootstrap broker, and refresh the broker list. */
  async metadata(topics: readonly string[] | null = null): Promise<MetadataResponse> {
    const body = await metadataFrom(this.#bootstrap, topics)
    this.#rememberBrokers(body)
    return body
  }

  async refreshBrokers(): Promise<void> {
    this.#rememberBrokers(await metadataFrom(this.#bootstrap, []))
  }

  /** The connection to a broker by node id, opened on first use. */
  connectionTo(nodeId: number): Promise<BrokerConnection> {
    const existing = this.#connections.get(nodeId)
    if (existing) return existing
    const broker = this.#brokers.get(nodeId)
    if (!broker) {
      return Promise.reject(new UnreachableError(`broker ${nodeId} is not in the cluster metadata`))
    }
    const opening = BrokerConnection.open({
      ...connectionOptions(this.#options),
      host: broker.host,
      port: broker.port,
      nodeId,
    })
    // A failed open is not cached, so that a later call may retry (e.g. after a broker restart).
    opening.catch(() => this.#connections.delete(nodeId))
    this.#connections.set(nodeId, opening)
    return opening
  }

  async close(): Promise<void> {
    const open = await Promise.allSettled(this.#connections.values())
    await Promise.all([
      this.#bootstrap.close(),
      ...open.flatMap((result) => (result.status === 'fulfilled' ? [result.value.close()] : [])),
    ])
  }

  #rememberBrokers(body: MetadataResponse): void {
    this.#brokers = new Map(
      body.brokers.map((b) => [b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }]),
    )
  }
}

/** A Metadata request to one broker: `null` means all topics, `[]` none (brokers and controller only). */
export async function metadataFrom(
  connection: BrokerConnection,
  topics: readonly string[] | null,
): Promise<MetadataResponse> {
  const request = {
    ...defaultMetadataRequest(),
    topics: topics === null ? null : topics.map((name) => ({ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name })),
    allowAutoTopicCreation: false,
  }
  // Metadata v0 cannot express "all topics" as null (an empty list meant all), so never go below v1.
  const reply = await connection.send(ApiKey.Metadata, request, { minVersion: 1 })
  return reply.body
}

function connectionOptions(options: ClusterClientOptions) {
  return {
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
    ...(options.connectTimeoutMs !== undefined ? { connectTimeoutMs: options.connectTimeoutMs } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  }
}
