/**
 * Kafka frames: a 4-byte size, a request or response header, the body. The header version is implied
 * by the api key and version (KIP-482): requests use header v2 when the API version is flexible, else
 * v1 (ControlledShutdown v0: v0); responses use v1 when flexible, else v0 — except ApiVersions
 * responses, always v0, so that a client can read them before it knows what the broker speaks.
 */
import { TruncatedInputError } from '../errors.js'
import type { ApiCodec, RawTaggedField } from './codec-support.js'
import { writeRawTaggedFields } from './codec-support.js'
import { type ApiKey, findCodec, type RequestOf, type ResponseOf } from './generated/apis.js'
import { MalformedInputError, UnsupportedApiError } from './protocol-errors.js'
import { Reader } from './reader.js'
import { Writer } from './writer.js'

export interface RequestHeader {
  apiKey: number
  apiVersion: number
  correlationId: number
  /** Header v1+; null when absent (v0) or sent as null. */
  clientId: string | null
  /** Header v2 tagged fields (none are defined; kept for re-encoding). */
  unknownTaggedFields?: RawTaggedField[]
}

export interface ResponseHeader {
  correlationId: number
  unknownTaggedFields?: RawTaggedField[]
}

const API_VERSIONS_KEY = 18
const UNSUPPORTED_VERSION = 35

export function codecOrThrow(apiKey: number): ApiCodec<unknown, unknown> {
  const codec = findCodec(apiKey)
  if (!codec) throw new UnsupportedApiError(apiKey)
  return codec
}

// ---- headers ------------------------------------------------------------------------------------

export function writeRequestHeader(w: Writer, headerVersion: number, header: RequestHeader): void {
  w.writeInt16(header.apiKey)
  w.writeInt16(header.apiVersion)
  w.writeInt32(header.correlationId)
  if (headerVersion >= 1) w.writeNullableString(header.clientId) // never compact, even in v2
  if (headerVersion >= 2) writeTaggedSection(w, header.unknownTaggedFields)
}

export function readRequestHeader(r: Reader, headerVersion: number): RequestHeader {
  const apiKey = r.readInt16()
  const apiVersion = r.readInt16()
  const correlationId = r.readInt32()
  const clientId = headerVersion >= 1 ? r.readNullableString() : null
  const header: RequestHeader = { apiKey, apiVersion, correlationId, clientId }
  if (headerVersion >= 2) {
    const unknown = readTaggedSection(r)
    if (unknown !== undefined) header.unknownTaggedFields = unknown
  }
  return header
}

export function writeResponseHeader(w: Writer, headerVersion: number, header: ResponseHeader): void {
  w.writeInt32(header.correlationId)
  if (headerVersion >= 1) writeTaggedSection(w, header.unknownTaggedFields)
}

export function readResponseHeader(r: Reader, headerVersion: number): ResponseHeader {
  const header: ResponseHeader = { correlationId: r.readInt32() }
  if (headerVersion >= 1) {
    const unknown = readTaggedSection(r)
    if (unknown !== undefined) header.unknownTaggedFields = unknown
  }
  return header
}

function writeTaggedSection(w: Writer, fields: RawTaggedField[] | undefined): void {
  w.writeUnsignedVarint(fields?.length ?? 0)
  writeRawTaggedFields(w, fields, 0, Number.POSITIVE_INFINITY)
}

function readTaggedSection(r: Reader): RawTaggedField[] | undefined {
  const count = r.readUnsignedVarint()
  if (count === 0) return undefined
  const fields: RawTaggedField[] = []
  for (let i = 0; i < count; i++) {
    const tag = r.readUnsignedVarint()
    const size = r.readUnsignedVarint()
    fields.push({ tag, data: r.readRaw(size) })
  }
  return fields
}

/** The request header version for an API key and version (throws UnsupportedApiError if unknown). */
export function requestHeaderVersion(apiKey: number, apiVersion: number): number {
  const codec = codecOrThrow(apiKey)
  checkSupported(codec, apiVersion)
  return codec.requestHeaderVersion(apiVersion)
}

export function responseHeaderVersion(apiKey: number, apiVersion: number): number {
  const codec = codecOrThrow(apiKey)
  checkSupported(codec, apiVersion)
  return codec.responseHeaderVersion(apiVersion)
}

function checkSupported(codec: ApiCodec<unknown, unknown>, apiVersion: number): void {
  if (apiVersion < codec.minVersion || apiVersion > codec.maxVersion) {
    throw new UnsupportedApiError(
      codec.apiKey,
      apiVersion,
      `${codec.name} versions are ${codec.minVersion}-${codec.maxVersion}`,
    )
  }
}

// ---- frames -------------------------------------------------------------------------------------

export interface RequestFrameHeader<K extends number = number> {
  apiKey: K
  apiVersion: number
  correlationId: number
  clientId: string | null
}

/** A size-prefixed request frame. */
export function encodeRequestFrame<K extends ApiKey>(
  header: RequestFrameHeader<K>,
  body: RequestOf<K>,
): Uint8Array {
  const codec = codecOrThrow(header.apiKey)
  checkSupported(codec, header.apiVersion)
  const w = new Writer(256)
  const size = w.reserveInt32()
  writeRequestHeader(w, codec.requestHeaderVersion(header.apiVersion), header)
  codec.encodeRequest(w, header.apiVersion, body)
  w.patchInt32(size, w.offset - 4)
  return w.finish()
}

/** A size-prefixed response frame (for the fault-injection proxy and tests). */
export function encodeResponseFrame<K extends ApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseOf<K>,
): Uint8Array {
  const codec = codecOrThrow(apiKey)
  checkSupported(codec, apiVersion)
  const w = new Writer(256)
  const size = w.reserveInt32()
  writeResponseHeader(w, codec.responseHeaderVersion(apiVersion), { correlationId })
  codec.encodeResponse(w, apiVersion, body)
  w.patchInt32(size, w.offset - 4)
  return w.finish()
}

export interface FrameOptions {
  /** The bytes start with the 4-byte size (default true). */
  sizePrefixed?: boolean
}

/**
 * The reader over one frame's content. With a size prefix, the frame must be complete: fewer bytes
 * than the size says → TruncatedInputError; bytes beyond the frame are ignored.
 */
function frameReader(bytes: Uint8Array, options: FrameOptions): Reader {
  if (options.sizePrefixed === false) return new Reader(bytes, { complete: true })
  if (bytes.byteLength < 4) throw new TruncatedInputError(0, 4, bytes.byteLength, 'Kafka frame')
  const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getInt32(0)
  if (size < 0) throw new MalformedInputError(0, `negative frame size ${size}`)
  if (bytes.byteLength - 4 < size) throw new TruncatedInputError(4, size, bytes.byteLength - 4, 'Kafka frame')
  return new Reader(bytes, { offset: 4, end: 4 + size, complete: true })
}

export interface DecodedRequest {
  header: RequestHeader
  headerVersion: number
  body: unknown
  /** Bytes after the body inside the frame (0 for a well-formed frame). */
  trailingBytes: number
}

/** Decodes a request frame by the api key and version in its header. */
export function decodeRequestFrame(bytes: Uint8Array, options: FrameOptions = {}): DecodedRequest {
  const r = frameReader(bytes, options)
  const start = r.offset
  const apiKey = r.readInt16()
  const apiVersion = r.readInt16()
  r.offset = start
  const codec = codecOrThrow(apiKey)
  checkSupported(codec, apiVersion)
  const headerVersion = codec.requestHeaderVersion(apiVersion)
  const header = readRequestHeader(r, headerVersion)
  const body = codec.decodeRequest(r, apiVersion)
  return { header, headerVersion, body, trailingBytes: r.remaining }
}

/** The body type of a response to `K`: typed for known keys, unknown otherwise. */
export type ResponseBody<K extends number> = K extends ApiKey ? ResponseOf<K> : unknown

export interface DecodedResponse<K extends number = number> {
  header: ResponseHeader
  correlationId: number
  /** The version the body was decoded with: the request's, or 0 after the ApiVersions fallback. */
  apiVersion: number
  body: ResponseBody<K>
  trailingBytes: number
}

/**
 * Decodes a response frame; the api key and version come from the matching request. ApiVersions
 * fallback: a broker that does not support the requested ApiVersions version answers
 * UNSUPPORTED_VERSION in the v0 layout, so — as Kafka's clients do — a body that does not parse at
 * the requested version (or leaves bytes over) is parsed again as v0.
 */
export function decodeResponseFrame<K extends number>(
  bytes: Uint8Array,
  apiKey: K,
  apiVersion: number,
  options: FrameOptions = {},
): DecodedResponse<K> {
  const codec = codecOrThrow(apiKey)
  checkSupported(codec, apiVersion)
  const r = frameReader(bytes, options)
  const headerVersion = codec.responseHeaderVersion(apiVersion)
  const header = readResponseHeader(r, headerVersion)
  const bodyStart = r.offset
  if (apiKey === API_VERSIONS_KEY && apiVersion > 0) {
    try {
      const body = codec.decodeResponse(r, apiVersion) as ResponseBody<K>
      if (r.remaining === 0)
        return { header, correlationId: header.correlationId, apiVersion, body, trailingBytes: 0 }
    } catch (error) {
      if (!(error instanceof MalformedInputError || error instanceof TruncatedInputError)) throw error
    }
    r.offset = bodyStart
    const body = codec.decodeResponse(r, 0) as ResponseBody<K>
    const errorCode = (body as { errorCode?: number }).errorCode
    if (errorCode !== UNSUPPORTED_VERSION && r.remaining !== 0) {
      throw new MalformedInputError(
        bodyStart,
        `ApiVersions response parses neither as v${apiVersion} nor as v0`,
      )
    }
    return { header, correlationId: header.correlationId, apiVersion: 0, body, trailingBytes: r.remaining }
  }
  const body = codec.decodeResponse(r, apiVersion) as ResponseBody<K>
  return { header, correlationId: header.correlationId, apiVersion, body, trailingBytes: r.remaining }
}

/**
 * The correlation id of a frame without decoding it: responses carry it right after the size,
 * requests after the api key and version.
 */
export function peekCorrelationId(
  bytes: Uint8Array,
  kind: 'request' | 'response' = 'response',
  options: FrameOptions = {},
): number {
  const at = (options.sizePrefixed === false ? 0 : 4) + (kind === 'request' ? 4 : 0)
  if (bytes.byteLength < at + 4)
    throw new TruncatedInputError(at, 4, Math.max(0, bytes.byteLength - at), 'Kafka frame')
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(at)
}

/** Api key, version and correlation id of a request frame, without needing a codec for the key. */
export function peekRequestHeader(
  bytes: Uint8Array,
  options: FrameOptions = {},
): { apiKey: number; apiVersion: number; correlationId: number } {
  const at = options.sizePrefixed === false ? 0 : 4
  if (bytes.byteLength < at + 8)
    throw new TruncatedInputError(at, 8, Math.max(0, bytes.byteLength - at), 'Kafka frame')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  return {
    apiKey: view.getInt16(at),
    apiVersion: view.getInt16(at + 2),
    correlationId: view.getInt32(at + 4),
  }
}
