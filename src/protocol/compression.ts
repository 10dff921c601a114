/**
 * Decompression of Kafka record data: gzip (node:zlib), snappy (xerial-framed as Kafka's Java client
 * writes it, or raw), lz4 (frame format; the blocks go to lz4-napi, the frame is parsed here so that
 * Kafka's old broken header checksum of magic-0 messages does not matter and the output can be capped
 * block by block), zstd (fzstd, streamed so the cap applies while decompressing). Every codec stops
 * at `maxBytes` of output: a small compressed batch cannot make the decoder allocate without bound.
 */
import { gunzipSync } from 'node:zlib'
import { Decompress as ZstdDecompress } from 'fzstd'
import { uncompressSync as lz4BlockUncompress } from 'lz4-napi'
import { uncompressSync as snappyUncompress } from 'snappy'
import { ProtocolError } from '../errors.js'

export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const
export type CompressionName = keyof typeof CompressionType
const compressionNames = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const

/** Default cap on the decompressed size of one batch. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 64 * 1024 * 1024

export function compressionName(code: number): CompressionName | `unknown(${number})` {
  return compressionNames[code] ?? `unknown(${code})`
}

/** Compressed record data that cannot be decompressed (corrupt, unknown codec, over the size cap). */
export class DecompressionError extends ProtocolError {
  readonly codec: string

  constructor(codec: string, reason: string) {
    super(`cannot decompress ${codec} record data: ${reason}`, {
      hint: 'the batch is corrupt or larger than the decompression cap; its records are skipped',
      codec,
    })
    this.codec = codec
  }
}

export interface DecompressOptions {
  maxBytes?: number
}

export function decompress(codec: number, data: Uint8Array, options: DecompressOptions = {}): Uint8Array {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES
  const name = compressionName(codec)
  try {
    switch (codec) {
      case CompressionType.none:
        return data
      case CompressionType.gzip:
        return gunzip(data, maxBytes)
      case CompressionType.snappy:
        return snappy(data, maxBytes)
      case CompressionType.lz4:
        return lz4Frame(data, maxBytes)
      case CompressionType.zstd:
        return zstd(data, maxBytes)
      default:
        throw new DecompressionError(name, 'unknown compression codec')
    }
  } catch (error) {
    if (error instanceof DecompressionError) throw error
    throw new DecompressionError(name, error instanceof Error ? error.message : String(error))
  }
}

function overCap(codec: string, maxBytes: number): DecompressionError {
  return new DecompressionError(codec, `output exceeds the ${maxBytes}-byte cap`)
}

function gunzip(data: Uint8Array, maxBytes: number): Uint8Array {
  try {
    return gunzipSync(data, { maxOutputLength: maxBytes })
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw overCap('gzip', maxBytes)
    throw error
  }
}

// ---- snappy -------------------------------------------------------------------------------------

/** snappy-java's stream header: magic "\x82SNAPPY\0", then version and compatible version (int32). */
const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]
const XERIAL_HEADER_SIZE = 16

function isXerial(data: Uint8Array): boolean {
  if (data.byteLength < XERIAL_HEADER_SIZE) return false
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (data[i] !== XERIAL_MAGIC[i]) return false
  return true
}

function snappy(data: Uint8Array, maxBytes: number): Uint8Array {
  if (!isXerial(data)) return snappyRaw(data, maxBytes)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const chunks: Uint8Array[] = []
  let total = 0
  let at = XERIAL_HEADER_SIZE
  while (at < data.byteLength) {
    if (data.byteLength - at < 4)
      throw new DecompressionError('snappy', `xerial block header cut at byte ${at}`)
    const size = view.getInt32(at)
    at += 4
    if (size < 0 || data.byteLength - at < size)
      throw new DecompressionError('snappy', `xerial block of ${size} bytes at ${at - 4} runs past the data`)
    const block = snappyRaw(data.subarray(at, at + size), maxBytes - total)
    total += block.byteLength
    chunks.push(block)
    at += size
  }
  return concat(chunks, total)
}

function snappyRaw(data: Uint8Array, maxBytes: number): Uint8Array {
  // Raw snappy starts with the uncompressed length as a varint: check the cap before decompressing.
  let length = 0
  for (let i = 0, shift = 0; i < 5 && i < data.byteLength; i++, shift += 7) {
    const byte = data[i]!
    length += (byte & 0x7f) * 2 ** shift
    if (byte < 0x80) break
  }
  if (length > maxBytes) throw overCap('snappy', maxBytes)
  return snappyUncompress(Buffer.from(data.buffer, data.byteOffset, data.byteLength)) as Buffer
}

// ---- lz4 frame ----------------------------------------------------------------------------------

const LZ4_MAGIC = 0x184d2204
const LZ4_BLOCK_SIZES: Record<number, number> = {
  4: 64 * 1024,
  5: 256 * 1024,
  6: 1024 * 1024,
  7: 4 * 1024 * 1024,
}

function lz4Frame(data: Uint8Array, maxBytes: number): Uint8Array {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const fail = (reason: string): DecompressionError => new DecompressionError('lz4', reason)
  if (data.byteLength < 7 || view.getUint32(0, true) !== LZ4_MAGIC) throw fail('not an LZ4 frame')
  const flags = data[4]!
  const blockDescriptor = data[5]!
  if (flags >> 6 !== 1) throw fail(`LZ4 frame version ${flags >> 6}`)
  const independentBlocks = (flags & 0x20) !== 0
  const blockChecksums = (flags & 0x10) !== 0
  const contentSize = (flags & 0x08) !== 0
  const dictionaryId = (flags & 0x01) !== 0
  const maxBlockSize = LZ4_BLOCK_SIZES[(blockDescriptor >> 4) & 0x07]
  if (maxBlockSize === undefined) throw fail(`LZ4 block size code ${(blockDescriptor >> 4) & 0x07}`)
  // The header checksum byte is skipped, not verified: Kafka's magic-0 writer computed it wrongly. The
  // content checksum after the end mark is not verified either (the batch CRC covers the data).
  let at = 6 + (contentSize ? 8 : 0) + (dictionaryId ? 4 : 0) + 1
  if (contentSize && data.byteLength >= 14) {
    const declared = Number(view.getBigUint64(6, true))
    if (declared > maxBytes) throw overCap('lz4', maxBytes)
  }
  const chunks: Uint8Array[] = []
  let total = 0
  const prefixed = Buffer.alloc(4 + maxBlockSize)
  prefixed.writeUInt32LE(maxBlockSize, 0)
  for (;;) {
    if (data.byteLength - at < 4) throw fail(`block header cut at byte ${at}`)
    const word = view.getUint32(at, true)
    at += 4
    if (word === 0) break
    const size = word & 0x7fffffff
    if (size > maxBlockSize || data.byteLength - at < size)
      throw fail(`block of ${size} bytes at ${at - 4} is invalid`)
    let block: Uint8Array
    if (word & 0x80000000) {
      block = data.subarray(at, at + size)
    } else {
      // lz4-napi decodes a size-prepended block; the prefix is the bound, the output its real length.
      const input = prefixed.subarray(0, 4 + size)
      input.set(data.subarray(at, at + size), 4)
      const dict = independentBlocks || total === 0 ? undefined : lastBytes(chunks, 64 * 1024)
      block = new Uint8Array(lz4BlockUncompress(input, dict))
    }
    total += block.byteLength
    if (total > maxBytes) throw overCap('lz4', maxBytes)
    chunks.push(block)
    at += size + (blockChecksums ? 4 : 0)
  }
  return concat(chunks, total)
}

function lastBytes(chunks: Uint8Array[], n: number): Uint8Array {
  const total = chunks.reduce((sum, c) => sum + c.byteLength, 0)
  return concat(chunks, total).subarray(Math.max(0, total - n))
}

// ---- zstd ---------------------------------------------------------------------------------------

function zstd(data: Uint8Array, maxBytes: number): Uint8Array {
  const chunks: Uint8Array[] = []
  let total = 0
  const stream = new ZstdDecompress((chunk) => {
    total += chunk.byteLength
    if (total > maxBytes) throw overCap('zstd', maxBytes)
    chunks.push(chunk.slice()) // the stream may reuse its window buffer
  })
  stream.push(data, true)
  return concat(chunks, total)
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!
  const out = new Uint8Array(total)
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.byteLength
  }
  return out
}
