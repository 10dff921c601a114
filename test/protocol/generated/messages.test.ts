import { describe, expect, it } from 'vitest'
import { apis, codecFor, findCodec } from '../../../src/protocol/generated/apis.js'
import { messageSchemas } from '../../../src/protocol/generated/schema.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'
import { synthesize } from '../../support/protocol-messages.js'

/**
 * Every API key of the merged 3.9.1 + 4.4.0 definitions, every version, request and response:
 * synthesised messages with a value in every field the version has (seeded, several seeds) encode,
 * decode to the same message, and re-encode to the same bytes.
 */
const SEEDS = [1, 2, 3, 4]

const cases = apis.flatMap((api) => {
  const out: Array<{ api: (typeof apis)[number]; version: number; kind: 'request' | 'response' }> = []
  for (let version = api.minVersion; version <= api.maxVersion; version++) {
    out.push({ api, version, kind: 'request' }, { api, version, kind: 'response' })
  }
  return out
})

const versionCount = apis.reduce((n, api) => n + api.maxVersion - api.minVersion + 1, 0)

describe(`every API (${apis.length} keys, ${versionCount} versions, ${cases.length} messages) round-trips`, () => {
  it.each(cases.map((c) => [`${c.api.name} v${c.version} ${c.kind}`, c] as const))(
    '%s',
    (_name, { api, version, kind }) => {
      const codec = findCodec(api.key)!
      const schema = messageSchemas.find((m) => m.apiKey === api.key && m.kind === kind)!
      expect(schema).toBeDefined()
      for (const seed of SEEDS) {
        const message = synthesize(schema, version, seed)
        const w = new Writer(64)
        if (kind === 'request') codec.encodeRequest(w, version, message)
        else codec.encodeResponse(w, version, message)
        const bytes = w.finish().slice()
        const r = new Reader(bytes, { complete: true })
        const decoded =
          kind === 'request' ? codec.decodeRequest(r, version) : codec.decodeResponse(r, version)
        expect(r.remaining).toBe(0)
        expect(decoded).toEqual(message)
        const again = new Writer(64)
        if (kind === 'request') codec.encodeRequest(again, version, decoded)
        else codec.encodeResponse(again, version, decoded)
        expect(Buffer.from(again.finish()).equals(Buffer.from(bytes))).toBe(true)
      }
    },
  )
})

describe('codec table', () => {
  it('covers the 3.9 floor and the 4.4 ceiling of the APIs the diagnosis relies on', () => {
    const range = (name: string) => {
      const api = apis.find((a) => a.name === name)!
      return [api.minVersion, api.maxVersion, api.firstFlexibleVersion]
    }
    expect(range('Produce')).toEqual([0, 13, 9])
    expect(range('Fetch')).toEqual([0, 18, 12])
    expect(range('ListOffsets')).toEqual([0, 11, 6])
    expect(range('Metadata')).toEqual([0, 13, 9])
    expect(range('OffsetFetch')).toEqual([0, 10, 6])
    expect(range('ApiVersions')).toEqual([0, 5, 3])
    expect(range('LeaderAndIsr')).toEqual([0, 7, 4])
    expect(range('ControlledShutdown')).toEqual([0, 3, 3])
    expect(apis.find((a) => a.name === 'Fetch')!.olderReleaseVersions).toEqual([0, 1, 2, 3])
  })

  it('uses the header versions Kafka implies', () => {
    expect(codecFor(18).responseHeaderVersion(4)).toBe(0)
    expect(codecFor(18).requestHeaderVersion(4)).toBe(2)
    expect(codecFor(7).requestHeaderVersion(0)).toBe(0)
    expect(codecFor(7).requestHeaderVersion(1)).toBe(1)
    expect(codecFor(1).requestHeaderVersion(11)).toBe(1)
    expect(codecFor(1).responseHeaderVersion(12)).toBe(1)
  })

  it('rejects versions outside the known range with a typed error', () => {
    expect(() => codecFor(1).decodeResponse(new Reader(new Uint8Array(8)), 99)).toThrow(
      /unsupported Kafka api key 1 version 99/,
    )
    expect(findCodec(9999)).toBeUndefined()
  })
})
