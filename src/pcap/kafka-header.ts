/**
 * The parts of Kafka's request and response headers that every version shares, read without the
 * codec: a request starts `int16 api_key, int16 api_version, int32 correlation_id, int16-length
 * client_id` (header v1 and v2; flexible v2 adds tagged fields *after* the client id), a response
 * starts `int32 correlation_id`. Offsets are relative to the frame body (after the size prefix).
 */

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  /** null for a null client id and for request header v0 (ControlledShutdown v0 only). */
  clientId: string | null
  /** Bytes of the header read here: the body (or a flexible header's tagged fields) starts there. */
  length: number
}

/** Limits the frame-alignment heuristic uses. See `requestLooksPlausible` for why they are what they are. */
export interface FramePlausibility {
  /** Largest frame believed (Kafka's socket.request.max.bytes defaults to 100 MiB). */
  maxFrameBytes: number
  /** Highest api key believed: Kafka 4.x uses keys up to the low 90s. */
  maxApiKey: number
  /** Highest api version believed: no API is past v20. */
  maxApiVersion: number
  /** Optional exact check the codec can provide once it is plugged in. */
  isKnownRequest?: (apiKey: number, apiVersion: number) => boolean
}

export const defaultPlausibility: FramePlausibility = {
  maxFrameBytes: 128 * 1024 * 1024,
  maxApiKey: 100,
  maxApiVersion: 20,
}

const controlledShutdownKey = 7
/** Longest client id looked at while resynchronising; real ones are short, and the test stays cheap. */
const clientIdCheckBytes = 64
/** Bytes a request frame needs at the least: size prefix + key + version + correlation id + client id length. */
export const requestProbeBytes = 14
/** Bytes a response frame needs at the least: size prefix + correlation id. */
export const responseProbeBytes = 8

/** Peeks the request header from a frame body; undefined when the captured bytes end too early. */
export function readRequestHeader(body: Buffer): RequestHeader | undefined {
  if (body.length < 8) return undefined
  const apiKey = body.readInt16BE(0)
  const apiVersion = body.readInt16BE(2)
  const correlationId = body.readInt32BE(4)
  if (apiKey === controlledShutdownKey && apiVersion === 0)
    return { apiKey, apiVersion, correlationId, clientId: null, length: 8 }
  if (body.length < 10) return undefined
  const clientIdLength = body.readInt16BE(8)
  if (clientIdLength < 0) return { apiKey, apiVersion, correlationId, clientId: null, length: 10 }
  if (body.length < 10 + clientIdLength) return undefined
  const clientId = body.toString('utf8', 10, 10 + clientIdLength)
  return { apiKey, apiVersion, correlationId, clientId, length: 10 + clientIdLength }
}

export function readResponseCorrelationId(body: Buffer): number | undefined {
  return body.length < 4 ? undefined : body.readInt32BE(0)
}

/** What the framer knows when it looks for a request start. */
export interface RequestScanContext {
  /** Correlation id of the last request seen on this connection before alignment was lost. */
  afterCorrelationId: number | undefined
  /** The position is the first byte of a TCP segment (where clients' writes usually begin). */
  atSegmentStart: boolean
}

/** How far correlation ids may jump across a loss (Java clients share one counter across connections). */
const correlationWindow = 1 << 20

/**
 * Could a request frame start at `off` (at its size prefix)? The heuristic behind resynchronisation
 * after a gap or when a capture joins a connection midway:
 * - size: at least the 10 header bytes plus the client id, at most `maxFrameBytes`;
 * - api key 0…maxApiKey and version 0…maxApiVersion (or the codec's exact table when given);
 * - correlation id ≥ 0 (clients count up from 0), and when the connection's last correlation id is
 *   known, above it by at most 2^20 (clients count up; Java shares the counter across connections);
 * - client id length −1 (null) or 0…size−10, and its first bytes printable ASCII (client ids are names
 *   people choose).
 * Inside a segment (not at its first byte) the bar is higher, because record data of a big Produce
 * request is full of small integers and zero runs: the client id must be non-empty.
 * Returns 'more' when deciding needs bytes beyond `end`.
 */
export function requestLooksPlausible(
  buf: Buffer,
  off: number,
  end: number,
  limits: FramePlausibility,
  context: RequestScanContext = { afterCorrelationId: undefined, atSegmentStart: true },
): 'yes' | 'no' | 'more' {
  if (end - off < requestProbeBytes) return sizeFails(buf, off, end, 10, limits) ? 'no' : 'more'
  const size = buf.readInt32BE(off)
  if (size < 10 || size > limits.maxFrameBytes) return 'no'
  const apiKey = buf.readInt16BE(off + 4)
  const apiVersion = buf.readInt16BE(off + 6)
  if (!headerFieldsPlausible(apiKey, apiVersion, limits)) return 'no'
  const correlationId = buf.readInt32BE(off + 8)
  if (correlationId < 0) return 'no'
  const after = context.afterCorrelationId
  if (after !== undefined) {
    const ahead = correlationId - after
    const wrapped = after > 0x7fffffff - correlationWindow && correlationId < correlationWindow
    if (!wrapped && (ahead <= 0 || ahead > correlationWindow)) return 'no'
  }
  const clientIdLength = buf.readInt16BE(off + 12)
  if (clientIdLength === -1) return context.atSegmentStart ? 'yes' : 'no'
  if (clientIdLength < 0 || clientIdLength > size - 10) return 'no'
  if (clientIdLength === 0 && !context.atSegmentStart) return 'no'
  const checked = Math.min(clientIdLength, clientIdCheckBytes)
  const start = off + requestProbeBytes
  if (end < start + checked) return 'more'
  for (let i = start; i < start + checked; i++) {
    const c = buf[i]!
    if (c < 0x20 || c > 0x7e) return 'no'
  }
  return 'yes'
}

/** In-sync check of a request header: cheap, only the fields that are the same in every version. */
export function headerFieldsPlausible(
  apiKey: number,
  apiVersion: number,
  limits: FramePlausibility,
): boolean {
  if (apiKey < 0 || apiKey > limits.maxApiKey || apiVersion < 0 || apiVersion > limits.maxApiVersion)
    return false
  return limits.isKnownRequest ? limits.isKnownRequest(apiKey, apiVersion) : true
}

/**
 * Could a response frame start at `off`? A response carries nothing but its correlation id, so it is
 * only believed when that id belongs to a request this connection sent and has not had answered.
 */
export function responseLooksPlausible(
  buf: Buffer,
  off: number,
  end: number,
  limits: FramePlausibility,
  isOutstanding: (correlationId: number) => boolean,
): 'yes' | 'no' | 'more' {
  if (end - off < responseProbeBytes) return sizeFails(buf, off, end, 4, limits) ? 'no' : 'more'
  const size = buf.readInt32BE(off)
  if (size < 4 || size > limits.maxFrameBytes) return 'no'
  return isOutstanding(buf.readInt32BE(off + 4)) ? 'yes' : 'no'
}

/** With fewer than 4 bytes, rejects early when the leading size byte alone rules the position out. */
function sizeFails(buf: Buffer, off: number, end: number, min: number, limits: FramePlausibility): boolean {
  if (end - off < 4) return off < end && buf[off]! > limits.maxFrameBytes / 0x1000000
  const size = buf.readInt32BE(off)
  return size < min || size > limits.maxFrameBytes
}
