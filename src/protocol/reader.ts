import { TruncatedInputError } from '../errors.js'
import { MalformedInputError } from './protocol-errors.js'

/**
 * A bounds-checked cursor over Kafka wire bytes. Every read checks the bytes left and throws
 * TruncatedInputError (offset, needed, available) when they run out; impossible values (a negative
 * length other than -1, a varint over its size cap, a null in a non-nullable field) throw
 * MalformedInputError with the offset. Byte and record fields are zero-copy views (`subarray`).
 *
 * `complete` says whether `end` is the real end of the data (a whole frame whose size prefix was
 * satisfied). Then a length that points past the end can only be corruption, so it is reported as
 * malformed; otherwise (a capture cut by snaplen, bytes still arriving) it is a truncation.
 *
 * This is the hot path of the pcap decoder: methods are small so that V8 inlines them, and the error
 * construction lives in separate functions that are never inlined.
 */

/** Longest unsigned varint Kafka accepts (int32). */
const MAX_VARINT_BYTES = 5
/** Longest varlong Kafka accepts (int64). */
const MAX_VARLONG_BYTES = 10
/** Kafka rejects strings longer than a signed 16-bit length, even in compact (varint) form. */
const MAX_STRING_LENGTH = 0x7fff

/** Node's TextDecoder (simdutf) is the fastest UTF-8 path for short strings; keep a leading BOM as data. */
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })

export interface ReaderOptions {
  /** Start position (default 0). */
  offset?: number
  /** End position, exclusive (default the end of `bytes`). */
  end?: number
  /** `end` is the end of a complete frame (see the class comment). Default false. */
  complete?: boolean
}

export class Reader {
  readonly bytes: Uint8Array
  readonly view: DataView
  offset: number
  end: number
  complete: boolean
  #text: Buffer | undefined
  private varlongLow = 0
  private varlongHigh = 0

  constructor(bytes: Uint8Array, options: ReaderOptions = {}) {
    this.bytes = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.offset = options.offset ?? 0
    this.end = options.end ?? bytes.byteLength
    this.complete = options.complete ?? false
    if (this.offset < 0 || this.end > bytes.byteLength || this.offset > this.end) {
      throw new RangeError(`reader window ${this.offset}..${this.end} outside 0..${bytes.byteLength}`)
    }
  }

  get remaining(): number {
    return this.end - this.offset
  }

  // ---- errors (kept out of line) -------------------------------------------------------------

  truncated(needed: number, at = this.offset): TruncatedInputError {
    return new TruncatedInputError(at, needed, this.end - at)
  }

  malformed(reason: string, at = this.offset): MalformedInputError {
    return new MalformedInputError(at, reason)
  }

  /** A length that does not fit in the bytes left: corruption in a complete frame, else truncation. */
  private tooLong(length: number, what: string, at: number): Error {
    if (this.complete) {
      return new MalformedInputError(
        at,
        `${what} of length ${length} exceeds the ${this.end - this.offset} bytes left`,
      )
    }
    // Counted from `at`, the start of the value including its length prefix.
    return new TruncatedInputError(at, this.offset - at + length, this.end - at)
  }

  // ---- fixed width --------------------------------------------------------------------------

  skip(n: number): void {
    if (this.end - this.offset < n) throw this.truncated(n)
    this.offset += n
  }

  readInt8(): number {
    if (this.offset >= this.end) throw this.truncated(1)
    return (this.bytes[this.offset++]! << 24) >> 24
  }

  readUint8(): number {
    if (this.offset >= this.end) throw this.truncated(1)
    return this.bytes[this.offset++]!
  }

  readBool(): boolean {
    if (this.offset >= this.end) throw this.truncated(1)
    return this.bytes[this.offset++] !== 0
  }

  readInt16(): number {
    if (this.end - this.offset < 2) throw this.truncated(2)
    const value = this.view.getInt16(this.offset)
    this.offset += 2
    return value
  }

  readUint16(): number {
    if (this.end - this.offset < 2) throw this.truncated(2)
    const value = this.view.getUint16(this.offset)
    this.offset += 2
    return value
  }

  readInt32(): number {
    if (this.end - this.offset < 4) throw this.truncated(4)
    const value = this.view.getInt32(this.offset)
    this.offset += 4
    return value
  }

  readUint32(): number {
    if (this.end - this.offset < 4) throw this.truncated(4)
    const value = this.view.getUint32(this.offset)
    this.offset += 4
    return value
  }

  readInt64(): bigint {
    if (this.end - this.offset < 8) throw this.truncated(8)
    const value = this.view.getBigInt64(this.offset)
    this.offset += 8
    return value
  }

  readFloat64(): number {
    if (this.end - this.offset < 8) throw this.truncated(8)
    const value = this.view.getFloat64(this.offset)
    this.offset += 8
    return value
  }

  /** A uuid as Kafka prints it (`Uuid.toString()`): 22 characters of unpadded base64url. */
  readUuid(): string {
    if (this.end - this.offset < 16) throw this.truncated(16)
    const start = this.offset
    this.offset += 16
    return this.text().toString('base64url', start, start + 16)
  }

  /** Reads an int32 at `at` (default: the cursor) without moving the cursor. */
  peekInt32(at = this.offset): number {
    if (at < 0 || this.end - at < 4) throw this.truncated(4, at)
    return this.view.getInt32(at)
  }

  // ---- varints ------------------------------------------------------------------------------

  /** Unsigned varint of at most 5 bytes (Kafka's `readUnsignedVarint`), as an unsigned number. */
  readUnsignedVarint(): number {
    const bytes = this.bytes
    const start = this.offset
    if (start < this.end) {
      const first = bytes[start]!
      if (first < 0x80) {
        this.offset = start + 1
        return first
      }
    }
    let value = 0
    let at = start
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (at >= this.end) throw this.truncated(at - start + 1, start)
      const byte = bytes[at++]!
      value |= (byte & 0x7f) << (7 * i)
      if (byte < 0x80) {
        this.offset = at
        return value >>> 0
      }
    }
    throw this.malformed(`unsigned varint longer than ${MAX_VARINT_BYTES} bytes`, start)
  }

  /** Zigzag-encoded int32 varint (record fields). */
  readVarint(): number {
    const raw = this.readUnsignedVarint()
    return (raw >>> 1) ^ -(raw & 1)
  }

  /** Zigzag-encoded int64 varlong, exact. */
  readVarlong(): bigint {
    this.readUnsignedVarlongHalves()
    const raw = (BigInt(this.varlongHigh) << 32n) | BigInt(this.varlongLow)
    return (raw >> 1n) ^ -(raw & 1n)
  }

  /**
   * Zigzag-encoded varlong as a number: exact within ±2^53, which every timestamp and offset delta
   * inside a record batch is. Saves the bigint allocation on the record hot path.
   */
  readVarlongNumber(): number {
    this.readUnsignedVarlongHalves()
    const low = this.varlongLow
    const raw = this.varlongHigh * 0x1_0000_0000 + low
    // zigzag: even → raw/2, odd → -(raw+1)/2
    return low & 1 ? -(raw + 1) / 2 : raw / 2
  }

  /** Reads an unsigned varlong into varlongLow/varlongHigh (no allocation on the record hot path). */
  private readUnsignedVarlongHalves(): void {
    const bytes = this.bytes
    const start = this.offset
    let low = 0
    let high = 0
    let at = start
    for (let i = 0; i < MAX_VARLONG_BYTES; i++) {
      if (at >= this.end) throw this.truncated(at - start + 1, start)
      const byte = bytes[at++]!
      const bits = byte & 0x7f
      const shift = 7 * i
      if (shift < 28) {
        low |= bits << shift
      } else if (shift === 28) {
        low |= (bits & 0x0f) << 28
        high |= bits >>> 4
      } else {
        high |= bits << (shift - 32)
      }
      if (byte < 0x80) {
        this.offset = at
        this.varlongLow = low >>> 0
        this.varlongHigh = high >>> 0
        return
      }
    }
    throw this.malformed(`varlong longer than ${MAX_VARLONG_BYTES} bytes`, start)
  }

  // ---- strings ------------------------------------------------------------------------------

  /** int16-length string; null is malformed here. */
  readString(): string {
    const at = this.offset
    const length = this.readInt16()
    if (length < 0)
      throw this.malformed(length === -1 ? 'null in a non-nullable string' : `string length ${length}`, at)
    return this.takeString(length, at)
  }

  readNullableString(): string | null {
    const at = this.offset
    const length = this.readInt16()
    if (length < 0) {
      if (length === -1) return null
      throw this.malformed(`string length ${length}`, at)
    }
    return this.takeString(length, at)
  }

  /** Unsigned-varint (length+1) string of flexible versions; null is malformed here. */
  readCompactString(): string {
    const at = this.offset
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) throw this.malformed('null in a non-nullable string', at)
    return this.takeString(lengthPlusOne - 1, at)
  }

  readCompactNullableString(): string | null {
    const at = this.offset
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) return null
    return this.takeString(lengthPlusOne - 1, at)
  }

  private takeString(length: number, at: number): string {
    if (length > MAX_STRING_LENGTH)
      throw this.malformed(`string length ${length} over ${MAX_STRING_LENGTH}`, at)
    if (this.end - this.offset < length) throw this.tooLong(length, 'string', at)
    const start = this.offset
    this.offset = start + length
    if (length === 0) return ''
    return utf8.decode(this.bytes.subarray(start, start + length))
  }

  /** Decodes `length` bytes at the cursor as UTF-8 (used for record headers' keys). */
  readUtf8(length: number): string {
    if (length < 0 || this.end - this.offset < length) throw this.tooLong(length, 'string', this.offset)
    const start = this.offset
    this.offset = start + length
    return utf8.decode(this.bytes.subarray(start, start + length))
  }

  // ---- bytes --------------------------------------------------------------------------------

  /** int32-length bytes; null is malformed here. */
  readBytes(): Uint8Array {
    const at = this.offset
    const length = this.readInt32()
    if (length < 0)
      throw this.malformed(length === -1 ? 'null in non-nullable bytes' : `bytes length ${length}`, at)
    return this.takeBytes(length, at)
  }

  readNullableBytes(): Uint8Array | null {
    const at = this.offset
    const length = this.readInt32()
    if (length < 0) {
      if (length === -1) return null
      throw this.malformed(`bytes length ${length}`, at)
    }
    return this.takeBytes(length, at)
  }

  readCompactBytes(): Uint8Array {
    const at = this.offset
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) throw this.malformed('null in non-nullable bytes', at)
    return this.takeBytes(lengthPlusOne - 1, at)
  }

  readCompactNullableBytes(): Uint8Array | null {
    const at = this.offset
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) return null
    return this.takeBytes(lengthPlusOne - 1, at)
  }

  /** `length` bytes at the cursor, as a view. */
  readRaw(length: number): Uint8Array {
    return this.takeBytes(length, this.offset)
  }

  private takeBytes(length: number, at: number): Uint8Array {
    if (this.end - this.offset < length) throw this.tooLong(length, 'bytes', at)
    const start = this.offset
    this.offset = start + length
    return this.bytes.subarray(start, start + length)
  }

  // ---- arrays -------------------------------------------------------------------------------

  /**
   * int32 array length, checked against the bytes left: `minElementSize` is the fewest bytes one
   * element can take, so a corrupt count can never make a decoder allocate or loop far past the input.
   */
  readArrayLength(minElementSize: number): number {
    const at = this.offset
    const length = this.readInt32()
    if (length < 0)
      throw this.malformed(length === -1 ? 'null in a non-nullable array' : `array length ${length}`, at)
    this.checkArrayLength(length, minElementSize, at)
    return length
  }

  /** As readArrayLength, but -1 (null) is allowed and returned as -1. */
  readNullableArrayLength(minElementSize: number): number {
    const at = this.offset
    const length = this.readInt32()
    if (length < 0) {
      if (length === -1) return -1
      throw this.malformed(`array length ${length}`, at)
    }
    this.checkArrayLength(length, minElementSize, at)
    return length
  }

  readCompactArrayLength(minElementSize: number): number {
    const at = this.offset
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) throw this.malformed('null in a non-nullable array', at)
    this.checkArrayLength(lengthPlusOne - 1, minElementSize, at)
    return lengthPlusOne - 1
  }

  /** Compact nullable array length; null is returned as -1. */
  readCompactNullableArrayLength(minElementSize: number): number {
    const at = this.offset
    const lengthPlusOne = this.readUnsignedVarint()
    if (lengthPlusOne === 0) return -1
    this.checkArrayLength(lengthPlusOne - 1, minElementSize, at)
    return lengthPlusOne - 1
  }

  private checkArrayLength(length: number, minElementSize: number, at: number): void {
    if (length > 0x7fffffff) throw this.malformed(`array length ${length}`, at)
    const needed = length * Math.max(minElementSize, 1)
    if (needed > this.end - this.offset) {
      if (this.complete) {
        throw this.malformed(
          `array of ${length} elements cannot fit in the ${this.end - this.offset} bytes left`,
          at,
        )
      }
      throw new TruncatedInputError(at, this.offset - at + needed, this.end - at)
    }
  }

  // ---- tagged fields ------------------------------------------------------------------------

  /**
   * Narrows the window to one tagged field's `size` bytes; returns the state to hand to leaveTagged.
   * Inside, the window is complete: the field's size is known.
   */
  enterTagged(size: number): number {
    if (this.end - this.offset < size) throw this.tooLong(size, 'tagged field', this.offset)
    const outerEnd = this.end
    const state = this.complete ? outerEnd : -outerEnd - 1
    this.end = this.offset + size
    this.complete = true
    return state
  }

  /** Restores the window after a known tagged field; the field must have used exactly its bytes. */
  leaveTagged(state: number, tag: number): void {
    if (this.offset !== this.end) {
      throw this.malformed(`tagged field ${tag} left ${this.end - this.offset} of its bytes unread`)
    }
    if (state >= 0) {
      this.end = state
      this.complete = true
    } else {
      this.end = -state - 1
      this.complete = false
    }
  }

  // ---- internals ----------------------------------------------------------------------------

  private text(): Buffer {
    if (this.#text === undefined) {
      this.#text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength)
    }
    return this.#text
  }
}
