/**
 * Kafka record data (the `records` fields of Fetch and Produce): record batches (magic 2) and legacy
 * message sets (magic 0 and 1). Reading is lazy: `readRecordSet` parses only batch headers; records
 * are decoded (and decompressed) when `records()` is called. A record set may end with a partial
 * batch — brokers cut Fetch responses at the byte limit — which is reported, not thrown.
 *
 * Keys, values and header values are views into the input (or into the decompressed data).
 */
import { crc32, crc32c } from '@node-rs/crc32'
import { TruncatedInputError } from '../errors.js'
import { type CompressionName, compressionName, type DecompressOptions, decompress } from './compression.js'
import { controlRecordTypeSchemaCodec } from './generated/data/control-record-type-schema.js'
import { endTxnMarkerCodec } from './generated/data/end-txn-marker.js'
import { MalformedInputError } from './protocol-errors.js'
import { Reader } from './reader.js'

/** Bytes before a batch's or message's own length field: base offset (8) + length (4). */
const LOG_OVERHEAD = 12
const V2_HEADER_SIZE = 61
const ATTR_COMPRESSION = 0x07
const ATTR_TIMESTAMP_TYPE = 0x08
const ATTR_TRANSACTIONAL = 0x10
const ATTR_CONTROL = 0x20
const ATTR_DELETE_HORIZON = 0x40

export type TimestampType = 'create-time' | 'log-append-time'

export interface RecordHeader {
  key: string
  value: Uint8Array | null
}

export interface KafkaRecord {
  offset: bigint
  timestamp: bigint
  key: Uint8Array | null
  value: Uint8Array | null
  headers: RecordHeader[]
  /** Record attributes (unused by Kafka so far; legacy messages: the message attributes). */
  attributes: number
}

export interface RecordDecodeOptions extends DecompressOptions {}

/** A magic-2 record batch; records decoded on demand. */
export class RecordBatch {
  readonly magic = 2 as const
  readonly baseOffset: bigint
  /** Bytes after the length field (the batch is `batchLength + 12` bytes). */
  readonly batchLength: number
  readonly partitionLeaderEpoch: number
  readonly crc: number
  readonly attributes: number
  readonly lastOffsetDelta: number
  readonly baseTimestamp: bigint
  readonly maxTimestamp: bigint
  readonly producerId: bigint
  readonly producerEpoch: number
  readonly baseSequence: number
  readonly recordCount: number
  /** The whole batch, header included. */
  readonly bytes: Uint8Array
  /** Where the batch starts in the record set. */
  readonly position: number

  constructor(bytes: Uint8Array, position: number) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.bytes = bytes
    this.position = position
    this.baseOffset = view.getBigInt64(0)
    this.batchLength = view.getInt32(8)
    this.partitionLeaderEpoch = view.getInt32(12)
    this.crc = view.getUint32(17)
    this.attributes = view.getInt16(21)
    this.lastOffsetDelta = view.getInt32(23)
    this.baseTimestamp = view.getBigInt64(27)
    this.maxTimestamp = view.getBigInt64(35)
    this.producerId = view.getBigInt64(43)
    this.producerEpoch = view.getInt16(51)
    this.baseSequence = view.getInt32(53)
    this.recordCount = view.getInt32(57)
  }

  get lastOffset(): bigint {
    return this.baseOffset + BigInt(this.lastOffsetDelta)
  }

  get nextOffset(): bigint {
    return this.lastOffset + 1n
  }

  get compression(): CompressionName | `unknown(${number})` {
    return compressionName(this.attributes & ATTR_COMPRESSION)
  }

  get timestampType(): TimestampType {
    return this.attributes & ATTR_TIMESTAMP_TYPE ? 'log-append-time' : 'create-time'
  }

  get isTransactional(): boolean {
    return (this.attributes & ATTR_TRANSACTIONAL) !== 0
  }

  get isControl(): boolean {
    return (this.attributes & ATTR_CONTROL) !== 0
  }

  get hasDeleteHorizon(): boolean {
    return (this.attributes & ATTR_DELETE_HORIZON) !== 0
  }

  /** The CRC-32C over attributes … end matches the stored one. */
  verifyCrc(): boolean {
    return crc32c(this.bytes.subarray(21)) >>> 0 === this.crc
  }

  /** Decodes (and decompresses) the records. Throws MalformedInputError/DecompressionError if corrupt. */
  records(options: RecordDecodeOptions = {}): KafkaRecord[] {
    const payload = decompress(
      this.attributes & ATTR_COMPRESSION,
      this.bytes.subarray(V2_HEADER_SIZE),
      options,
    )
    const r = new Reader(payload, { complete: true })
    if (this.recordCount < 0 || this.recordCount > payload.byteLength) {
      throw new MalformedInputError(
        this.position + 57,
        `record count ${this.recordCount} in ${payload.byteLength} bytes`,
      )
    }
    const timestampType = this.attributes & ATTR_TIMESTAMP_TYPE
    const records: KafkaRecord[] = []
    for (let i = 0; i < this.recordCount; i++) {
      const length = r.readVarint()
      if (length < 0 || length > r.remaining) throw r.malformed(`record length ${length}`)
      const end = r.offset + length
      const attributes = r.readInt8()
      const timestampDelta = r.readVarlongNumber()
      const offsetDelta = r.readVarint()
      const key = readVarintBytes(r)
      const value = readVarintBytes(r)
      const headerCount = r.readVarint()
      if (headerCount < 0 || headerCount > end - r.offset)
        throw r.malformed(`record header count ${headerCount}`)
      const headers: RecordHeader[] = []
      for (let h = 0; h < headerCount; h++) {
        const keyLength = r.readVarint()
        if (keyLength < 0) throw r.malformed(`record header key length ${keyLength}`)
        headers.push({ key: r.readUtf8(keyLength), value: readVarintBytes(r) })
      }
      if (r.offset !== end)
        throw r.malformed(`record ${i} declared ${length} bytes but used ${length - (end - r.offset)}`)
      records.push({
        offset: this.baseOffset + BigInt(offsetDelta),
        // With log-append time every record carries the batch's max timestamp.
        timestamp: timestampType ? this.maxTimestamp : this.baseTimestamp + BigInt(timestampDelta),
        key,
        value,
        headers,
        attributes,
      })
    }
    return records
  }

  /** The transaction markers and other control records of a control batch. */
  controlRecords(options: RecordDecodeOptions = {}): ControlRecord[] {
    if (!this.isControl) return []
    return this.records(options).map((record) => parseControlRecord(record))
  }
}

function readVarintBytes(r: Reader): Uint8Array | null {
  const length = r.readVarint()
  if (length < 0) {
    if (length === -1) return null
    throw r.malformed(`length ${length}`)
  }
  return r.readRaw(length)
}

// ---- control records ----------------------------------------------------------------------------

export const ControlRecordType = {
  ABORT: 0,
  COMMIT: 1,
  LEADER_CHANGE: 2,
  SNAPSHOT_HEADER: 3,
  SNAPSHOT_FOOTER: 4,
  KRAFT_VERSION: 5,
  KRAFT_VOTERS: 6,
} as const

const controlTypeNames: Record<number, string> = Object.fromEntries(
  Object.entries(ControlRecordType).map(([name, code]) => [code, name]),
)

export interface ControlRecord {
  offset: bigint
  timestamp: bigint
  type: number
  /** ABORT, COMMIT, LEADER_CHANGE … or UNKNOWN(n). */
  typeName: string
  /** For ABORT and COMMIT markers. */
  coordinatorEpoch?: number
}

function parseControlRecord(record: KafkaRecord): ControlRecord {
  if (!record.key || record.key.byteLength < 4) {
    throw new MalformedInputError(0, 'control record without a type key')
  }
  const keyReader = new Reader(record.key)
  const keyVersion = keyReader.readInt16()
  const key = controlRecordTypeSchemaCodec.decode(
    keyReader,
    Math.min(keyVersion, controlRecordTypeSchemaCodec.maxVersion),
  )
  const control: ControlRecord = {
    offset: record.offset,
    timestamp: record.timestamp,
    type: key.type,
    typeName: controlTypeNames[key.type] ?? `UNKNOWN(${key.type})`,
  }
  if ((key.type === ControlRecordType.ABORT || key.type === ControlRecordType.COMMIT) && record.value) {
    const valueReader = new Reader(record.value)
    const valueVersion = valueReader.readInt16()
    const marker = endTxnMarkerCodec.decode(valueReader, Math.min(valueVersion, endTxnMarkerCodec.maxVersion))
    control.coordinatorEpoch = marker.coordinatorEpoch
  }
  return control
}

// ---- legacy message sets (magic 0 and 1) --------------------------------------------------------

/** A magic-0/1 message; a compressed one wraps an inner message set. */
export class LegacyMessage {
  readonly magic: 0 | 1
  /** The offset stored with the message (for a compressed magic-1 wrapper: its last inner offset). */
  readonly offset: bigint
  readonly crc: number
  readonly attributes: number
  /** Magic 1 only; -1 for magic 0. */
  readonly timestamp: bigint
  readonly key: Uint8Array | null
  readonly value: Uint8Array | null
  readonly bytes: Uint8Array
  readonly position: number

  constructor(bytes: Uint8Array, position: number) {
    const r = new Reader(bytes, { complete: true })
    this.bytes = bytes
    this.position = position
    this.offset = r.readInt64()
    r.readInt32() // size
    this.crc = r.readUint32()
    const magic = r.readInt8()
    if (magic !== 0 && magic !== 1)
      throw new MalformedInputError(position + 16, `magic ${magic} in a legacy message`)
    this.magic = magic
    this.attributes = r.readInt8()
    this.timestamp = magic === 1 ? r.readInt64() : -1n
    this.key = r.readNullableBytes()
    this.value = r.readNullableBytes()
  }

  get compression(): CompressionName | `unknown(${number})` {
    return compressionName(this.attributes & ATTR_COMPRESSION)
  }

  get timestampType(): TimestampType {
    return this.magic === 1 && this.attributes & ATTR_TIMESTAMP_TYPE ? 'log-append-time' : 'create-time'
  }

  /** The CRC-32 over magic … end matches the stored one. */
  verifyCrc(): boolean {
    return crc32(this.bytes.subarray(16)) >>> 0 === this.crc
  }

  /**
   * The records: the message itself, or the inner messages of a compressed wrapper with their
   * absolute offsets (magic 1 stores them relative to the wrapper, whose offset is the last one).
   */
  records(options: RecordDecodeOptions = {}): KafkaRecord[] {
    const codec = this.attributes & ATTR_COMPRESSION
    if (codec === 0) {
      return [
        {
          offset: this.offset,
          timestamp: this.timestamp,
          key: this.key,
          value: this.value,
          headers: [],
          attributes: this.attributes,
        },
      ]
    }
    if (this.value === null) return []
    const inner = readRecordSet(decompress(codec, this.value, options))
    if (inner.partialBytes !== 0) {
      throw new MalformedInputError(
        this.position,
        `compressed wrapper ends with ${inner.partialBytes} bytes of a partial message`,
      )
    }
    const messages = inner.batches.filter((b): b is LegacyMessage => b instanceof LegacyMessage)
    const last = messages[messages.length - 1]
    const relative = this.magic === 1 && last !== undefined
    const logAppend = this.timestampType === 'log-append-time'
    return messages.map((m) => ({
      offset: relative ? this.offset - last.offset + m.offset : m.offset,
      timestamp: logAppend ? this.timestamp : m.timestamp,
      key: m.key,
      value: m.value,
      headers: [],
      attributes: m.attributes,
    }))
  }
}

// ---- record sets --------------------------------------------------------------------------------

export type Batch = RecordBatch | LegacyMessage

export interface RecordSet {
  batches: Batch[]
  /** Bytes of a partial batch at the end (a Fetch response cut at its byte limit); 0 if none. */
  partialBytes: number
}

/**
 * Splits record data into batches (headers only; records stay undecoded). A partial batch at the end
 * is counted in `partialBytes`; impossible lengths or magic values throw MalformedInputError.
 */
export function readRecordSet(bytes: Uint8Array): RecordSet {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const batches: Batch[] = []
  let at = 0
  while (at < bytes.byteLength) {
    const left = bytes.byteLength - at
    if (left < LOG_OVERHEAD + 5) return { batches, partialBytes: left }
    const length = view.getInt32(at + 8)
    const magic = view.getInt8(at + 16)
    const minimum = magic === 2 ? V2_HEADER_SIZE - LOG_OVERHEAD : magic === 1 ? 22 : 14
    if (magic < 0 || magic > 2) throw new MalformedInputError(at + 16, `unknown record magic ${magic}`)
    if (length < minimum)
      throw new MalformedInputError(at + 8, `batch length ${length} below the ${minimum}-byte minimum`)
    if (left < LOG_OVERHEAD + length) return { batches, partialBytes: left }
    const batchBytes = bytes.subarray(at, at + LOG_OVERHEAD + length)
    batches.push(magic === 2 ? new RecordBatch(batchBytes, at) : new LegacyMessage(batchBytes, at))
    at += LOG_OVERHEAD + length
  }
  return { batches, partialBytes: 0 }
}

/** Every record of a record set, in order (control batches excluded unless asked). */
export function readRecords(
  bytes: Uint8Array,
  options: RecordDecodeOptions & { includeControl?: boolean } = {},
): KafkaRecord[] {
  const out: KafkaRecord[] = []
  for (const batch of readRecordSet(bytes).batches) {
    if (batch instanceof RecordBatch && batch.isControl && !options.includeControl) continue
    for (const record of batch.records(options)) out.push(record)
  }
  return out
}

/** For callers that want a partial set to be an error (e.g. a Produce request must be whole). */
export function requireWholeRecordSet(bytes: Uint8Array): Batch[] {
  const set = readRecordSet(bytes)
  if (set.partialBytes !== 0) {
    throw new TruncatedInputError(
      bytes.byteLength - set.partialBytes,
      set.partialBytes + 1,
      set.partialBytes,
      'record set',
    )
  }
  return set.batches
}
