import { InvalidMessageError } from './protocol-errors.js'

/**
 * A growing byte writer for Kafka wire data: big-endian fixed-width integers, varints, classic and
 * compact strings/bytes/arrays. Everything lands in one Uint8Array that doubles when full; `finish()`
 * returns a view of the bytes written. Size prefixes whose value is only known afterwards are written
 * by `reserveInt32()` + `patchInt32()`, tagged-field sizes by `insertUnsignedVarint()`.
 */

const UUID_TEXT = /^[A-Za-z0-9_-]{22}$/
const MAX_STRING_LENGTH = 0x7fff

export class Writer {
  bytes: Uint8Array
  offset = 0
  private view: DataView
  private text: Buffer

  constructor(initialCapacity = 1024) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity))
    this.view = new DataView(this.bytes.buffer)
    this.text = Buffer.from(this.bytes.buffer, 0, this.bytes.byteLength)
  }

  /** The bytes written so far (a view into the writer's buffer: copy it before reusing the writer). */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.offset)
  }

  /** Starts over, keeping the buffer. */
  reset(): this {
    this.offset = 0
    return this
  }

  ensure(n: number): void {
    if (this.bytes.byteLength - this.offset < n) this.grow(n)
  }

  private grow(n: number): void {
    let capacity = this.bytes.byteLength * 2
    while (capacity - this.offset < n) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.bytes.subarray(0, this.offset))
    this.bytes = next
    this.view = new DataView(next.buffer)
    this.text = Buffer.from(next.buffer, 0, next.byteLength)
  }

  // ---- fixed width --------------------------------------------------------------------------

  writeInt8(value: number): void {
    this.ensure(1)
    this.bytes[this.offset++] = value & 0xff
  }

  writeUint8(value: number): void {
    this.writeInt8(value)
  }

  writeBool(value: boolean): void {
    this.ensure(1)
    this.bytes[this.offset++] = value ? 1 : 0
  }

  writeInt16(value: number): void {
    this.ensure(2)
    this.view.setInt16(this.offset, value)
    this.offset += 2
  }

  writeUint16(value: number): void {
    this.ensure(2)
    this.view.setUint16(this.offset, value)
    this.offset += 2
  }

  writeInt32(value: number): void {
    this.ensure(4)
    this.view.setInt32(this.offset, value)
    this.offset += 4
  }

  writeUint32(value: number): void {
    this.ensure(4)
    this.view.setUint32(this.offset, value)
    this.offset += 4
  }

  writeInt64(value: bigint): void {
    this.ensure(8)
    this.view.setBigInt64(this.offset, value)
    this.offset += 8
  }

  writeFloat64(value: number): void {
    this.ensure(8)
    this.view.setFloat64(this.offset, value)
    this.offset += 8
  }

  /** A uuid in Kafka's text form (22 characters of unpadded base64url). */
  writeUuid(value: string): void {
    if (!UUID_TEXT.test(value)) throw new InvalidMessageError(`not a Kafka uuid: '${value}'`)
    this.ensure(16)
    this.text.write(value, this.offset, 16, 'base64url')
    this.offset += 16
  }

  // ---- varints ------------------------------------------------------------------------------

  writeUnsignedVarint(value: number): void {
    this.ensure(5)
    let v = value >>> 0
    while (v >= 0x80) {
      this.bytes[this.offset++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    this.bytes[this.offset++] = v
  }

  writeVarint(value: number): void {
    this.writeUnsignedVarint((value << 1) ^ (value >> 31))
  }

  writeVarlong(value: bigint): void {
    this.ensure(10)
    let v = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n))
    while (v >= 0x80n) {
      this.bytes[this.offset++] = Number(v & 0x7fn) | 0x80
      v >>= 7n
    }
    this.bytes[this.offset++] = Number(v)
  }

  /** Inserts an unsigned varint at `at`, moving the bytes after it (used for tagged-field sizes). */
  insertUnsignedVarint(at: number, value: number): void {
    const size = unsignedVarintSize(value)
    this.ensure(size)
    this.bytes.copyWithin(at + size, at, this.offset)
    const end = this.offset + size
    this.offset = at
    this.writeUnsignedVarint(value)
    this.offset = end
  }

  // ---- strings ------------------------------------------------------------------------------

  writeString(value: string): void {
    const length = this.utf8Length(value)
    this.writeInt16(length)
    this.writeUtf8(value, length)
  }

  writeNullableString(value: string | null): void {
    if (value === null) this.writeInt16(-1)
    else this.writeString(value)
  }

  writeCompactString(value: string): void {
    const length = this.utf8Length(value)
    this.writeUnsignedVarint(length + 1)
    this.writeUtf8(value, length)
  }

  writeCompactNullableString(value: string | null): void {
    if (value === null) this.writeUnsignedVarint(0)
    else this.writeCompactString(value)
  }

  private utf8Length(value: string): number {
    if (typeof value !== 'string') throw new InvalidMessageError(`expected a string, got ${describe(value)}`)
    const length = Buffer.byteLength(value, 'utf8')
    if (length > MAX_STRING_LENGTH)
      throw new InvalidMessageError(`string of ${length} bytes is over Kafka's 32767`)
    return length
  }

  private writeUtf8(value: string, length: number): void {
    if (length === 0) return
    this.ensure(length)
    this.text.write(value, this.offset, length, 'utf8')
    this.offset += length
  }

  // ---- bytes --------------------------------------------------------------------------------

  writeBytes(value: Uint8Array): void {
    this.writeInt32(value.byteLength)
    this.writeRaw(value)
  }

  writeNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeInt32(-1)
    else this.writeBytes(value)
  }

  writeCompactBytes(value: Uint8Array): void {
    this.writeUnsignedVarint(value.byteLength + 1)
    this.writeRaw(value)
  }

  writeCompactNullableBytes(value: Uint8Array | null): void {
    if (value === null) this.writeUnsignedVarint(0)
    else this.writeCompactBytes(value)
  }

  writeRaw(value: Uint8Array): void {
    if (!(value instanceof Uint8Array))
      throw new InvalidMessageError(`expected bytes, got ${describe(value)}`)
    this.ensure(value.byteLength)
    this.bytes.set(value, this.offset)
    this.offset += value.byteLength
  }

  // ---- arrays and size prefixes -------------------------------------------------------------

  writeArrayLength(length: number): void {
    this.writeInt32(length)
  }

  writeCompactArrayLength(length: number): void {
    this.writeUnsignedVarint(length + 1)
  }

  /** Leaves room for an int32 to be patched later; returns its position. */
  reserveInt32(): number {
    this.ensure(4)
    const at = this.offset
    this.offset += 4
    return at
  }

  patchInt32(at: number, value: number): void {
    this.view.setInt32(at, value)
  }
}

export function unsignedVarintSize(value: number): number {
  const v = value >>> 0
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

function describe(value: unknown): string {
  return value === null ? 'null' : typeof value
}
