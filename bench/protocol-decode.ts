/**
 * Decode throughput of the generated Kafka codec on the responses the pcap decoder sees most:
 * Metadata (many topics and partitions), Fetch with record data (records stay zero-copy views),
 * empty Fetch responses (a spinning consumer's traffic), and record batch iteration.
 *
 *   npm run bench:protocol
 */
import { ApiKey, codecFor } from '../src/protocol/generated/apis.js'
import type { FetchResponse } from '../src/protocol/generated/messages/fetch.js'
import type { MetadataResponse } from '../src/protocol/generated/messages/metadata.js'
import { Reader } from '../src/protocol/reader.js'
import { readRecordSet } from '../src/protocol/records.js'
import { Writer } from '../src/protocol/writer.js'

const metadata = codecFor(ApiKey.Metadata)
const fetch = codecFor(ApiKey.Fetch)

function metadataResponse(topics: number, partitions: number): MetadataResponse {
  const response = metadata.defaultResponse()
  response.brokers = [1, 2, 3].map((nodeId) => ({
    nodeId,
    host: `broker-${nodeId}.kafka.internal`,
    port: 9092,
    rack: null,
  }))
  response.clusterId = 'kafka-doctor-bench-cluster'
  response.controllerId = 1
  for (let t = 0; t < topics; t++) {
    const topic = {
      ...metadata.defaultResponse().topics[0]!,
      name: `orders.eu-west.v${t}`,
      topicId: 'd9pBNT4mRW-VPStPyq_4uQ',
    }
    Object.assign(topic, {
      errorCode: 0,
      isInternal: false,
      topicAuthorizedOperations: -2147483648,
      partitions: [],
    })
    for (let p = 0; p < partitions; p++) {
      topic.partitions.push({
        errorCode: 0,
        partitionIndex: p,
        leaderId: (p % 3) + 1,
        leaderEpoch: 17,
        replicaNodes: [1, 2, 3],
        isrNodes: [1, 2, 3],
        offlineReplicas: [],
      })
    }
    response.topics.push(topic)
  }
  return response
}

function fetchResponse(partitions: number, recordBytes: number): FetchResponse {
  const response = fetch.defaultResponse()
  const records = recordBytes > 0 ? recordSet(recordBytes) : null
  for (let t = 0; t < 4; t++) {
    const topic = {
      topic: `orders-${t}`,
      topicId: 'd9pBNT4mRW-VPStPyq_4uQ',
      partitions: [] as FetchResponse['responses'][number]['partitions'],
    }
    for (let p = 0; p < partitions / 4; p++) {
      topic.partitions.push({
        partitionIndex: p,
        errorCode: 0,
        highWatermark: 123_456_789n,
        lastStableOffset: 123_456_789n,
        logStartOffset: 0n,
        divergingEpoch: { epoch: -1, endOffset: -1n },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1n, epoch: -1 },
        abortedTransactions: null,
        preferredReadReplica: -1,
        records,
      })
    }
    response.responses.push(topic)
  }
  return response
}

/** An uncompressed magic-2 batch of ~`size` bytes of 100-byte records (CRC not needed for decoding). */
function recordSet(size: number): Uint8Array {
  const w = new Writer(size + 128)
  const count = Math.max(1, Math.floor(size / 120))
  w.writeInt64(1000n)
  const lengthAt = w.reserveInt32()
  w.writeInt32(0)
  w.writeInt8(2)
  w.writeInt32(0)
  w.writeInt16(0)
  w.writeInt32(count - 1)
  w.writeInt64(1_700_000_000_000n)
  w.writeInt64(1_700_000_000_000n)
  w.writeInt64(-1n)
  w.writeInt16(-1)
  w.writeInt32(-1)
  w.writeInt32(count)
  const value = new Uint8Array(100).fill(0x61)
  for (let i = 0; i < count; i++) {
    const body = new Writer(128)
    body.writeInt8(0)
    body.writeVarlong(BigInt(i))
    body.writeVarint(i)
    body.writeVarint(6)
    body.writeRaw(new TextEncoder().encode(`key-${String(i).padStart(2, '0')}`.slice(0, 6)))
    body.writeVarint(value.length)
    body.writeRaw(value)
    body.writeVarint(0)
    const bytes = body.finish()
    w.writeVarint(bytes.length)
    w.writeRaw(bytes)
  }
  w.patchInt32(lengthAt, w.offset - 12)
  return w.finish().slice()
}

function measure(name: string, bytes: Uint8Array, decode: (bytes: Uint8Array) => unknown): void {
  // Warm up, then run for ~1.5 s.
  for (let i = 0; i < 50; i++) decode(bytes)
  let iterations = 0
  const start = process.hrtime.bigint()
  let elapsed = 0
  while (elapsed < 1.5e9) {
    for (let i = 0; i < 20; i++) decode(bytes)
    iterations += 20
    elapsed = Number(process.hrtime.bigint() - start)
  }
  const mbPerSecond = (bytes.byteLength * iterations) / (elapsed / 1e9) / 1e6
  const perMessage = elapsed / iterations / 1000
  process.stdout.write(
    `${name.padEnd(52)} ${String(bytes.byteLength).padStart(9)} B  ${mbPerSecond.toFixed(0).padStart(6)} MB/s  ${perMessage.toFixed(1).padStart(8)} µs/msg\n`,
  )
}

function encoded(encode: (w: Writer) => void): Uint8Array {
  const w = new Writer()
  encode(w)
  return w.finish().slice()
}

process.stdout.write(`protocol decode throughput (node ${process.version})\n`)
for (const version of [1, 12]) {
  const bytes = encoded((w) => metadata.encodeResponse(w, version, metadataResponse(200, 10)))
  measure(`Metadata v${version} response, 200 topics x 10 partitions`, bytes, (b) =>
    metadata.decodeResponse(new Reader(b), version),
  )
}
for (const version of [4, 11, 16]) {
  const empty = encoded((w) => fetch.encodeResponse(w, version, fetchResponse(400, 0)))
  measure(`Fetch v${version} response, 400 empty partitions`, empty, (b) =>
    fetch.decodeResponse(new Reader(b), version),
  )
  const full = encoded((w) => fetch.encodeResponse(w, version, fetchResponse(40, 16_384)))
  measure(`Fetch v${version} response, 40 partitions x 16 KiB records`, full, (b) =>
    fetch.decodeResponse(new Reader(b), version),
  )
}
const records = recordSet(1 << 20)
measure('record batch, 1 MiB of 100-byte records (all decoded)', records, (b) => {
  let n = 0
  for (const batch of readRecordSet(b).batches) n += batch.records().length
  return n
})
