import type { KafkaDoctorError } from '../errors.js'
import type { FrameDirection } from './kafka-framer.js'
import type { RequestHeader } from './kafka-header.js'
import type { ConnectionInfo } from './tcp-reassembler.js'

/** One Kafka frame (a request or a response) as the capture carried it. */
export interface KafkaFrameBase {
  connection: ConnectionInfo
  direction: FrameDirection
  /** Size from the frame's int32 prefix (the prefix itself not included). */
  size: number
  /**
   * The frame without its size prefix: a view into the capture when the frame lay in one TCP segment,
   * a copy otherwise. Shorter than `size` when `damaged`.
   */
  bytes: Buffer
  /** Bytes are missing (gap in the capture, snaplen, end of capture): `bytes` is the captured prefix. */
  damaged: boolean
  /** The first frame found by the resynchronisation heuristic after a midway start or a lost alignment. */
  resynchronised: boolean
  /** Capture time of the packet holding the first byte of the size prefix. */
  firstTs: bigint
  /** Capture time of the packet holding the last byte. */
  lastTs: bigint
  /** File offset of the packet holding the first byte of the size prefix. */
  fileOffset: number
}

export interface KafkaRequest extends KafkaFrameBase {
  direction: 'request'
  /** The header fields every version shares; undefined when too few bytes were captured to read them. */
  header: RequestHeader | undefined
}

export interface KafkaResponse extends KafkaFrameBase {
  direction: 'response'
  correlationId: number | undefined
}

export type KafkaFrame = KafkaRequest | KafkaResponse

/** A request whose header could be read (the only kind that can be paired and decoded). */
export type ReadableRequest = KafkaRequest & { header: RequestHeader }

export type ExchangeStatus =
  /** A request and its response. */
  | 'paired'
  /** A request that got no response in the capture. */
  | 'unanswered'
  /** A response whose request is not in the capture (sent before it started, or lost in a gap). */
  | 'unmatched'
  /** A request too damaged to read its header. */
  | 'unreadable'

export type UnansweredReason =
  /** The decoder says none was due (Produce with acks=0). */
  | 'no-response-expected'
  /** A response to a later request came first: Kafka answers in order, so none will come. */
  | 'skipped'
  /** The connection ended (or the capture did) first. */
  | 'closed'
  /** Too many requests waiting on one connection; the oldest was given up. */
  | 'limit'

/** The unit the analysis works on: a request and its response, or one of them alone. */
export interface KafkaExchange<RequestBody = unknown, ResponseBody = unknown> {
  connection: ConnectionInfo
  status: ExchangeStatus
  unansweredReason?: UnansweredReason
  request?: KafkaRequest
  response?: KafkaResponse
  /** What the plugged-in decoder made of the request (see FrameDecoder). */
  requestBody?: RequestBody
  responseBody?: ResponseBody
  /** The decoder rejected a body; the frames are still here. */
  decodeError?: KafkaDoctorError
  /** Paired only: from the request's first packet to the response's last one (what the client waits). */
  latencyNs?: bigint
}

/** What a decoder can do besides decoding. */
export interface DecodeContext {
  connection: ConnectionInfo
  /**
   * Follow `host:port` as a broker from now on (call it for every broker a Metadata or
   * FindCoordinator answer names). Returns false when `host` is not an IP address.
   */
  learnBroker(host: string, port: number): boolean
}

/**
 * The plug for the Kafka codec. The pairing layer calls it for each readable request and for each
 * response with its request, so a response is decoded with the version of the request that asked for
 * it. Throwing a KafkaDoctorError marks the exchange (`decodeError`) and reading goes on; any other
 * exception is a bug and propagates.
 */
export interface FrameDecoder<RequestBody = unknown, ResponseBody = unknown> {
  decodeRequest?(request: ReadableRequest, context: DecodeContext): RequestBody
  /** Whether the request gets a response (false for Produce with acks=0). Default: true. */
  expectsResponse?(request: ReadableRequest, body: RequestBody | undefined): boolean
  decodeResponse?(
    response: KafkaResponse,
    request: ReadableRequest,
    requestBody: RequestBody | undefined,
    context: DecodeContext,
  ): ResponseBody
  /** Exact (api key, version) table for the framing heuristic; the range check is used without it. */
  isKnownRequest?(apiKey: number, apiVersion: number): boolean
}
