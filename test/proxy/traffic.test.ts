/**
 * The proxy's pass-through decisions on frames, without a broker: what it must never touch (unknown
 * API keys and versions, answers it cannot decode) and the few things it changes by itself.
 */
import { describe, expect, it } from 'vitest'
import { encodeRequestFrame, encodeResponseFrame } from '../../src/protocol/frame.js'
import { ApiKey, codecFor } from '../../src/protocol/generated/apis.js'
import { ChangeLog } from '../../src/proxy/change-log.js'
import { Counters } from '../../src/proxy/counters.js'
import { RuleSet } from '../../src/proxy/rule-set.js'
import { parseRules } from '../../src/proxy/rules.js'
import { TopicNames } from '../../src/proxy/topic-names.js'
import { Traffic } from '../../src/proxy/traffic.js'

function traffic() {
  const rules = new RuleSet()
  const counters = new Counters()
  const changes = new ChangeLog()
  const warnings: string[] = []
  const handler = new Traffic({
    rules,
    counters,
    changes,
    topics: new TopicNames(),
    listenerOf: (nodeId) => ({ nodeId, host: 'proxy', port: 9000 + nodeId }),
    ensureListeners: () => undefined,
    unknownTopicId: () => {},
    warn: (message) => warnings.push(message),
  })
  return { handler, rules, counters, changes, warnings }
}

const notes = () => ({ sessionlessNoted: false, immediateNoted: false })

/** A request frame of an API key the codec does not know (say, from a future Kafka). */
function unknownRequest(apiKey: number, apiVersion: number): Buffer {
  const frame = Buffer.alloc(4 + 2 + 2 + 4 + 2 + 3 + 5)
  frame.writeInt32BE(frame.length - 4, 0)
  frame.writeInt16BE(apiKey, 4)
  frame.writeInt16BE(apiVersion, 6)
  frame.writeInt32BE(42, 8)
  frame.writeInt16BE(3, 12)
  frame.write('abc', 14)
  return frame
}

describe('Traffic', () => {
  it('forwards requests and answers of unknown API keys and versions untouched', async () => {
    const { handler, changes, counters } = traffic()
    for (const [apiKey, apiVersion] of [
      [999, 0],
      [ApiKey.Fetch, 99],
    ] as const) {
      const request = unknownRequest(apiKey, apiVersion)
      const outcome = handler.onRequest(1, request, notes())
      expect(outcome.forward).toBe(request)
      expect(outcome.exchange).toMatchObject({ apiKey, apiVersion, correlationId: 42, clientId: 'abc' })
      const answer = Buffer.from([0, 0, 0, 6, 0, 0, 0, 42, 1, 2])
      expect(await handler.onResponse(outcome.exchange, answer)).toBe(answer)
    }
    expect(changes.sequence).toBe(0)
    expect(counters.snapshot().undecodable).toBe(0)
  })

  it('forwards an answer it cannot decode unchanged, counts it and warns once', async () => {
    const { handler, counters, warnings } = traffic()
    const request = encodeRequestFrame(
      { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 5, clientId: 'c' },
      { ...codecFor(ApiKey.Metadata).defaultRequest(), topics: [] },
    )
    const { exchange } = handler.onRequest(1, Buffer.from(request), notes())
    const garbage = Buffer.from([0, 0, 0, 9, 0, 0, 0, 5, 0, 0xff, 0xff, 0xff, 0xff])
    expect(await handler.onResponse(exchange, garbage)).toBe(garbage)
    expect(await handler.onResponse(exchange, garbage)).toBe(garbage)
    expect(counters.snapshot().undecodable).toBe(2)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/could not decode answer Metadata v12, forwarded unchanged/)
  })

  it('keeps the bytes of a decoded answer when nothing in it changes', async () => {
    const { handler, changes } = traffic()
    const fetch = codecFor(ApiKey.Fetch)
    const request = encodeRequestFrame(
      { apiKey: ApiKey.Fetch, apiVersion: 12, correlationId: 9, clientId: 'c' },
      fetch.defaultRequest(),
    )
    const { exchange, forward } = handler.onRequest(1, Buffer.from(request), notes())
    expect(Buffer.from(forward).equals(Buffer.from(request))).toBe(true)
    const answer = encodeResponseFrame(ApiKey.Fetch, 12, 9, {
      ...fetch.defaultResponse(),
      responses: [
        {
          topic: 't',
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: [{ ...defaultPartition(), highWatermark: 7n }],
        },
      ],
    })
    expect(await handler.onResponse(exchange, answer)).toBe(answer)
    expect(changes.sequence).toBe(0)
  })

  it('caps a newer broker’s offer for APIs the proxy must decode, and leaves the others', async () => {
    const { handler, changes } = traffic()
    const versions = codecFor(ApiKey.ApiVersions)
    const request = encodeRequestFrame(
      { apiKey: ApiKey.ApiVersions, apiVersion: 3, correlationId: 1, clientId: 'c' },
      { ...versions.defaultRequest(), clientSoftwareName: 'x', clientSoftwareVersion: '1' },
    )
    const { exchange } = handler.onRequest(1, Buffer.from(request), notes())
    const metadataMax = codecFor(ApiKey.Metadata).maxVersion
    const answer = encodeResponseFrame(ApiKey.ApiVersions, 3, 1, {
      ...versions.defaultResponse(),
      apiKeys: [
        { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: metadataMax + 3 },
        { apiKey: ApiKey.CreateTopics, minVersion: 0, maxVersion: 99 },
      ],
    })
    const out = await handler.onResponse(exchange, answer)
    expect(out).not.toBe(answer)
    const untouched = encodeResponseFrame(ApiKey.ApiVersions, 3, 1, {
      ...versions.defaultResponse(),
      apiKeys: [{ apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: metadataMax }],
    })
    expect(await handler.onResponse(exchange, untouched)).toBe(untouched)
    expect(changes.recent().map((change) => change.detail)).toEqual([
      `Metadata max version ${metadataMax + 3} → ${metadataMax} (the newest the proxy decodes)`,
    ])
  })

  it('counts requests by broker, API and client; a drop rule closes instead of forwarding', () => {
    const { handler, rules, counters } = traffic()
    rules.add(parseRules({ type: 'drop-connection', apis: ['Metadata'], brokers: [2] }, 'x'), 'control')
    const request = Buffer.from(
      encodeRequestFrame(
        { apiKey: ApiKey.Metadata, apiVersion: 12, correlationId: 5, clientId: 'app' },
        { ...codecFor(ApiKey.Metadata).defaultRequest(), topics: [] },
      ),
    )
    expect(handler.onRequest(1, request, notes()).drop).toBe(false)
    expect(handler.onRequest(2, request, notes()).drop).toBe(true)
    const snapshot = counters.snapshot()
    expect(snapshot.requests).toEqual({ '1': { Metadata: 1 }, '2': { Metadata: 1 } })
    expect(snapshot.clients).toEqual({ app: { Metadata: 2 } })
    expect(snapshot.connections.dropped).toBe(1)
  })
})

function defaultPartition() {
  return {
    partitionIndex: 0,
    errorCode: 0,
    highWatermark: 0n,
    lastStableOffset: 7n,
    logStartOffset: 0n,
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: [],
    preferredReadReplica: -1,
    records: new Uint8Array(0),
  }
}
