import { describe, expect, it } from 'vitest'
import { TruncatedInputError } from '../../src/errors.js'
import { MalformedInputError } from '../../src/protocol/protocol-errors.js'
import { Reader } from '../../src/protocol/reader.js'
import { Writer } from '../../src/protocol/writer.js'

const bytes = (...values: number[]) => Uint8Array.from(values)

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  throw new Error('expected a throw')
}

describe('Reader fixed-width values', () => {
  it('reads big-endian integers, bool, float64 and int64 as bigint', () => {
    const r = new Reader(
      bytes(
        0xff,
        0xfe,
        0x80,
        0x80,
        0x00,
        0x00,
        0x01,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xff,
        0xfe,
        0x40,
        0x09,
        0x21,
        0xfb,
        0x54,
        0x44,
        0x2d,
        0x18,
        1,
        0,
      ),
    )
    expect(r.readInt8()).toBe(-1)
    expect(r.readInt16()).toBe(-384)
    expect(r.readInt32()).toBe(-2147483647)
    expect(r.readInt64()).toBe(-2n)
    expect(r.readFloat64()).toBe(Math.PI)
    expect(r.readBool()).toBe(true)
    expect(r.readBool()).toBe(false)
    expect(r.remaining).toBe(0)
  })

  it('reads unsigned 16 and 32 bit values', () => {
    const r = new Reader(bytes(0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd))
    expect(r.readUint16()).toBe(65534)
    expect(r.readUint32()).toBe(4294967293)
  })

  it('reads uuids as Kafka prints them', () => {
    expect(new Reader(new Uint8Array(16)).readUuid()).toBe('AAAAAAAAAAAAAAAAAAAAAA')
    const w = new Writer()
    w.writeUuid('d9pBNT4mRW-VPStPyq_4uQ')
    expect(new Reader(w.finish()).readUuid()).toBe('d9pBNT4mRW-VPStPyq_4uQ')
  })

  it('throws TruncatedInputError with offset, needed and available on every short read', () => {
    const r = new Reader(bytes(1, 2, 3))
    r.readInt8()
    const error = caught(() => r.readInt32())
    expect(error).toBeInstanceOf(TruncatedInputError)
    expect(error).toMatchObject({ offset: 1, needed: 4, available: 2 })
    expect(r.offset).toBe(1)
    for (const read of [
      () => r.readInt64(),
      () => r.readFloat64(),
      () => r.readUuid(),
      () => new Reader(bytes()).readInt8(),
      () => new Reader(bytes()).readBool(),
      () => new Reader(bytes(0)).readInt16(),
    ]) {
      expect(caught(read)).toBeInstanceOf(TruncatedInputError)
    }
  })
})

describe('Reader varints', () => {
  // values and encodings as Kafka's ByteUtils writes them
  const cases: Array<[number, number[]]> = [
    [0, [0x00]],
    [-1, [0x01]],
    [1, [0x02]],
    [-64, [0x7f]],
    [64, [0x80, 0x01]],
    [2147483647, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
    [-2147483648, [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ]
  it.each(cases)('varint %i', (value, encoded) => {
    expect(new Reader(Uint8Array.from(encoded)).readVarint()).toBe(value)
    const w = new Writer()
    w.writeVarint(value)
    expect([...w.finish()]).toEqual(encoded)
  })

  it('reads unsigned varints up to 5 bytes and rejects a sixth', () => {
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x0f)).readUnsignedVarint()).toBe(0xffffffff)
    const error = caught(() => new Reader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01)).readUnsignedVarint())
    expect(error).toBeInstanceOf(MalformedInputError)
    expect(error).toMatchObject({ offset: 0 })
  })

  it('reads varlongs exactly as bigint and as number, up to 10 bytes', () => {
    for (const value of [0n, -1n, 1n, 300n, -9223372036854775808n, 9223372036854775807n, 1700000000000n]) {
      const w = new Writer()
      w.writeVarlong(value)
      expect(new Reader(w.finish()).readVarlong()).toBe(value)
      if (value > -(2n ** 52n) && value < 2n ** 52n)
        expect(new Reader(w.finish()).readVarlongNumber()).toBe(Number(value))
    }
    const eleven = bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01)
    expect(caught(() => new Reader(eleven).readVarlong())).toBeInstanceOf(MalformedInputError)
  })

  it('reports a varint cut short as truncated at its start', () => {
    const r = new Reader(bytes(7, 0x80, 0x80))
    r.readInt8()
    expect(caught(() => r.readUnsignedVarint())).toMatchObject({ offset: 1, needed: 3, available: 2 })
  })
})

describe('Reader strings, bytes and arrays', () => {
  it('reads classic and compact strings, null only where nullable', () => {
    const w = new Writer()
    w.writeString('héllo')
    w.writeNullableString(null)
    w.writeCompactString('')
    w.writeCompactNullableString(null)
    w.writeCompactString('topic-1')
    const r = new Reader(w.finish())
    expect(r.readString()).toBe('héllo')
    expect(r.readNullableString()).toBeNull()
    expect(r.readCompactString()).toBe('')
    expect(r.readCompactNullableString()).toBeNull()
    expect(r.readCompactString()).toBe('topic-1')
    expect(caught(() => new Reader(bytes(0xff, 0xff)).readString())).toBeInstanceOf(MalformedInputError)
    expect(caught(() => new Reader(bytes(0)).readCompactString())).toBeInstanceOf(MalformedInputError)
    expect(caught(() => new Reader(bytes(0xff, 0xfe)).readNullableString())).toMatchObject({ offset: 0 })
  })

  it('returns bytes as views onto the input (zero copy)', () => {
    const input = bytes(0, 0, 0, 3, 9, 8, 7, 4, 1, 2, 3)
    const r = new Reader(input)
    const first = r.readBytes()
    expect([...first]).toEqual([9, 8, 7])
    expect(first.buffer).toBe(input.buffer)
    expect([...r.readCompactBytes()]).toEqual([1, 2, 3])
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff)).readNullableBytes()).toBeNull()
    expect(caught(() => new Reader(bytes(0xff, 0xff, 0xff, 0xfe)).readNullableBytes())).toBeInstanceOf(
      MalformedInputError,
    )
  })

  it('reports a length past the end as truncation, or as corruption in a complete frame', () => {
    const input = bytes(0, 10, 0x61, 0x62)
    expect(caught(() => new Reader(input).readString())).toMatchObject({
      constructor: TruncatedInputError,
      offset: 0,
      needed: 12,
      available: 4,
    })
    expect(caught(() => new Reader(input, { complete: true }).readString())).toBeInstanceOf(
      MalformedInputError,
    )
  })

  it('checks array lengths against the bytes left times the smallest element', () => {
    const fits = new Reader(bytes(0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2))
    expect(fits.readArrayLength(4)).toBe(2)
    const tooMany = bytes(0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2)
    expect(caught(() => new Reader(tooMany).readArrayLength(4))).toMatchObject({
      constructor: TruncatedInputError,
      needed: 16,
      available: 12,
    })
    expect(caught(() => new Reader(tooMany, { complete: true }).readArrayLength(4))).toBeInstanceOf(
      MalformedInputError,
    )
    const huge = bytes(0x7f, 0xff, 0xff, 0xff)
    expect(caught(() => new Reader(huge).readArrayLength(1))).toBeInstanceOf(TruncatedInputError)
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff)).readNullableArrayLength(1)).toBe(-1)
    expect(caught(() => new Reader(bytes(0xff, 0xff, 0xff, 0xff)).readArrayLength(1))).toBeInstanceOf(
      MalformedInputError,
    )
    expect(caught(() => new Reader(bytes(0xff, 0xff, 0xff, 0xfe)).readNullableArrayLength(1))).toBeInstanceOf(
      MalformedInputError,
    )
    expect(new Reader(bytes(3, 1, 2)).readCompactArrayLength(1)).toBe(2)
    expect(new Reader(bytes(0)).readCompactNullableArrayLength(1)).toBe(-1)
  })

  it('bounds a known tagged field to its declared size', () => {
    const r = new Reader(bytes(0, 0, 0, 5, 9), { complete: false })
    const state = r.enterTagged(4)
    expect(r.complete).toBe(true)
    expect(r.readInt32()).toBe(5)
    r.leaveTagged(state, 0)
    expect(r.complete).toBe(false)
    expect(r.remaining).toBe(1)
    const short = new Reader(bytes(0, 0, 0, 5, 9))
    const s2 = short.enterTagged(5)
    short.readInt32()
    expect(caught(() => short.leaveTagged(s2, 3))).toBeInstanceOf(MalformedInputError)
  })
})
