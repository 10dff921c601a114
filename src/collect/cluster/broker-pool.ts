import {
  isKafkaDoctorError,
  KafkaDoctorError,
  ProtocolError,
  TimeoutError,
  UnreachableError,
} from '../../errors.js'
import type { BrokerAddress } from '../../net/address.js'
import { BrokerConnection, type Reply, type SendOptions } from '../../net/connection.js'
import { type ApiKey, apiName, type RequestOf } from '../../protocol/generated/apis.js'
import type { CollectError, RequestOutcome, RequestRecord } from './snapshot.js'

/**
 * Connections to the brokers of one collection run, one per address, each opened at most once and
 * bounded by the run's timeout (connect and every request). Every request and connection attempt is
 * recorded, so that the snapshot says exactly what was asked of whom, and how long it took.
 */

export interface BrokerPoolOptions {
  /** Bound on connecting and on each request's round trip. */
  timeoutMs: number
  clientId?: string
}

export class BrokerPool {
  readonly records: RequestRecord[] = []
  readonly #options: BrokerPoolOptions
  readonly #connections = new Map<string, Promise<BrokerConnection>>()
  readonly #started = performance.now()

  constructor(options: BrokerPoolOptions) {
    this.#options = options
  }

  /** ms since the pool was created. */
  elapsedMs(): number {
    return performance.now() - this.#started
  }

  /**
   * The connection to an address, opened on first use: TCP connect plus the ApiVersions exchange,
   * recorded as one ApiVersions record per request sent (two when the broker asks for an older
   * version), each with the whole set-up time; a failed TCP connect is recorded as `connect`. A failed
   * open is not kept, so a later round may try again.
   */
  open(address: BrokerAddress, brokerId: number | null): Promise<BrokerConnection> {
    const key = addressKey(address)
    const existing = this.#connections.get(key)
    if (existing) return existing
    const opening = this.#open(address, key, brokerId)
    opening.catch(() => this.#connections.delete(key))
    this.#connections.set(key, opening)
    return opening
  }

  async #open(address: BrokerAddress, key: string, brokerId: number | null): Promise<BrokerConnection> {
    const startMs = this.elapsedMs()
    const record = (api: string, version: number | null, outcome: RequestOutcome) =>
      this.records.push({
        brokerId,
        address: key,
        api,
        version,
        startMs: round(startMs),
        durationMs: round(this.elapsedMs() - startMs),
        outcome,
      })
    try {
      const connection = await BrokerConnection.open({
        host: address.host,
        port: address.port,
        ...(brokerId !== null ? { nodeId: brokerId } : {}),
        ...(this.#options.clientId !== undefined ? { clientId: this.#options.clientId } : {}),
        connectTimeoutMs: this.#options.timeoutMs,
        requestTimeoutMs: this.#options.timeoutMs,
      })
      for (const version of connection.apiVersionsSent) record('ApiVersions', version, 'ok')
      return connection
    } catch (error) {
      record(connectFailed(error) ? 'connect' : 'ApiVersions', null, outcomeOf(error))
      throw error
    }
  }

  /** Sends one request at the highest common version (within `options`), recording it. */
  send<K extends ApiKey>(
    connection: BrokerConnection,
    brokerId: number | null,
    apiKey: K,
    request: RequestOf<K>,
    options: SendOptions = {},
  ): Promise<Reply<K>> {
    const address = `${connection.host}:${connection.port}`
    let version: number
    try {
      version = connection.versionFor(apiKey, options)
    } catch (error) {
      return Promise.reject(error)
    }
    return this.#track(brokerId, address, apiName(apiKey), version, () =>
      connection.send(apiKey, request, { version }),
    )
  }

  async close(): Promise<void> {
    const settled = await Promise.allSettled(this.#connections.values())
    await Promise.all(settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value.close()] : [])))
    this.#connections.clear()
  }

  async #track<T>(
    brokerId: number | null,
    address: string,
    api: string,
    version: number | null,
    work: () => Promise<T>,
  ): Promise<T> {
    const startMs = this.elapsedMs()
    const record: RequestRecord = {
      brokerId,
      address,
      api,
      version,
      startMs: round(startMs),
      durationMs: 0,
      outcome: 'ok',
    }
    this.records.push(record)
    try {
      return await work()
    } catch (error) {
      record.outcome = outcomeOf(error)
      throw error
    } finally {
      record.durationMs = round(this.elapsedMs() - startMs)
    }
  }
}

export function addressKey(address: BrokerAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`
}

/** Whether an open failed before a byte was sent (refused, unresolvable, or no TCP connection in time). */
function connectFailed(error: unknown): boolean {
  return (
    error instanceof KafkaDoctorError &&
    /^(cannot connect|cannot resolve|no connection to)/.test(error.message)
  )
}

/** How a failed request ended, for the snapshot. Anything that is not a KafkaDoctorError is a bug. */
export function outcomeOf(error: unknown): RequestOutcome {
  if (error instanceof TimeoutError) return 'timeout'
  if (error instanceof UnreachableError) return 'unreachable'
  if (error instanceof ProtocolError && /does not support|no .* version in common/.test(error.message))
    return 'unsupported'
  return 'error'
}

/** The error as snapshot data; rethrows what is not a KafkaDoctorError (a bug must not be hidden). */
export function collectErrorOf(error: unknown): CollectError {
  if (!isKafkaDoctorError(error)) throw error
  return { code: error.code, message: error.message }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
