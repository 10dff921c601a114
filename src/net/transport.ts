import { connect as netConnect, type Socket } from 'node:net'
import { type ConnectionOptions as TlsOptions, connect as tlsConnect } from 'node:tls'
import { ProtocolError, TimeoutError, UnreachableError } from '../errors.js'
import { FrameSplitter } from './frame-splitter.js'

/**
 * A framed, pipelined Kafka transport to one broker: it writes size-prefixed request frames, splits
 * the byte stream into response frames, and hands each one to the request waiting on its correlation
 * id. It knows nothing about API keys or versions — the typed layer above (connection.ts) does — so
 * TLS and SASL plug in here without touching the protocol code.
 */

export interface TransportOptions {
  host: string
  port: number
  /** Bound on connecting (TCP + TLS handshake). */
  connectTimeoutMs: number
  /** Bound on each request's round trip. */
  requestTimeoutMs: number
  /** TLS options when the listener is SSL/SASL_SSL. */
  tls?: TlsOptions
  /** Largest response frame accepted; a bigger size prefix means we are not talking to Kafka. */
  maxFrameBytes?: number
}

interface Pending {
  resolve(frame: Uint8Array): void
  reject(error: Error): void
  timer: NodeJS.Timeout
}

const defaultMaxFrameBytes = 256 * 1024 * 1024

export class Transport {
  readonly host: string
  readonly port: number
  readonly #socket: Socket
  readonly #requestTimeoutMs: number
  readonly #frames: FrameSplitter
  readonly #pending = new Map<number, Pending>()
  #closed: Error | undefined

  private constructor(socket: Socket, options: TransportOptions) {
    this.host = options.host
    this.port = options.port
    this.#socket = socket
    this.#requestTimeoutMs = options.requestTimeoutMs
    this.#frames = new FrameSplitter(options.maxFrameBytes ?? defaultMaxFrameBytes)
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
    socket.on('error', (error) => this.#fail(this.#describe(error)))
    socket.on('close', () =>
      this.#fail(new UnreachableError(`connection to ${this.address} closed by the broker`)),
    )
  }

  get address(): string {
    return `${this.host}:${this.port}`
  }

  get closed(): boolean {
    return this.#closed !== undefined
  }

  static connect(options: TransportOptions): Promise<Transport> {
    const address = `${options.host}:${options.port}`
    return new Promise((resolve, reject) => {
      const socket = options.tls
        ? tlsConnect({ ...options.tls, host: options.host, port: options.port, servername: options.host })
        : netConnect({ host: options.host, port: options.port })
      socket.setNoDelay(true)
      const timer = setTimeout(() => {
        socket.destroy()
        reject(
          new TimeoutError(`no connection to ${address} within ${options.connectTimeoutMs} ms`, {
            hint: 'check the address, the listener port and firewalls',
          }),
        )
      }, options.connectTimeoutMs)
      const onError = (error: NodeJS.ErrnoException) => {
        clearTimeout(timer)
        socket.destroy()
        reject(connectError(address, error))
      }
      socket.once('error', onError)
      socket.once(options.tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer)
        socket.off('error', onError)
        resolve(new Transport(socket, options))
      })
    })
  }

  /**
   * Sends one request frame (without its size prefix) and resolves with the response frame (without
   * its size prefix, starting at the correlation id). With `expectResponse: false` (Produce acks=0) it
   * resolves once written.
   */
  request(correlationId: number, frame: Uint8Array, expectResponse = true): Promise<Uint8Array> {
    if (this.#closed) return Promise.reject(this.#closed)
    const prefix = Buffer.allocUnsafe(4)
    prefix.writeInt32BE(frame.byteLength, 0)
    if (!expectResponse) {
      this.#socket.write(prefix)
      return new Promise((resolve, reject) =>
        this.#socket.write(frame, (error) =>
          error ? reject(this.#describe(error)) : resolve(new Uint8Array()),
        ),
      )
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(correlationId)
        reject(
          new TimeoutError(`${this.address} did not answer within ${this.#requestTimeoutMs} ms`, {
            hint: 'the broker may be overloaded or down; raise --timeout to wait longer',
          }),
        )
      }, this.#requestTimeoutMs)
      this.#pending.set(correlationId, { resolve, reject, timer })
      this.#socket.write(prefix)
      this.#socket.write(frame)
    })
  }

  /** Closes the socket; requests still waiting are rejected. */
  close(): Promise<void> {
    this.#fail(new UnreachableError(`connection to ${this.address} closed`))
    return new Promise((resolve) => {
      if (this.#socket.destroyed) return resolve()
      this.#socket.once('close', () => resolve())
      this.#socket.end()
      setTimeout(() => {
        this.#socket.destroy()
        resolve()
      }, 1000).unref()
    })
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[]
    try {
      frames = this.#frames.push(chunk)
    } catch (error) {
      this.#protocolFailure((error as Error).message)
      return
    }
    for (const sized of frames) {
      // A response holds at least its correlation id.
      if (sized.byteLength < 8) {
        this.#protocolFailure(`a frame of ${sized.byteLength - 4} bytes: too short for a Kafka response`)
        return
      }
      const frame = sized.subarray(4)
      const correlationId = frame.readInt32BE(0)
      const pending = this.#pending.get(correlationId)
      if (!pending) continue // a response nobody waits for (timed out): drop it
      this.#pending.delete(correlationId)
      clearTimeout(pending.timer)
      pending.resolve(frame)
    }
  }

  #protocolFailure(what: string): void {
    this.#fail(new ProtocolError(`${this.address} sent ${what}`))
    this.#socket.destroy()
  }

  #fail(error: Error): void {
    if (!this.#closed) this.#closed = error
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer)
      pending.reject(error)
      this.#pending.delete(id)
    }
  }

  #describe(error: NodeJS.ErrnoException): Error {
    return error.code === 'ECONNRESET' || error.code === 'EPIPE'
      ? new UnreachableError(`connection to ${this.address} was reset`, { cause: error })
      : new UnreachableError(`connection to ${this.address} failed: ${error.message}`, { cause: error })
  }
}

function connectError(address: string, error: NodeJS.ErrnoException): UnreachableError {
  switch (error.code) {
    case 'ECONNREFUSED':
      return new UnreachableError(`cannot connect to ${address}: connection refused`, {
        hint: 'is a broker listening there? check --bootstrap-server',
        cause: error,
      })
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new UnreachableError(`cannot resolve host of ${address}`, {
        hint: 'check the host name in --bootstrap-server',
        cause: error,
      })
    default:
      return new UnreachableError(`cannot connect to ${address}: ${error.message}`, { cause: error })
  }
}
