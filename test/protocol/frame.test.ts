import { describe, expect, it } from 'vitest'
import { isKafkaDoctorError, TruncatedInputError } from '../../src/errors.js'
import {
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
  peekCorrelationId,
  peekRequestHeader,
} from '../../src/protocol/frame.js'
import { ApiKey, apis, codecFor, findCodec } from '../../src/protocol/generated/apis.js'
import { messageSchemas } from '../../src/protocol/generated/schema.js'
import { UnsupportedApiError } from '../../src/protocol/protocol-errors.js'
import { Reader } from '../../src/protocol/reader.js'
import { Writer } from '../../src/protocol/writer.js'
import { seededRandom, synthesize } from '../support/protocol-messages.js'

describe('request frames', () => {
  it('round-trips header v1 (classic) with its client id', () => {
    const codec = codecFor(ApiKey.Metadata)
    const body = {
      ...codec.defaultRequest(),
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAA', name: 'orders' }],
    }
    const frame = encodeRequestFrame(
      { apiKey: ApiKey.Metadata, apiVersion: 4, correlationId: 77, clientId: 'consumer-1' },
      body,
    )
    expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(frame.byteLength - 4)
    expect(peekRequestHeader(frame)).toEqual({ apiKey: 3, apiVersion: 4, correlationId: 77 })
    expect(peekCorrelationId(frame, 'request')).toBe(77)
    const decoded = decodeRequestFrame(frame)
    expect(decoded.headerVersion).toBe(1)
    expect(decoded.header).toEqual({ apiKey: 3, apiVersion: 4, correlationId: 77, clientId: 'consumer-1' })
    expect(decoded.body).toEqual(body)
    expect(decoded.trailingBytes).toBe(0)
  })

  it('uses header v2 for flexible versions, keeping the client id a classic string', () => {
    const codec = codecFor(ApiKey.ApiVersions)
    const body = {
      ...codec.defaultRequest(),
      clientSoftwareName: 'kafka-doctor',
      clientSoftwareVersion: '0.1.0',
    }
    const frame = encodeRequestFrame(
      { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: 'kd' },
      body,
    )
    // size, key 18, version 3, correlation 1, client id "kd" as int16 length + bytes, empty tag section
    expect([...frame.subarray(4, 17)]).toEqual([0, 18, 0, 3, 0, 0, 0, 1, 0, 2, 0x6b, 0x64, 0])
    const decoded = decodeRequestFrame(frame)
    expect(decoded.headerVersion).toBe(2)
    expect(decoded.body).toEqual(body)
  })

  it('uses header v0 (no client id) for ControlledShutdown v0', () => {
    const codec = codecFor(ApiKey.ControlledShutdown)
    const frame = encodeRequestFrame(
      { apiKey: ApiKey.ControlledShutdown, apiVersion: 0, correlationId: 5, clientId: 'ignored' },
      { ...codec.defaultRequest(), brokerId: 3 },
    )
    expect(frame.byteLength).toBe(4 + 8 + 4)
    const decoded = decodeRequestFrame(frame)
    expect(decoded.header.clientId).toBeNull()
    expect(decoded.body).toMatchObject({ brokerId: 3 })
  })

  it('rejects unknown api keys and versions with a typed error', () => {
    const frame = Uint8Array.from([0, 0, 0, 8, 0x03, 0xe7, 0, 0, 0, 0, 0, 1])
    expect(() => decodeRequestFrame(frame)).toThrow(UnsupportedApiError)
    const tooNew = Uint8Array.from([0, 0, 0, 8, 0, 1, 0, 99, 0, 0, 0, 1])
    expect(() => decodeRequestFrame(tooNew)).toThrow(/api key 1 version 99/)
    expect(() => decodeResponseFrame(frame, 999, 0)).toThrow(UnsupportedApiError)
  })
})

describe('response frames', () => {
  it('round-trips header v0 and v1', () => {
    const codec = codecFor(ApiKey.FindCoordinator)
    for (const version of [2, 3]) {
      const body = { ...codec.defaultResponse(), errorCode: 15, nodeId: 2, host: 'broker-2', port: 9093 }
      const frame = encodeResponseFrame(ApiKey.FindCoordinator, version, 31337, body)
      expect(peekCorrelationId(frame)).toBe(31337)
      const decoded = decodeResponseFrame(frame, ApiKey.FindCoordinator, version)
      expect(decoded.correlationId).toBe(31337)
      expect(decoded.body.nodeId).toBe(2)
      expect(decoded.apiVersion).toBe(version)
    }
  })

  it('reads ApiVersions responses with header v0 even when the version is flexible', () => {
    const codec = codecFor(ApiKey.ApiVersions)
    const body = { ...codec.defaultResponse(), apiKeys: [{ apiKey: 1, minVersion: 4, maxVersion: 17 }] }
    const frame = encodeResponseFrame(ApiKey.ApiVersions, 3, 9, body)
    // correlation id immediately followed by the body's error code: no header tag section
    expect([...frame.subarray(4, 10)]).toEqual([0, 0, 0, 9, 0, 0])
    expect(decodeResponseFrame(frame, ApiKey.ApiVersions, 3).body.apiKeys).toEqual(body.apiKeys)
  })

  it('falls back to v0 when a broker answers UNSUPPORTED_VERSION in the v0 layout', () => {
    const codec = codecFor(ApiKey.ApiVersions)
    const v0 = {
      ...codec.defaultResponse(),
      errorCode: 35,
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 3 }],
    }
    const frame = encodeResponseFrame(ApiKey.ApiVersions, 0, 4, v0)
    const decoded = decodeResponseFrame(frame, ApiKey.ApiVersions, 4)
    expect(decoded.apiVersion).toBe(0)
    expect(decoded.body.errorCode).toBe(35)
    expect(decoded.body.apiKeys).toEqual([{ apiKey: 18, minVersion: 0, maxVersion: 3 }])
  })

  it('throws TruncatedInputError for an incomplete frame and ignores bytes after a complete one', () => {
    const codec = codecFor(ApiKey.Heartbeat)
    const frame = encodeResponseFrame(ApiKey.Heartbeat, 1, 3, { ...codec.defaultResponse(), errorCode: 27 })
    expect(() => decodeResponseFrame(frame.subarray(0, 3), ApiKey.Heartbeat, 1)).toThrow(TruncatedInputError)
    expect(() => decodeResponseFrame(frame.subarray(0, frame.length - 1), ApiKey.Heartbeat, 1)).toThrow(
      TruncatedInputError,
    )
    const two = new Uint8Array(frame.length * 2)
    two.set(frame)
    two.set(frame, frame.length)
    expect(decodeResponseFrame(two, ApiKey.Heartbeat, 1).body.errorCode).toBe(27)
  })
})

/** One synthesised request and response per API at its lowest and highest version. */
function sampleBodies(): Array<{
  name: string
  key: number
  version: number
  kind: 'request' | 'response'
  bytes: Uint8Array
}> {
  const out: Array<{
    name: string
    key: number
    version: number
    kind: 'request' | 'response'
    bytes: Uint8Array
  }> = []
  for (const api of apis) {
    const codec = findCodec(api.key)!
    for (const version of new Set([api.minVersion, api.maxVersion])) {
      for (const kind of ['request', 'response'] as const) {
        const schema = messageSchemas.find((m) => m.apiKey === api.key && m.kind === kind)!
        const w = new Writer()
        const message = synthesize(schema, version, 5)
        if (kind === 'request') codec.encodeRequest(w, version, message)
        else codec.encodeResponse(w, version, message)
        out.push({
          name: `${api.name} v${version} ${kind}`,
          key: api.key,
          version,
          kind,
          bytes: w.finish().slice(),
        })
      }
    }
  }
  return out
}

describe('truncated and corrupt input', () => {
  const bodies = sampleBodies()
  const total = bodies.reduce((n, b) => n + b.bytes.length, 0)

  it(`every prefix of ${bodies.length} bodies (${total} prefixes) throws TruncatedInputError at a correct offset`, () => {
    let checked = 0
    for (const { name, key, version, kind, bytes } of bodies) {
      const codec = findCodec(key)!
      for (let length = 0; length < bytes.length; length++) {
        const r = new Reader(bytes.subarray(0, length))
        let error: unknown
        try {
          if (kind === 'request') codec.decodeRequest(r, version)
          else codec.decodeResponse(r, version)
        } catch (e) {
          error = e
        }
        if (!(error instanceof TruncatedInputError)) {
          throw new Error(`${name}: prefix of ${length}/${bytes.length} bytes gave ${String(error)}`)
        }
        expect(error.offset).toBeGreaterThanOrEqual(0)
        expect(error.offset).toBeLessThanOrEqual(length)
        expect(error.offset + error.available).toBe(length)
        expect(error.needed).toBeGreaterThan(error.available)
        checked++
      }
    }
    expect(checked).toBe(total)
  })

  it('every prefix of a size-prefixed frame throws TruncatedInputError', () => {
    for (const { key, version, kind, bytes } of bodies.filter((b) => b.kind === 'response').slice(0, 40)) {
      const frame = new Uint8Array(bytes.length + 8)
      new DataView(frame.buffer).setInt32(0, bytes.length + 4)
      new DataView(frame.buffer).setInt32(4, 1234)
      const headerVersion = findCodec(key)!.responseHeaderVersion(version)
      const body = headerVersion === 1 ? new Uint8Array(bytes.length + 1) : bytes
      if (headerVersion === 1) body.set(bytes, 1)
      const full = new Uint8Array(body.length + 8)
      new DataView(full.buffer).setInt32(0, body.length + 4)
      new DataView(full.buffer).setInt32(4, 1234)
      full.set(body, 8)
      expect(decodeResponseFrame(full, key, version).correlationId).toBe(1234)
      for (let length = 0; length < full.length; length++) {
        expect(() => decodeResponseFrame(full.subarray(0, length), key, version)).toThrow(TruncatedInputError)
      }
      void kind
    }
  })

  it('50,000 mutated bodies decode or throw a typed error, never anything else', () => {
    const random = seededRandom(7)
    let rejected = 0
    for (let i = 0; i < 50_000; i++) {
      const sample = bodies[i % bodies.length]!
      const bytes = sample.bytes.slice()
      if (bytes.length === 0) continue
      for (let m = 1 + Math.floor(random() * 3); m > 0; m--) {
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256)
      }
      const codec = findCodec(sample.key)!
      try {
        const r = new Reader(bytes, { complete: random() < 0.5 })
        if (sample.kind === 'request') codec.decodeRequest(r, sample.version)
        else codec.decodeResponse(r, sample.version)
      } catch (error) {
        if (!isKafkaDoctorError(error)) throw new Error(`${sample.name}: ${String(error)}`)
        rejected++
      }
    }
    expect(rejected).toBeGreaterThan(1000)
  })
})
