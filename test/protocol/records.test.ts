import { beforeAll, describe, expect, it } from 'vitest'
import { isKafkaDoctorError } from '../../src/errors.js'
import { DecompressionError } from '../../src/protocol/compression.js'
import { MalformedInputError } from '../../src/protocol/protocol-errors.js'
import {
  type KafkaRecord,
  LegacyMessage,
  RecordBatch,
  readRecordSet,
  readRecords,
} from '../../src/protocol/records.js'
import { runKafkaJava } from '../support/kafka-java.js'
import { seededRandom } from '../support/protocol-messages.js'

/**
 * Record data written by Kafka's own MemoryRecordsBuilder (kafka-clients 3.9.1, see
 * test/support/java/RecordFixtures.java), decoded and checked against the recipe it wrote.
 */
const fixtures = new Map<string, Uint8Array>()

beforeAll(async () => {
  const out = await runKafkaJava('3.9.1', 'RecordFixtures')
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, hex] = line.split('\t')
    fixtures.set(name!, new Uint8Array(Buffer.from(hex!, 'hex')))
  }
}, 300_000)

function fixture(name: string): Uint8Array {
  const bytes = fixtures.get(name)
  if (!bytes) throw new Error(`no fixture ${name}`)
  return bytes
}

const FILLER = 'lorem ipsum dolor sit amet '.repeat(8)
const text = (bytes: Uint8Array | null) => (bytes === null ? null : Buffer.from(bytes).toString('utf8'))

function expectRecipe(records: KafkaRecord[], baseOffset: bigint, magic: number, count: number): void {
  expect(records).toHaveLength(count)
  records.forEach((record, i) => {
    expect(record.offset).toBe(baseOffset + BigInt(i))
    expect(record.timestamp).toBe(magic === 0 ? -1n : 1_700_000_000_000n + 7n * BigInt(i))
    expect(text(record.key)).toBe(i === 2 ? null : `key-${i}`)
    expect(text(record.value)).toBe(i === 3 ? null : `value-${i} ${FILLER}`)
    const headers = record.headers.map((h) => [h.key, text(h.value)])
    expect(headers).toEqual(
      magic < 2 || i % 2 === 1
        ? []
        : [
            ['trace', `t${i}`],
            ['empty', null],
          ],
    )
  })
}

describe('record batches (magic 2) written by Kafka', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('%s', (codec) => {
    const set = readRecordSet(fixture(`v2-${codec}`))
    expect(set.partialBytes).toBe(0)
    expect(set.batches).toHaveLength(1)
    const batch = set.batches[0] as RecordBatch
    expect(batch).toBeInstanceOf(RecordBatch)
    expect(batch.compression).toBe(codec)
    expect(batch.verifyCrc()).toBe(true)
    expect(batch.baseOffset).toBe(1000n)
    expect(batch.lastOffset).toBe(1004n)
    expect(batch.recordCount).toBe(5)
    expect(batch.baseTimestamp).toBe(1_700_000_000_000n)
    expect(batch.maxTimestamp).toBe(1_700_000_000_028n)
    expect(batch.timestampType).toBe('create-time')
    expect(batch.isTransactional).toBe(false)
    expect(batch.producerId).toBe(-1n)
    expectRecipe(batch.records(), 1000n, 2, 5)
  })

  it('reads the header without decompressing (lazy)', () => {
    const bytes = fixture('v2-zstd').slice()
    // Corrupt the compressed payload: the header still reads, only records() fails.
    bytes.fill(0x55, 70)
    const batch = readRecordSet(bytes).batches[0] as RecordBatch
    expect(batch.recordCount).toBe(5)
    expect(batch.verifyCrc()).toBe(false)
    expect(() => batch.records()).toThrow(DecompressionError)
  })

  it.each(['gzip', 'snappy', 'lz4', 'zstd'])('caps decompression (%s)', (codec) => {
    const batch = readRecordSet(fixture(`v2-${codec}`)).batches[0] as RecordBatch
    expect(() => batch.records({ maxBytes: 300 })).toThrow(/cap/)
    expect(batch.records({ maxBytes: 2000 })).toHaveLength(5)
  })
})

describe('transactional batches and control records written by Kafka', () => {
  it('decodes commit and abort markers', () => {
    const set = readRecordSet(fixture('transactional'))
    expect(set.batches.map((b) => (b as RecordBatch).isControl)).toEqual([false, true, false, true])
    const [data, commit, , abort] = set.batches as RecordBatch[]
    expect(data!.isTransactional).toBe(true)
    expect(data!.producerId).toBe(4242n)
    expect(data!.producerEpoch).toBe(3)
    expect(data!.partitionLeaderEpoch).toBe(7)
    expect(data!.baseSequence).toBe(0)
    expect(commit!.controlRecords()).toEqual([
      { offset: 2003n, timestamp: 1_700_000_000_100n, type: 1, typeName: 'COMMIT', coordinatorEpoch: 11 },
    ])
    expect(abort!.controlRecords()).toEqual([
      { offset: 2006n, timestamp: 1_700_000_000_200n, type: 0, typeName: 'ABORT', coordinatorEpoch: 11 },
    ])
    expect(set.batches.every((b) => b.verifyCrc())).toBe(true)
    const records = readRecords(fixture('transactional'))
    expect(records.map((r) => r.offset)).toEqual([2000n, 2001n, 2002n, 2004n, 2005n])
    expect(readRecords(fixture('transactional'), { includeControl: true })).toHaveLength(7)
  })

  it('reports a partial batch at the end (a Fetch cut at its byte limit) instead of failing', () => {
    const whole = fixture('transactional')
    const firstTwo = readRecordSet(whole)
      .batches.slice(0, 2)
      .reduce((n, b) => n + b.bytes.byteLength, 0)
    const cut = whole.subarray(0, firstTwo + 30)
    const set = readRecordSet(cut)
    expect(set.batches).toHaveLength(2)
    expect(set.partialBytes).toBe(30)
  })
})

describe('legacy message sets (magic 0 and 1) written by Kafka', () => {
  for (const magic of [0, 1] as const) {
    it.each(['none', 'gzip', 'snappy', 'lz4'])(`magic ${magic}, %s`, (codec) => {
      const set = readRecordSet(fixture(`v${magic}-${codec}`))
      expect(set.partialBytes).toBe(0)
      expect(set.batches.every((b) => b instanceof LegacyMessage && b.magic === magic)).toBe(true)
      expect(set.batches.every((b) => b.verifyCrc())).toBe(true)
      expect(set.batches).toHaveLength(codec === 'none' ? 5 : 1)
      if (codec !== 'none') {
        const wrapper = set.batches[0] as LegacyMessage
        expect(wrapper.compression).toBe(codec)
        expect(wrapper.offset).toBe(504n)
      }
      expectRecipe(readRecords(fixture(`v${magic}-${codec}`)), 500n, magic, 5)
    })
  }
})

describe('corrupt record data', () => {
  it('rejects impossible batch lengths and magic values with the offset', () => {
    const bytes = fixture('v2-none').slice()
    new DataView(bytes.buffer).setInt32(8, 10)
    expect(() => readRecordSet(bytes)).toThrow(MalformedInputError)
    const magic = fixture('v2-none').slice()
    magic[16] = 7
    expect(() => readRecordSet(magic)).toThrow(/byte 16: unknown record magic 7/)
  })

  it('never throws anything but a typed error on 20,000 mutated batches', () => {
    const random = seededRandom(42)
    const names = [...fixtures.keys()]
    let decoded = 0
    let rejected = 0
    for (let i = 0; i < 20_000; i++) {
      const bytes = fixture(names[i % names.length]!).slice()
      for (let m = 1 + Math.floor(random() * 4); m > 0; m--) {
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      }
      const cut = random() < 0.3 ? bytes.subarray(0, Math.floor(random() * bytes.length)) : bytes
      try {
        for (const batch of readRecordSet(cut).batches) {
          batch.verifyCrc()
          if (batch instanceof RecordBatch) batch.controlRecords({ maxBytes: 1 << 20 })
          batch.records({ maxBytes: 1 << 20 })
        }
        decoded++
      } catch (error) {
        if (!isKafkaDoctorError(error)) throw error
        rejected++
      }
    }
    expect(decoded + rejected).toBe(20_000)
    expect(rejected).toBeGreaterThan(0)
  })
})
