import { describe, expect, it } from 'vitest'
import { ProtocolError } from '../../src/errors.js'
import { FrameSplitter } from '../../src/net/frame-splitter.js'

const frame = (content: number[]) => {
  const bytes = Buffer.alloc(4 + content.length)
  bytes.writeInt32BE(content.length, 0)
  Buffer.from(content).copy(bytes, 4)
  return bytes
}

describe('FrameSplitter', () => {
  it('hands out whole frames, size prefix included, however the bytes are cut', () => {
    const stream = Buffer.concat([frame([1, 2, 3]), frame([]), frame([9, 8, 7, 6, 5])])
    for (let cut = 0; cut <= stream.length; cut++) {
      for (let second = cut; second <= stream.length; second++) {
        const splitter = new FrameSplitter(1024)
        const out = [
          ...splitter.push(stream.subarray(0, cut)),
          ...splitter.push(stream.subarray(cut, second)),
          ...splitter.push(stream.subarray(second)),
        ]
        expect(out.map((each) => [...each])).toEqual([
          [0, 0, 0, 3, 1, 2, 3],
          [0, 0, 0, 0],
          [0, 0, 0, 5, 9, 8, 7, 6, 5],
        ])
        expect(splitter.pending).toBe(0)
      }
    }
  })

  it('keeps an incomplete frame until the rest arrives', () => {
    const splitter = new FrameSplitter(1024)
    expect(splitter.push(frame([1, 2, 3]).subarray(0, 5))).toEqual([])
    expect(splitter.pending).toBe(5)
  })

  it('refuses a size that is negative or above the limit', () => {
    expect(() => new FrameSplitter(10).push(frame(Array.from({ length: 11 }, () => 0)))).toThrow(
      ProtocolError,
    )
    expect(() => new FrameSplitter(10).push(Buffer.from([0xff, 0xff, 0xff, 0xff]))).toThrow(
      /not Kafka protocol/,
    )
  })
})
