import { gzipSync } from 'node:zlib'
import { compressFrameSync } from 'lz4-napi'
import { compressSync as snappyCompress } from 'snappy'
import { describe, expect, it } from 'vitest'
import {
  CompressionType,
  compressionName,
  DecompressionError,
  decompress,
} from '../../src/protocol/compression.js'

// Kafka's own compressed batches are decoded in records.test.ts; these cover the framings and caps.
const text = Buffer.from('kafka-doctor '.repeat(5000))

function xerial(...chunks: Buffer[]): Uint8Array {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
  const parts: Buffer[] = [header]
  for (const chunk of chunks) {
    const block = snappyCompress(chunk)
    const size = Buffer.alloc(4)
    size.writeInt32BE(block.length)
    parts.push(size, block)
  }
  return new Uint8Array(Buffer.concat(parts))
}

describe('decompress', () => {
  it('names codecs', () => {
    expect([0, 1, 2, 3, 4, 9].map(compressionName)).toEqual([
      'none',
      'gzip',
      'snappy',
      'lz4',
      'zstd',
      'unknown(9)',
    ])
  })

  it('gzip', () => {
    expect(Buffer.from(decompress(CompressionType.gzip, gzipSync(text)))).toEqual(text)
  })

  it('snappy, raw and xerial-framed with several blocks', () => {
    expect(Buffer.from(decompress(CompressionType.snappy, snappyCompress(text)))).toEqual(text)
    const framed = xerial(text.subarray(0, 20_000), text.subarray(20_000))
    expect(Buffer.from(decompress(CompressionType.snappy, framed))).toEqual(text)
  })

  it('lz4 frames with and without block checksums', () => {
    expect(Buffer.from(decompress(CompressionType.lz4, compressFrameSync(text)))).toEqual(text)
    const checked = compressFrameSync(text, { blockChecksums: true, contentChecksum: true })
    expect(Buffer.from(decompress(CompressionType.lz4, checked))).toEqual(text)
  })

  it('stops at the size cap for every codec', () => {
    const cap = { maxBytes: 10_000 }
    expect(() => decompress(CompressionType.gzip, gzipSync(text), cap)).toThrow(/10000-byte cap/)
    expect(() => decompress(CompressionType.snappy, snappyCompress(text), cap)).toThrow(/cap/)
    expect(() => decompress(CompressionType.snappy, xerial(text, text), { maxBytes: 70_000 })).toThrow(/cap/)
    expect(() => decompress(CompressionType.lz4, compressFrameSync(text), cap)).toThrow(/cap/)
  })

  it('reports corrupt or unknown data as DecompressionError', () => {
    const junk = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8])
    for (const codec of [1, 2, 3, 4, 7]) expect(() => decompress(codec, junk)).toThrow(DecompressionError)
    const cut = compressFrameSync(text).subarray(0, 40)
    expect(() => decompress(CompressionType.lz4, cut)).toThrow(DecompressionError)
  })
})
