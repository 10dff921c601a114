import { connect, type Socket } from 'node:net'
import { FrameSplitter } from '../net/frame-splitter.js'
import { peekCorrelationId } from '../protocol/frame.js'
import type { Exchange } from './faults.js'
import type { Traffic } from './traffic.js'

export interface ConnectionOptions {
  brokerId: number
  upstream: { host: string; port: number }
  traffic: Traffic
  connectTimeoutMs: number
  maxFrameBytes: number
  onUpstreamFailure(message: string): void
  onClose(): void
}

/**
 * One client connection through a listener: the client's socket, a socket to the real broker, request
 * frames forwarded as they come, answers matched to their requests in order (Kafka answers in request
 * order on a connection) and written back in that same order, even when a rule delays one.
 */
export class ProxyConnection {
  readonly #client: Socket
  readonly #upstream: Socket
  readonly #options: ConnectionOptions
  readonly #requests: FrameSplitter
  readonly #responses: FrameSplitter
  readonly #inFlight: Exchange[] = []
  readonly #state = { sessionlessNoted: false, immediateNoted: false }
  #tail: Promise<void> = Promise.resolve()
  #closed = false

  constructor(client: Socket, options: ConnectionOptions) {
    this.#client = client
    this.#options = options
    this.#requests = new FrameSplitter(options.maxFrameBytes)
    this.#responses = new FrameSplitter(options.maxFrameBytes)
    client.setNoDelay(true)
    const upstream = connect({ host: options.upstream.host, port: options.upstream.port })
    this.#upstream = upstream
    upstream.setNoDelay(true)
    const timer = setTimeout(() => {
      options.onUpstreamFailure(
        `no connection to broker ${options.brokerId} at ${address(options.upstream)} within ${options.connectTimeoutMs} ms`,
      )
      this.close()
    }, options.connectTimeoutMs)
    let connected = false
    upstream.once('connect', () => {
      connected = true
      clearTimeout(timer)
    })
    upstream.on('error', (error) => {
      clearTimeout(timer)
      // Before the connection stands the broker is unreachable; afterwards it merely went away.
      if (!connected)
        options.onUpstreamFailure(
          `broker ${options.brokerId} at ${address(options.upstream)}: ${error.message}`,
        )
      this.close()
    })
    client.on('error', () => this.close())
    client.on('close', () => this.close())
    upstream.on('close', () => this.close())
    client.on('data', (chunk: Buffer) => this.#fromClient(chunk))
    upstream.on('data', (chunk: Buffer) => this.#fromBroker(chunk))
    // Back-pressure both ways: a slow reader pauses the other side instead of buffering without bound.
    client.on('drain', () => upstream.resume())
    upstream.on('drain', () => client.resume())
  }

  get closed(): boolean {
    return this.#closed
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#client.destroy()
    this.#upstream.destroy()
    this.#options.onClose()
  }

  #fromClient(chunk: Buffer): void {
    let frames: Buffer[]
    try {
      frames = this.#requests.push(chunk)
    } catch {
      this.close()
      return
    }
    for (const frame of frames) {
      if (frame.byteLength < 12) {
        this.close()
        return
      }
      const outcome = this.#options.traffic.onRequest(this.#options.brokerId, frame, this.#state)
      if (outcome.drop) {
        this.close()
        return
      }
      if (outcome.expectResponse) this.#inFlight.push(outcome.exchange)
      if (!this.#upstream.write(outcome.forward)) this.#client.pause()
    }
  }

  #fromBroker(chunk: Buffer): void {
    let frames: Buffer[]
    try {
      frames = this.#responses.push(chunk)
    } catch {
      this.close()
      return
    }
    for (const frame of frames) {
      const exchange = this.#match(frame)
      if (!exchange) {
        this.#send(Promise.resolve(frame))
        continue
      }
      this.#send(this.#options.traffic.onResponse(exchange, frame))
    }
  }

  /** The request an answer belongs to: the oldest in flight, or the one with its correlation id. */
  #match(frame: Buffer): Exchange | undefined {
    if (frame.byteLength < 8) return undefined
    const correlationId = peekCorrelationId(frame)
    const first = this.#inFlight[0]
    if (first && first.correlationId === correlationId) return this.#inFlight.shift()
    const index = this.#inFlight.findIndex((exchange) => exchange.correlationId === correlationId)
    return index < 0 ? undefined : this.#inFlight.splice(index, 1)[0]
  }

  #send(bytes: Promise<Uint8Array>): void {
    const previous = this.#tail
    this.#tail = (async () => {
      await previous
      let out: Uint8Array
      try {
        out = await bytes
      } catch {
        return this.close()
      }
      if (this.#closed) return
      if (!this.#client.write(out)) this.#upstream.pause()
    })()
  }
}

function address(endpoint: { host: string; port: number }): string {
  return `${endpoint.host}:${endpoint.port}`
}
