/**
 * The runtime contract between the generated message codecs (src/protocol/generated) and their
 * users. Hand-written; the generated code only calls into these few helpers.
 */
import { InvalidMessageError, UnsupportedApiError } from './protocol-errors.js'
import type { Reader } from './reader.js'
import type { Writer } from './writer.js'

/** A tagged field this build does not know (or not at this version): kept and re-encoded as is. */
export interface RawTaggedField {
  tag: number
  data: Uint8Array
}

/** Encoder and decoder of one API (request and response), every version. */
export interface ApiCodec<Req, Res> {
  readonly apiKey: number
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
  isFlexible(version: number): boolean
  /** 2 if flexible else 1; ControlledShutdown v0 → 0. */
  requestHeaderVersion(version: number): number
  /** 1 if flexible else 0; ApiVersions always 0. */
  responseHeaderVersion(version: number): number
  encodeRequest(w: Writer, version: number, msg: Req): void
  decodeRequest(r: Reader, version: number): Req
  encodeResponse(w: Writer, version: number, msg: Res): void
  decodeResponse(r: Reader, version: number): Res
  /** A request with every field at its spec default. */
  defaultRequest(): Req
  defaultResponse(): Res
}

/** Encoder and decoder of a versioned data structure that is not a request or response (e.g. the consumer protocol's subscription inside JoinGroup). */
export interface DataCodec<T> {
  readonly name: string
  readonly minVersion: number
  readonly maxVersion: number
  encode(w: Writer, version: number, msg: T): void
  decode(r: Reader, version: number): T
  defaultValue(): T
}

/**
 * Writes the raw tagged fields of `fields` (sorted by tag) from index `from` whose tag is below
 * `belowTag`, so that unknown fields interleave with known ones in tag order as Kafka writes them.
 * Returns the index of the first field not written.
 */
export function writeRawTaggedFields(
  w: Writer,
  fields: readonly RawTaggedField[] | undefined,
  from: number,
  belowTag: number,
): number {
  if (fields === undefined) return from
  let i = from
  while (i < fields.length && fields[i]!.tag < belowTag) {
    const field = fields[i]!
    w.writeUnsignedVarint(field.tag)
    w.writeUnsignedVarint(field.data.byteLength)
    w.writeRaw(field.data)
    i++
  }
  return i
}

export function nullNotAllowed(path: string, version: number): never {
  throw new InvalidMessageError(`${path} is null, which version ${version} does not allow`)
}

export function checkVersion(apiKey: number, name: string, min: number, max: number, version: number): void {
  if (!(version >= min && version <= max) || !Number.isInteger(version)) {
    throw new UnsupportedApiError(apiKey, version, `${name} versions are ${min}-${max}`)
  }
}

export function checkDataVersion(name: string, min: number, max: number, version: number): void {
  if (!(version >= min && version <= max) || !Number.isInteger(version)) {
    throw new InvalidMessageError(`${name} has no version ${version} (known: ${min}-${max})`)
  }
}

/** Used by generated decoders so the reader's type stays referenced when a struct has no fields. */
export type { Reader, Writer }
