import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { TruncatedInputError } from '../../src/errors.js'
import {
  codecOrThrow,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  encodeResponseFrame,
} from '../../src/protocol/frame.js'
import { ApiKey, type ApiKey as ApiKeyType } from '../../src/protocol/generated/apis.js'
import { consumerProtocolSubscriptionCodec } from '../../src/protocol/generated/data/consumer-protocol-subscription.js'
import type {
  ApiVersionsRequest,
  ApiVersionsResponse,
} from '../../src/protocol/generated/messages/api-versions.js'
import type { FetchResponse } from '../../src/protocol/generated/messages/fetch.js'
import type { FindCoordinatorRequest } from '../../src/protocol/generated/messages/find-coordinator.js'
import type { JoinGroupRequest } from '../../src/protocol/generated/messages/join-group.js'
import type { ListOffsetsResponse } from '../../src/protocol/generated/messages/list-offsets.js'
import type { MetadataResponse } from '../../src/protocol/generated/messages/metadata.js'
import type { OffsetFetchRequest } from '../../src/protocol/generated/messages/offset-fetch.js'
import { Reader } from '../../src/protocol/reader.js'
import { readRecordSet } from '../../src/protocol/records.js'
import { Writer } from '../../src/protocol/writer.js'

/**
 * Frames recorded from the real 3-broker test cluster by test/protocol/real-traffic.test.ts
 * (KAFKA_DOCTOR_RECORD_FIXTURES=1): a Java consumer group (kafka-clients 3.9.1) and the
 * kafka-consumer-groups admin client against Kafka 3.9.1 brokers. They decode without a cluster.
 */
interface Fixture {
  scenario: {
    kafkaVersion: string
    clusterId: string
    topics: Record<'plain' | 'gzip' | 'snappy' | 'lz4' | 'zstd' | 'txn', string>
    group: string
    clientId: string
    brokers: Array<{ id: number; host: string; port: number }>
  }
  frames: Array<{ name: string; apiKey: number; apiVersion: number; request: string; response: string }>
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures/captured-frames.json'), 'utf8'),
) as Fixture
const { scenario } = fixture
const frames = new Map(
  fixture.frames.map((f) => [
    f.name,
    {
      ...f,
      request: new Uint8Array(Buffer.from(f.request, 'hex')),
      response: new Uint8Array(Buffer.from(f.response, 'hex')),
    },
  ]),
)

function frame(name: string) {
  const f = frames.get(name)
  if (!f) throw new Error(`fixture has no ${name} frame`)
  return f
}

function decode(name: string) {
  const f = frame(name)
  return {
    request: decodeRequestFrame(f.request),
    response: decodeResponseFrame(f.response, f.apiKey, f.apiVersion),
  }
}

describe('frames recorded from a real cluster', () => {
  it('ApiVersions: the Java client names itself; the 3.9 broker serves Fetch 0-17', () => {
    const { request, response } = decode('api-versions')
    expect(request.header.clientId).toBe(scenario.clientId)
    expect(request.body as ApiVersionsRequest).toMatchObject({
      clientSoftwareName: 'apache-kafka-java',
      clientSoftwareVersion: '3.9.1',
    })
    const body = response.body as ApiVersionsResponse
    expect(body.errorCode).toBe(0)
    expect(body.apiKeys.find((k) => k.apiKey === ApiKey.Fetch)).toEqual({
      apiKey: 1,
      minVersion: 0,
      maxVersion: 17,
    })
    expect(body.apiKeys.find((k) => k.apiKey === ApiKey.Metadata)).toEqual({
      apiKey: 3,
      minVersion: 0,
      maxVersion: 12,
    })
  })

  it('Metadata: cluster id, the three brokers, the six topics and their partitions', () => {
    const body = decode('metadata').response.body as MetadataResponse
    expect(body.clusterId).toBe(scenario.clusterId)
    expect(body.brokers.map((b) => [b.nodeId, b.host, b.port])).toEqual(
      scenario.brokers.map((b) => [b.id, b.host, b.port]),
    )
    expect(Object.fromEntries(body.topics.map((t) => [t.name, t.partitions.length]))).toEqual({
      [scenario.topics.plain]: 3,
      [scenario.topics.gzip]: 1,
      [scenario.topics.snappy]: 1,
      [scenario.topics.lz4]: 1,
      [scenario.topics.zstd]: 1,
      [scenario.topics.txn]: 1,
    })
  })

  it('FindCoordinator, JoinGroup and OffsetFetch name the group and its subscription', () => {
    expect((decode('find-coordinator').request.body as FindCoordinatorRequest).coordinatorKeys).toEqual([
      scenario.group,
    ])
    const join = decode('join-group').request.body as JoinGroupRequest
    expect(join.groupId).toBe(scenario.group)
    const metadata = new Reader(join.protocols[0]!.metadata)
    const version = metadata.readInt16()
    const subscription = consumerProtocolSubscriptionCodec.decode(metadata, version)
    expect([...subscription.topics].sort()).toEqual(Object.values(scenario.topics).sort())
    const offsetFetch = decode('offset-fetch').request.body as OffsetFetchRequest
    expect(offsetFetch.groups.map((g) => g.groupId)).toEqual([scenario.group])
  })

  it('ListOffsets answers for the scenario topics', () => {
    const body = decode('list-offsets').response.body as ListOffsetsResponse
    expect(body.topics.length).toBeGreaterThan(0)
    for (const topic of body.topics) expect(Object.values(scenario.topics)).toContain(topic.name)
  })

  it('Fetch: records of the produced values, with valid CRCs', () => {
    const body = decode('fetch-records').response.body as FetchResponse
    const values: string[] = []
    for (const topic of body.responses) {
      for (const partition of topic.partitions) {
        if (!partition.records) continue
        for (const batch of readRecordSet(partition.records).batches) {
          expect(batch.verifyCrc()).toBe(true)
          for (const record of batch.records())
            values.push(Buffer.from(record.value ?? new Uint8Array()).toString())
        }
      }
    }
    expect(values.length).toBeGreaterThan(0)
    for (const value of values) expect(value).toMatch(/^(plain-\d+|value-\d+-x*)$/)
  })

  it('re-encodes every recorded frame to the same bytes', () => {
    for (const f of frames.values()) {
      const request = decodeRequestFrame(f.request)
      const header = request.header
      const key = f.apiKey as ApiKeyType
      expect(Buffer.from(encodeRequestFrame({ ...header, apiKey: key }, request.body as never))).toEqual(
        Buffer.from(f.request),
      )
      const response = decodeResponseFrame(f.response, key, f.apiVersion)
      expect(
        Buffer.from(encodeResponseFrame(key, f.apiVersion, response.correlationId, response.body as never)),
      ).toEqual(Buffer.from(f.response))
    }
  })

  it('every prefix of every recorded body throws TruncatedInputError at a correct offset', () => {
    let prefixes = 0
    for (const f of frames.values()) {
      const codec = codecOrThrow(f.apiKey)
      const request = decodeRequestFrame(f.request)
      const requestBodyStart =
        f.request.byteLength - bodyLength((w) => codec.encodeRequest(w, f.apiVersion, request.body))
      const response = decodeResponseFrame(f.response, f.apiKey, f.apiVersion)
      const responseBodyStart =
        f.response.byteLength - bodyLength((w) => codec.encodeResponse(w, f.apiVersion, response.body))
      for (const [bytes, start, decodeBody] of [
        [f.request, requestBodyStart, (r: Reader) => codec.decodeRequest(r, f.apiVersion)],
        [f.response, responseBodyStart, (r: Reader) => codec.decodeResponse(r, f.apiVersion)],
      ] as const) {
        const body = bytes.subarray(start)
        for (let length = 0; length < body.length; length++) {
          let error: unknown
          try {
            decodeBody(new Reader(body.subarray(0, length)))
          } catch (e) {
            error = e
          }
          expect(error).toBeInstanceOf(TruncatedInputError)
          const truncated = error as TruncatedInputError
          expect(truncated.offset + truncated.available).toBe(length)
          prefixes++
        }
        // And the whole frame, cut anywhere, is a truncated frame.
        for (let length = 0; length < bytes.length; length += 7) {
          expect(() => decodeRequestOrResponse(bytes.subarray(0, length), f, bytes === f.request)).toThrow(
            TruncatedInputError,
          )
        }
      }
    }
    expect(prefixes).toBeGreaterThan(1000)
  })
})

function decodeRequestOrResponse(
  bytes: Uint8Array,
  f: { apiKey: number; apiVersion: number },
  request: boolean,
): unknown {
  return request ? decodeRequestFrame(bytes) : decodeResponseFrame(bytes, f.apiKey, f.apiVersion)
}

/** Length of a body as our encoder writes it (equal to the recorded one, as the re-encode test shows). */
function bodyLength(encode: (w: Writer) => void): number {
  const w = new Writer()
  encode(w)
  return w.offset
}
