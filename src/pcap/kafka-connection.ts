import { isKafkaDoctorError, type KafkaDoctorError } from '../errors.js'
import type {
  DecodeContext,
  FrameDecoder,
  KafkaExchange,
  KafkaRequest,
  KafkaResponse,
  ReadableRequest,
  UnansweredReason,
} from './kafka-frame.js'
import { type FrameReceiver, type FramerStats, KafkaFramer } from './kafka-framer.js'
import { type FramePlausibility, readRequestHeader, readResponseCorrelationId } from './kafka-header.js'
import type { ConnectionInfo, ConnectionSinks } from './tcp-reassembler.js'
import type { StreamSink } from './tcp-stream.js'

export interface PairingStats {
  requests: number
  responses: number
  paired: number
  unanswered: number
  /** Responses with no request in the capture: counted and handed on, not dropped. */
  unmatchedResponses: number
  unreadableRequests: number
  decodeErrors: number
  /** Requests and responses per api key (responses counted under their request's key). */
  byApiKey: Map<number, { requests: number; responses: number }>
}

export function createPairingStats(): PairingStats {
  return {
    requests: 0,
    responses: 0,
    paired: 0,
    unanswered: 0,
    unmatchedResponses: 0,
    unreadableRequests: 0,
    decodeErrors: 0,
    byApiKey: new Map(),
  }
}

/** What a connection needs from the session that reads the capture. */
export interface KafkaConnectionContext<RequestBody, ResponseBody> {
  limits: FramePlausibility
  maxOutstandingRequests: number
  decoder: FrameDecoder<RequestBody, ResponseBody> | undefined
  requestFramer: FramerStats
  responseFramer: FramerStats
  pairing: PairingStats
  learnBroker(host: string, port: number): boolean
  onFrame: ((frame: KafkaRequest | KafkaResponse) => void) | undefined
  onExchange: ((exchange: KafkaExchange<RequestBody, ResponseBody>) => void) | undefined
  onDesync(connection: ConnectionInfo, direction: string, reason: string, fileOffset: number): void
}

interface Outstanding<RequestBody> {
  request: ReadableRequest
  body: RequestBody | undefined
  decodeError: KafkaDoctorError | undefined
}

/**
 * One client↔broker connection at the Kafka level: frames both directions, pairs each response with its
 * request by correlation id, and runs the decoder on both. Kafka answers the requests of a connection
 * in order, so the waiting requests form a queue: a response normally matches its head, and requests
 * it jumps over will never be answered (acks=0 Produce, or their response was lost in a gap).
 */
export class KafkaConnection<RequestBody, ResponseBody> implements ConnectionSinks {
  readonly toBroker: StreamSink
  readonly toClient: StreamSink
  private readonly queue: Array<Outstanding<RequestBody>> = []
  private readonly waiting = new Map<number, number>()
  private readonly decodeContext: DecodeContext

  constructor(
    readonly info: ConnectionInfo,
    private readonly context: KafkaConnectionContext<RequestBody, ResponseBody>,
  ) {
    this.decodeContext = { connection: info, learnBroker: (host, port) => context.learnBroker(host, port) }
    this.toBroker = new KafkaFramer(
      'request',
      this.receiver('request'),
      context.limits,
      context.requestFramer,
    )
    this.toClient = new KafkaFramer(
      'response',
      this.receiver('response'),
      context.limits,
      context.responseFramer,
    )
  }

  closed(): void {
    while (this.queue.length > 0) this.giveUp(this.dequeue(), 'closed')
  }

  private receiver(direction: 'request' | 'response'): FrameReceiver {
    return {
      frame: (bytes, size, damaged, resynchronised, firstTs, lastTs, fileOffset) => {
        const base = {
          connection: this.info,
          size,
          bytes,
          damaged,
          resynchronised,
          firstTs,
          lastTs,
          fileOffset,
        }
        if (direction === 'request') this.request({ ...base, direction, header: readRequestHeader(bytes) })
        else this.response({ ...base, direction, correlationId: readResponseCorrelationId(bytes) })
      },
      desync: (reason, fileOffset) => this.context.onDesync(this.info, direction, reason, fileOffset),
      isOutstanding: (correlationId) => this.waiting.has(correlationId),
    }
  }

  private request(request: KafkaRequest): void {
    const { pairing, decoder } = this.context
    pairing.requests++
    this.context.onFrame?.(request)
    if (!request.header) {
      pairing.unreadableRequests++
      this.emit({ connection: this.info, status: 'unreadable', request })
      return
    }
    const readable = request as ReadableRequest
    this.count(readable.header.apiKey).requests++
    let body: RequestBody | undefined
    let decodeError: KafkaDoctorError | undefined
    if (decoder?.decodeRequest) {
      try {
        body = decoder.decodeRequest(readable, this.decodeContext)
      } catch (error) {
        decodeError = this.decodeFailed(error)
      }
    }
    const entry: Outstanding<RequestBody> = { request: readable, body, decodeError }
    if (decoder?.expectsResponse && !decoder.expectsResponse(readable, body)) {
      this.giveUp(entry, 'no-response-expected')
      return
    }
    this.queue.push(entry)
    this.waiting.set(
      readable.header.correlationId,
      (this.waiting.get(readable.header.correlationId) ?? 0) + 1,
    )
    if (this.queue.length > this.context.maxOutstandingRequests) this.giveUp(this.dequeue(), 'limit')
  }

  private response(response: KafkaResponse): void {
    const { pairing, decoder } = this.context
    pairing.responses++
    this.context.onFrame?.(response)
    const correlationId = response.correlationId
    const index =
      correlationId === undefined || !this.waiting.has(correlationId)
        ? -1
        : this.queue.findIndex((entry) => entry.request.header.correlationId === correlationId)
    if (index < 0) {
      pairing.unmatchedResponses++
      this.emit({ connection: this.info, status: 'unmatched', response })
      return
    }
    for (let i = 0; i < index; i++) this.giveUp(this.dequeue(), 'skipped')
    const entry = this.dequeue()
    pairing.paired++
    this.count(entry.request.header.apiKey).responses++
    const exchange: KafkaExchange<RequestBody, ResponseBody> = {
      connection: this.info,
      status: 'paired',
      request: entry.request,
      response,
      latencyNs: response.lastTs - entry.request.firstTs,
    }
    if (entry.body !== undefined) exchange.requestBody = entry.body
    if (entry.decodeError) exchange.decodeError = entry.decodeError
    if (decoder?.decodeResponse) {
      try {
        exchange.responseBody = decoder.decodeResponse(
          response,
          entry.request,
          entry.body,
          this.decodeContext,
        )
      } catch (error) {
        exchange.decodeError ??= this.decodeFailed(error)
      }
    }
    this.emit(exchange)
  }

  private dequeue(): Outstanding<RequestBody> {
    const entry = this.queue.shift()!
    const id = entry.request.header.correlationId
    const left = (this.waiting.get(id) ?? 1) - 1
    if (left > 0) this.waiting.set(id, left)
    else this.waiting.delete(id)
    return entry
  }

  private giveUp(entry: Outstanding<RequestBody>, reason: UnansweredReason): void {
    this.context.pairing.unanswered++
    const exchange: KafkaExchange<RequestBody, ResponseBody> = {
      connection: this.info,
      status: 'unanswered',
      unansweredReason: reason,
      request: entry.request,
    }
    if (entry.body !== undefined) exchange.requestBody = entry.body
    if (entry.decodeError) exchange.decodeError = entry.decodeError
    this.emit(exchange)
  }

  private decodeFailed(error: unknown): KafkaDoctorError {
    if (!isKafkaDoctorError(error)) throw error
    this.context.pairing.decodeErrors++
    return error
  }

  private count(apiKey: number): { requests: number; responses: number } {
    const byApiKey = this.context.pairing.byApiKey
    let counts = byApiKey.get(apiKey)
    if (!counts) {
      counts = { requests: 0, responses: 0 }
      byApiKey.set(apiKey, counts)
    }
    return counts
  }

  private emit(exchange: KafkaExchange<RequestBody, ResponseBody>): void {
    this.context.onExchange?.(exchange)
  }
}
