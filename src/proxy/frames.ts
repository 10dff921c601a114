/**
 * The little frame work the proxy does itself: reading a request header (with its client id) from a
 * size-prefixed frame, and writing a changed request or answer back with the header it had.
 */
import type { ApiCodec } from '../protocol/codec-support.js'
import {
  type RequestHeader,
  type ResponseHeader,
  readRequestHeader,
  writeRequestHeader,
  writeResponseHeader,
} from '../protocol/frame.js'
import { findCodec } from '../protocol/generated/apis.js'
import { Reader } from '../protocol/reader.js'
import { Writer } from '../protocol/writer.js'

export interface PeekedRequest {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string | null
  /** The codec when the key and version are known; unknown ones are forwarded blindly. */
  codec: ApiCodec<unknown, unknown> | undefined
}

/** Reads the request header of a size-prefixed frame (at least 12 bytes: size, key, version, id). */
export function peekRequest(frame: Uint8Array): PeekedRequest {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
  const apiKey = view.getInt16(4)
  const apiVersion = view.getInt16(6)
  const correlationId = view.getInt32(8)
  const known = findCodec(apiKey)
  const codec = known && apiVersion >= known.minVersion && apiVersion <= known.maxVersion ? known : undefined
  let clientId: string | null = null
  // Every header version but ControlledShutdown v0's (a broker-only API) carries the client id next.
  if (frame.byteLength >= 14 && (codec === undefined || codec.requestHeaderVersion(apiVersion) >= 1)) {
    const length = view.getInt16(12)
    if (length >= 0 && 14 + length <= frame.byteLength) {
      clientId = Buffer.from(frame.buffer, frame.byteOffset + 14, length).toString('utf8')
    }
  }
  return { apiKey, apiVersion, correlationId, clientId, codec }
}

export interface DecodedRequestFrame {
  header: RequestHeader
  headerVersion: number
  body: unknown
}

export function decodeRequest(
  frame: Uint8Array,
  codec: ApiCodec<unknown, unknown>,
  apiVersion: number,
): DecodedRequestFrame {
  const r = new Reader(frame, { offset: 4, complete: true })
  const headerVersion = codec.requestHeaderVersion(apiVersion)
  const header = readRequestHeader(r, headerVersion)
  const body = codec.decodeRequest(r, apiVersion)
  return { header, headerVersion, body }
}

export function encodeRequest(codec: ApiCodec<unknown, unknown>, decoded: DecodedRequestFrame): Uint8Array {
  const w = new Writer(256)
  const size = w.reserveInt32()
  writeRequestHeader(w, decoded.headerVersion, decoded.header)
  codec.encodeRequest(w, decoded.header.apiVersion, decoded.body)
  w.patchInt32(size, w.offset - 4)
  return w.finish()
}

export function encodeResponse(
  codec: ApiCodec<unknown, unknown>,
  apiVersion: number,
  header: ResponseHeader,
  body: unknown,
): Uint8Array {
  const w = new Writer(256)
  const size = w.reserveInt32()
  writeResponseHeader(w, codec.responseHeaderVersion(apiVersion), header)
  codec.encodeResponse(w, apiVersion, body)
  w.patchInt32(size, w.offset - 4)
  return w.finish()
}

/** The `acks` of a Produce request (0 means the broker sends no answer), without decoding records. */
export function produceAcks(
  frame: Uint8Array,
  codec: ApiCodec<unknown, unknown>,
  apiVersion: number,
): number {
  const r = new Reader(frame, { offset: 4, complete: true })
  readRequestHeader(r, codec.requestHeaderVersion(apiVersion))
  if (apiVersion >= 3) {
    if (codec.isFlexible(apiVersion)) r.readCompactNullableString()
    else r.readNullableString()
  }
  return r.readInt16()
}
