import { describe, expect, it } from 'vitest'
import { InvalidMessageError } from '../../src/protocol/protocol-errors.js'
import { unsignedVarintSize, Writer } from '../../src/protocol/writer.js'

describe('Writer', () => {
  it('grows past its initial capacity and returns one contiguous array', () => {
    const w = new Writer(16)
    for (let i = 0; i < 1000; i++) w.writeInt32(i)
    const out = w.finish()
    expect(out.byteLength).toBe(4000)
    expect(new DataView(out.buffer, out.byteOffset).getInt32(3996)).toBe(999)
  })

  it('writes fixed-width values big-endian', () => {
    const w = new Writer()
    w.writeInt8(-1)
    w.writeInt16(0x1234)
    w.writeUint16(0xfffe)
    w.writeInt32(-2)
    w.writeUint32(0xfffffffd)
    w.writeInt64(-3n)
    w.writeBool(true)
    expect([...w.finish()]).toEqual([
      0xff, 0x12, 0x34, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xfd, 0xff, 0xff, 0xff, 0xff,
      0xff, 0xff, 0xff, 0xfd, 1,
    ])
  })

  it('writes compact strings as length+1 varints and classic ones with an int16 length', () => {
    const w = new Writer()
    w.writeCompactString('ab')
    w.writeString('ab')
    w.writeCompactNullableString(null)
    w.writeNullableString(null)
    expect([...w.finish()]).toEqual([3, 0x61, 0x62, 0, 2, 0x61, 0x62, 0, 0xff, 0xff])
  })

  it('patches a reserved int32 and inserts a varint before written bytes', () => {
    const w = new Writer()
    const at = w.reserveInt32()
    w.writeInt8(7)
    const start = w.offset
    for (let i = 0; i < 200; i++) w.writeInt8(i)
    w.insertUnsignedVarint(start, 200)
    w.patchInt32(at, w.offset - 4)
    const out = w.finish()
    expect(out.byteLength).toBe(4 + 1 + 2 + 200)
    expect([...out.subarray(0, 8)]).toEqual([0, 0, 0, 203, 7, 0xc8, 0x01, 0])
    expect(out[206]).toBe(199)
  })

  it('rejects values Kafka cannot carry', () => {
    const w = new Writer()
    expect(() => w.writeUuid('not-a-uuid')).toThrow(InvalidMessageError)
    expect(() => w.writeString('x'.repeat(40000))).toThrow(InvalidMessageError)
  })

  it('sizes unsigned varints', () => {
    expect([0, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 32 - 1].map(unsignedVarintSize)).toEqual([
      1, 1, 2, 2, 3, 4, 5, 5,
    ])
  })
})
