import { beforeAll, describe, expect, it } from 'vitest'
import { NEWER_KAFKA, OLDER_KAFKA } from '../../../scripts/codegen/kafka-versions.js'
import { apis, findCodec } from '../../../src/protocol/generated/apis.js'
import { messageSchemas } from '../../../src/protocol/generated/schema.js'
import { Reader } from '../../../src/protocol/reader.js'
import { Writer } from '../../../src/protocol/writer.js'
import { runKafkaJava } from '../../support/kafka-java.js'
import { compareWithKafkaJson, synthesize, toKafkaJson } from '../../support/protocol-messages.js'

/**
 * Cross-implementation oracle: Kafka's own generated message classes (kafka-clients 4.4.0, and 3.9.1
 * for the versions Kafka 4 removed) read the bytes our encoder writes, and write bytes from the same
 * message given as JSON. Both must agree with us: Kafka decodes our bytes to our values, field by
 * field, and Kafka's encoding is byte-for-byte ours. Every API key, every version, both directions.
 */
interface Case {
  id: string
  key: number
  version: number
  kind: 'request' | 'response'
  message: Record<string, unknown>
  bytes: Uint8Array
  jar: string
}

interface Verdict {
  status: 'ok' | 'error'
  json?: unknown
  hex?: string
  requestHeaderVersion?: number
  responseHeaderVersion?: number
  error?: string
}

const cases: Case[] = []
for (const api of apis) {
  const codec = findCodec(api.key)!
  for (let version = api.minVersion; version <= api.maxVersion; version++) {
    for (const kind of ['request', 'response'] as const) {
      const schema = messageSchemas.find((m) => m.apiKey === api.key && m.kind === kind)!
      for (const seed of [101, 202]) {
        // Kafka's JSON cannot carry unknown tagged fields; everything else is exercised.
        const message = synthesize(schema, version, seed, { unknownTags: false })
        const w = new Writer()
        if (kind === 'request') codec.encodeRequest(w, version, message)
        else codec.encodeResponse(w, version, message)
        cases.push({
          id: `${api.name} v${version} ${kind} #${seed}`,
          key: api.key,
          version,
          kind,
          message,
          bytes: w.finish().slice(),
          jar: api.olderReleaseVersions.includes(version) ? OLDER_KAFKA : NEWER_KAFKA,
        })
      }
    }
  }
}

const verdicts = new Map<string, Verdict>()

beforeAll(async () => {
  for (const jar of [NEWER_KAFKA, OLDER_KAFKA]) {
    const mine = cases.filter((c) => c.jar === jar)
    const input = mine
      .map((c) => {
        const schema = messageSchemas.find((m) => m.apiKey === c.key && m.kind === c.kind)!
        const json = toKafkaJson(schema.fields, c.message, c.version)
        return [c.id, c.key, c.version, c.kind, Buffer.from(c.bytes).toString('hex'), json].join('\t')
      })
      .join('\n')
    const output = await runKafkaJava(jar, 'ProtocolOracle', [], input)
    for (const line of output.split('\n').filter(Boolean)) {
      const [id, status, a, b, requestHeader, responseHeader] = line.split('\t')
      if (status === 'ok') {
        verdicts.set(id!, {
          status,
          json: JSON.parse(a!),
          hex: b!,
          requestHeaderVersion: Number(requestHeader),
          responseHeaderVersion: Number(responseHeader),
        })
      } else verdicts.set(id!, { status: 'error', error: a ?? '' })
    }
  }
}, 600_000)

const apiCount = new Set(cases.map((c) => c.key)).size

describe(`Kafka's own message classes agree with the generated codec (${apiCount} APIs, ${cases.length} messages)`, () => {
  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const verdict = verdicts.get(c.id)
    expect(verdict, 'Kafka answered for this case').toBeDefined()
    expect(verdict!.error).toBeUndefined()
    const schema = messageSchemas.find((m) => m.apiKey === c.key && m.kind === c.kind)!
    // Kafka read our bytes to our values.
    expect(compareWithKafkaJson(schema.fields, verdict!.json, c.message, c.version, c.kind)).toEqual([])
    // Kafka wrote the same message to the same bytes.
    expect(verdict!.hex).toBe(Buffer.from(c.bytes).toString('hex'))
    // Kafka frames this api key and version with the header versions we use.
    const codec = findCodec(c.key)!
    expect(codec.requestHeaderVersion(c.version)).toBe(verdict!.requestHeaderVersion)
    expect(codec.responseHeaderVersion(c.version)).toBe(verdict!.responseHeaderVersion)
    // And we read Kafka's bytes back to the message.
    const r = new Reader(new Uint8Array(Buffer.from(verdict!.hex!, 'hex')), { complete: true })
    expect(
      c.kind === 'request' ? codec.decodeRequest(r, c.version) : codec.decodeResponse(r, c.version),
    ).toEqual(c.message)
  })
})
