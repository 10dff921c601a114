import { describe, expect, it } from 'vitest'
import {
  defaultPlausibility,
  readRequestHeader,
  readResponseCorrelationId,
  requestLooksPlausible,
  responseLooksPlausible,
} from '../../src/pcap/kafka-header.js'

/** A request header as Kafka's clients write it (v1/v2 share this prefix). */
function request(apiKey: number, version: number, correlationId: number, clientId: string | null, body = 8) {
  const id = clientId === null ? Buffer.alloc(0) : Buffer.from(clientId)
  const b = Buffer.alloc(14 + id.length + body)
  b.writeInt32BE(b.length - 4, 0)
  b.writeInt16BE(apiKey, 4)
  b.writeInt16BE(version, 6)
  b.writeInt32BE(correlationId, 8)
  b.writeInt16BE(clientId === null ? -1 : id.length, 12)
  id.copy(b, 14)
  return b
}

describe('request and response headers', () => {
  it('reads key, version, correlation id and client id (null too, and header v0)', () => {
    expect(readRequestHeader(request(1, 17, 42, 'consumer-1').subarray(4))).toEqual({
      apiKey: 1,
      apiVersion: 17,
      correlationId: 42,
      clientId: 'consumer-1',
      length: 20,
    })
    expect(readRequestHeader(request(3, 12, 7, null).subarray(4))?.clientId).toBeNull()
    const shutdown = request(7, 0, 5, null).subarray(4)
    expect(readRequestHeader(shutdown)).toMatchObject({ apiKey: 7, clientId: null, length: 8 })
    expect(readRequestHeader(request(1, 17, 42, 'consumer-1').subarray(4, 15))).toBeUndefined()
    expect(readResponseCorrelationId(Buffer.from([0, 0, 1, 0]))).toBe(256)
    expect(readResponseCorrelationId(Buffer.from([0, 0]))).toBeUndefined()
  })

  it('the resynchronisation heuristic accepts real-looking headers and rejects the rest', () => {
    const verdict = (b: Buffer, end = b.length) => requestLooksPlausible(b, 0, end, defaultPlausibility)
    expect(verdict(request(1, 17, 42, 'consumer-1'))).toBe('yes')
    expect(verdict(request(18, 4, 0, null))).toBe('yes')
    expect(verdict(request(101, 0, 1, 'c'))).toBe('no') // api key out of range
    expect(verdict(request(1, 21, 1, 'c'))).toBe('no') // version out of range
    expect(verdict(request(1, 1, -5, 'c'))).toBe('no') // negative correlation id
    expect(verdict(request(1, 1, 1, 'bad\u0001id'))).toBe('no') // control character in the client id
    const tooLong = request(1, 1, 1, 'abc')
    tooLong.writeInt16BE(5000, 12)
    expect(verdict(tooLong)).toBe('no')
    expect(verdict(request(1, 17, 42, 'consumer-1'), 16)).toBe('more')
    expect(verdict(Buffer.from([0x7f, 0, 0]))).toBe('no') // size prefix far too large
    const onlyKnown = { ...defaultPlausibility, isKnownRequest: (k: number) => k !== 1 }
    expect(requestLooksPlausible(request(1, 17, 42, 'c'), 0, 30, onlyKnown)).toBe('no')
    const response = Buffer.from('0000000c0000002a', 'hex')
    expect(responseLooksPlausible(response, 0, 8, defaultPlausibility, (id) => id === 42)).toBe('yes')
    expect(responseLooksPlausible(response, 0, 8, defaultPlausibility, () => false)).toBe('no')
  })
})
