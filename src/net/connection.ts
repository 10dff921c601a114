import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { ProtocolError } from '../errors.js'
import { decodeResponseFrame, encodeRequestFrame } from '../protocol/frame.js'
import { ApiKey, apiName, codecFor, type RequestOf, type ResponseOf } from '../protocol/generated/apis.js'
import { errorName } from '../protocol/generated/errors.js'
import { defaultApiVersionsRequest } from '../protocol/generated/messages/api-versions.js'
import { toolVersion } from '../version.js'
import { isReadOnlyApi } from './read-only.js'
import { Transport } from './transport.js'

/**
 * A typed, read-only connection to one broker. On open it asks the broker which API versions it
 * speaks (ApiVersions, with the v0 fallback older brokers need) and from then on every request goes
 * out at the highest version both sides support, unless the caller pins one. Requests are pipelined:
 * callers may have many in flight, matched back by correlation id in the transport.
 */

export interface BrokerConnectionOptions {
  host: string
  port: number
  /** The node id, when known from Metadata; only used in messages. */
  nodeId?: number
  clientId?: string
  connectTimeoutMs?: number
  requestTimeoutMs?: number
  tls?: TlsOptions
}

export interface VersionRange {
  minVersion: number
  maxVersion: number
}

export interface SendOptions {
  /** Send exactly this version (it must be supported by both sides). */
  version?: number
  /** Do not go above this version (e.g. an API whose newer versions changed semantics). */
  maxVersion?: number
  /** Do not go below this version (a field the caller needs appeared in it). */
  minVersion?: number
}

export interface Reply<K extends ApiKey> {
  version: number
  body: ResponseOf<K>
}

const UNSUPPORTED_VERSION = 35
const defaultClientId = 'kafka-doctor'

export class BrokerConnection {
  readonly host: string
  readonly port: number
  readonly nodeId: number | undefined
  readonly clientId: string
  /** What the broker advertised in ApiVersions. */
  readonly brokerVersions: ReadonlyMap<number, VersionRange>
  /** The ApiVersions versions sent while opening (two when the broker asked for an older one). */
  readonly apiVersionsSent: readonly number[]
  readonly #transport: Transport
  #nextCorrelationId = 1

  private constructor(
    transport: Transport,
    options: BrokerConnectionOptions,
    brokerVersions: ReadonlyMap<number, VersionRange>,
    apiVersionsSent: readonly number[],
  ) {
    this.host = options.host
    this.port = options.port
    this.nodeId = options.nodeId
    this.clientId = options.clientId ?? defaultClientId
    this.#transport = transport
    this.brokerVersions = brokerVersions
    this.apiVersionsSent = apiVersionsSent
  }

  get address(): string {
    return `${this.host}:${this.port}`
  }

  get closed(): boolean {
    return this.#transport.closed
  }

  static async open(options: BrokerConnectionOptions): Promise<BrokerConnection> {
    const transport = await Transport.connect({
      host: options.host,
      port: options.port,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      ...(options.tls ? { tls: options.tls } : {}),
    })
    try {
      const { versions, sent } = await negotiateApiVersions(transport, options.clientId ?? defaultClientId)
      return new BrokerConnection(transport, options, versions, sent)
    } catch (error) {
      // Not awaited: a peer that never answered will not answer the close either, and the open must
      // fail within its timeout. The socket is destroyed in the background (transport.close bounds it).
      void transport.close()
      throw error
    }
  }

  /** Whether the broker serves this API at all. */
  supports(apiKey: ApiKey): boolean {
    return this.brokerVersions.has(apiKey)
  }

  /** The highest version of `apiKey` both kafka-doctor and the broker speak, within the given bounds. */
  versionFor(apiKey: ApiKey, options: SendOptions = {}): number {
    const ours = codecFor(apiKey)
    const theirs = this.brokerVersions.get(apiKey)
    if (!theirs) {
      throw new ProtocolError(`broker ${this.address} does not support ${apiName(apiKey)}`, {
        hint: 'the broker is older than this feature; upgrade it or skip this check',
        apiKey,
      })
    }
    const low = Math.max(ours.minVersion, theirs.minVersion, options.minVersion ?? 0)
    const high = Math.min(ours.maxVersion, theirs.maxVersion, options.maxVersion ?? Number.POSITIVE_INFINITY)
    if (options.version !== undefined) {
      if (options.version < low || options.version > high) {
        throw new ProtocolError(
          `${apiName(apiKey)} v${options.version} is not supported by broker ${this.address} (common range ${low}-${high})`,
        )
      }
      return options.version
    }
    if (high < low) {
      throw new ProtocolError(
        `no ${apiName(apiKey)} version in common with broker ${this.address} (broker ${theirs.minVersion}-${theirs.maxVersion}, kafka-doctor ${ours.minVersion}-${ours.maxVersion})`,
        { hint: 'the broker is too old or too new for this check', apiKey },
      )
    }
    return high
  }

  /** Sends one request and resolves with the decoded response and the version used. */
  async send<K extends ApiKey>(
    apiKey: K,
    request: RequestOf<K>,
    options: SendOptions = {},
  ): Promise<Reply<K>> {
    if (!isReadOnlyApi(apiKey)) {
      // A programming error, not a user error: the tool must never write to a cluster.
      throw new Error(`refusing to send ${apiName(apiKey)}: kafka-doctor only sends read-only requests`)
    }
    const version = this.versionFor(apiKey, options)
    const correlationId = this.#allocateCorrelationId()
    const frame = encodeRequestFrame(
      { apiKey, apiVersion: version, correlationId, clientId: this.clientId },
      request,
    ).subarray(4)
    const response = await this.#transport.request(correlationId, frame)
    const decoded = decodeResponseFrame(response, apiKey, version, { sizePrefixed: false })
    return { version: decoded.apiVersion, body: decoded.body as ResponseOf<K> }
  }

  close(): Promise<void> {
    return this.#transport.close()
  }

  #allocateCorrelationId(): number {
    const id = this.#nextCorrelationId
    this.#nextCorrelationId = id >= 0x7fffffff ? 1 : id + 1
    return id
  }
}

/**
 * ApiVersions at our highest version; a broker that does not know it answers UNSUPPORTED_VERSION in
 * the v0 layout together with its own range for ApiVersions, and we ask again at that version — the
 * same dance Kafka's clients do.
 */
async function negotiateApiVersions(
  transport: Transport,
  clientId: string,
): Promise<{ versions: Map<number, VersionRange>; sent: number[] }> {
  const codec = codecFor(ApiKey.ApiVersions)
  let version = codec.maxVersion
  const sent: number[] = []
  for (let attempt = 0; attempt < 2; attempt++) {
    const request = {
      ...defaultApiVersionsRequest(),
      clientSoftwareName: 'kafka-doctor',
      clientSoftwareVersion: toolVersion.replace(/[^a-zA-Z0-9.-]/g, '-'),
    }
    const correlationId = attempt + 1_000_000
    const frame = encodeRequestFrame(
      { apiKey: ApiKey.ApiVersions, apiVersion: version, correlationId, clientId },
      request,
    ).subarray(4)
    sent.push(version)
    const response = await transport.request(correlationId, frame)
    const { body } = decodeResponseFrame(response, ApiKey.ApiVersions, version, { sizePrefixed: false })
    if (body.errorCode === UNSUPPORTED_VERSION && attempt === 0) {
      const theirs = body.apiKeys.find((k) => k.apiKey === ApiKey.ApiVersions)
      version = Math.min(theirs?.maxVersion ?? 0, codec.maxVersion)
      continue
    }
    if (body.errorCode !== 0) {
      throw new ProtocolError(`broker ${transport.address} refused ApiVersions: ${errorName(body.errorCode)}`)
    }
    return {
      versions: new Map(
        body.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]),
      ),
      sent,
    }
  }
  throw new ProtocolError(`broker ${transport.address} did not agree on an ApiVersions version`)
}
