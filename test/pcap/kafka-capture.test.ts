import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { promisify } from 'node:util'
import { beforeAll, describe, expect, it } from 'vitest'
import { BadInputError, NotFoundError } from '../../src/errors.js'
import { KafkaCaptureSession, readKafkaCapture } from '../../src/pcap/kafka-capture.js'
import type { KafkaFrame, KafkaRequest } from '../../src/pcap/kafka-frame.js'
import { requestFields, runCapture } from '../support/kafka-capture-run.js'
import { type FixtureName, fixtureBytes, fixturePath, fixtures } from '../support/pcap-fixtures.js'
import { readClassicPcapLE, resegment, swapPairs, tcpView } from '../support/pcap-rewrite.js'
import { writePcap } from '../support/pcap-writer.js'
import { tsharkKafkaFrameCounts, tsharkKafkaRequests, tsharkPacketCount } from '../support/tshark.js'

const run = promisify(execFile)
let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-kafka-'))
})

// The snaplen-cut capture has its own test: tshark counts PDUs in cut segments it cannot reassemble.
const names = (Object.keys(fixtures) as FixtureName[]).filter((n) => n !== 'produceConsumeSnap96')

describe('real captures: Kafka frames and request headers equal tshark’s Kafka dissector', () => {
  it.each(names)('%s', async (name) => {
    const { port } = fixtures[name]
    const { summary, requests, exchanges } = runCapture(fixtureBytes(name), { brokerPorts: [port] })
    const [expectedRequests, counts, packets] = await Promise.all([
      tsharkKafkaRequests(fixturePath(name), port),
      tsharkKafkaFrameCounts(fixturePath(name), port),
      tsharkPacketCount(fixturePath(name)),
    ])
    expect(summary.packets.packets).toBe(packets)
    expect(requestFields(requests)).toEqual(expectedRequests)
    expect(summary.framing.requests.frames).toBe(counts.requests)
    expect(summary.framing.responses.frames).toBe(counts.responses)
    // Every request answered, every response paired with the request of its correlation id.
    expect(summary.pairing).toMatchObject({
      requests: counts.requests,
      responses: counts.responses,
      paired: counts.responses,
      unanswered: counts.requests - counts.responses,
      unmatchedResponses: 0,
    })
    for (const e of exchanges.filter((x) => x.status === 'paired')) {
      expect(e.response!.correlationId).toBe(e.request!.header!.correlationId)
      expect(e.latencyNs!).toBeGreaterThan(0n)
      expect(e.request!.connection).toBe(e.response!.connection)
    }
    expect(summary.warnings).toEqual([])
  })

  it('small frames are copies (so read buffers can be reused), frames across segments whole copies', () => {
    const bytes = fixtureBytes('produceConsume')
    const { frames } = runCapture(bytes, { brokerPorts: [19092] })
    // Every frame here is under 4 KiB: none points into the capture (big ones do: see the live test).
    expect(frames.every((f) => f.size < 4096 && f.bytes.buffer !== bytes.buffer)).toBe(true)
    for (const f of frames) {
      expect(f.bytes.length).toBe(f.size)
      expect(f.damaged).toBe(false)
    }
    // The ApiVersions response spans segments here and was reassembled.
    expect(frames.some((f) => f.size > 500)).toBe(true)
  })

  it('snaplen 96: every request header still read, frames marked damaged, same pairs', async () => {
    const full = runCapture(fixtureBytes('produceConsume'), { brokerPorts: [19092] })
    const snap = runCapture(fixtureBytes('produceConsumeSnap96'), { brokerPorts: [19092] })
    expect(requestFields(snap.requests)).toEqual(
      await tsharkKafkaRequests(fixturePath('produceConsume'), 19092),
    )
    expect(snap.summary.framing.requests.damagedFrames).toBeGreaterThan(0)
    // One warning for the whole capture, at the first packet snaplen cut.
    const packets = readClassicPcapLE(fixtureBytes('produceConsumeSnap96')).packets
    const firstCut = packets.findIndex((p) => p.data.length < (p.originalLength ?? 0))
    expect(snap.summary.warnings).toEqual([
      expect.objectContaining({
        code: 'tcp-gap',
        message: expect.stringMatching(/snaplen/),
        fileOffset: offsetOfPacket(packets, firstCut),
      }),
    ])
    expect(snap.summary.framing.requests.desyncs + snap.summary.framing.responses.desyncs).toBe(0)
    expect(snap.summary.pairing.paired).toBe(full.summary.pairing.paired)
    for (const [i, f] of snap.frames.entries()) {
      expect(f.size).toBe(full.frames[i]!.size)
      expect(full.frames[i]!.bytes.subarray(0, f.bytes.length)).toEqual(f.bytes)
    }
  })
})

describe('reordered, resegmented and cut captures', () => {
  const packets = () => readClassicPcapLE(fixtureBytes('produceConsume')).packets
  const full = () => runCapture(fixtureBytes('produceConsume'), { brokerPorts: [19092] })

  it('one-byte segments, every pair swapped: the same frames and pairs', () => {
    for (const size of [1, 5, 40]) {
      const derived = runCapture(writePcap(swapPairs(resegment(packets(), size)), { linkType: 1 }), {
        brokerPorts: [19092],
      })
      // Frames come out as they complete, so across connections and directions the order may differ.
      expect(framesByStream(derived.frames)).toEqual(framesByStream(full().frames))
      expect(derived.frames.every((f) => !f.damaged)).toBe(true)
      expect(derived.summary.pairing.paired).toBe(full().summary.pairing.paired)
    }
  })

  it('a capture cut by editcap mid-connection resynchronises on the next request', async () => {
    const reference = full()
    const all = packets()
    // The consumer's busiest connection: cut 6 packets after its SYN (it is mid-conversation there).
    const busiest = reference.requests.at(-1)!.connection.client.port
    const cut = all.findIndex((p) => tcpView(p.data).srcPort === busiest) + 6
    const out = join(dir, 'cut.pcap')
    await run('editcap', [fixturePath('produceConsume'), out, `1-${cut}`])
    const derived = runCapture(await readFile(out), { brokerPorts: [19092] })
    const cutOffset = reference.requests.length === 0 ? 0 : offsetOfPacket(all, cut)
    const expected = reference.requests.filter((r) => r.fileOffset >= cutOffset)
    const key = (r: (typeof reference.requests)[number]) =>
      `${r.connection.client.port}/${r.header?.correlationId}/${r.header?.apiKey}`
    expect(derived.requests.map(key)).toEqual(expected.map(key))
    expect(derived.summary.framing.requests.midStreamStarts).toBeGreaterThan(0)
    expect(derived.summary.framing.requests.resyncs).toBeGreaterThan(0)
    expect(derived.requests.some((r) => r.resynchronised)).toBe(true)
    // Responses to requests sent before the cut have nothing to pair with and are passed over.
    expect(derived.summary.pairing.unmatchedResponses).toBe(0)
    expect(derived.summary.pairing.paired).toBe(expected.length)
  })

  it('a lost packet holding a frame start: a desync warning with its offset, then back in step', () => {
    const all = packets()
    const reference = full()
    // A request that fills its own segment, in the middle of the capture.
    const victim = reference.requests.find((r, i) => i > 8 && r.bytes.buffer !== undefined && r.size < 200)!
    const index = packetIndexAt(all, victim.fileOffset)
    const derived = runCapture(
      writePcap(
        all.filter((_, i) => i !== index),
        { linkType: 1 },
      ),
      { brokerPorts: [19092] },
    )
    const key = (r: (typeof reference.requests)[number]) =>
      `${r.connection.client.port}/${r.header?.correlationId}`
    expect(derived.requests.map(key)).toEqual(reference.requests.filter((r) => r !== victim).map(key))
    // Its response is still there: counted and handed on as unmatched, not dropped.
    expect(derived.summary.pairing.unmatchedResponses).toBe(1)
    const unmatched = derived.exchanges.find((e) => e.status === 'unmatched')!
    expect(unmatched.response!.correlationId).toBe(victim.header!.correlationId)
    const gap = derived.summary.warnings.find((w) => w.code === 'tcp-gap')!
    expect(gap.message).toMatch(/bytes client → broker on .* not in the capture/)
    const desync = derived.summary.warnings.filter((w) => w.code === 'kafka-desync' || w.code === 'tcp-gap')
    expect(desync.length).toBeGreaterThan(0)
    expect(desync[0]!.fileOffset).toBeGreaterThanOrEqual(victim.fileOffset)
  })

  it('a lost packet inside a multi-segment frame: that frame damaged, everything else intact', () => {
    const all = resegment(packets(), 100)
    const reference = runCapture(writePcap(all, { linkType: 1 }), { brokerPorts: [19092] })
    const big = reference.frames.find((f) => f.size > 400)!
    const index = packetIndexAt(all, big.fileOffset) + 2
    const derived = runCapture(
      writePcap(
        all.filter((_, i) => i !== index),
        { linkType: 1 },
      ),
      { brokerPorts: [19092] },
    )
    expect(derived.frames.length).toBe(reference.frames.length)
    expect(derived.frames.filter((f) => f.damaged).length).toBe(1)
    expect(derived.summary.framing.requests.desyncs + derived.summary.framing.responses.desyncs).toBe(0)
    expect(derived.summary.pairing.paired).toBe(reference.summary.pairing.paired)
  })

  it('a corrupt record in the file: a warning with its offset, the other packets still decoded', () => {
    const bytes = Buffer.from(fixtureBytes('produceConsume'))
    const reference = full()
    const victim = reference.requests[12]!
    bytes.writeUInt32LE(0xfffffff0, victim.fileOffset + 8)
    const derived = runCapture(bytes, { brokerPorts: [19092] })
    expect(derived.summary.warnings[0]).toMatchObject({
      code: 'corrupt-record',
      fileOffset: victim.fileOffset,
    })
    expect(derived.requests.length).toBeGreaterThanOrEqual(reference.requests.length - 2)
  })

  it('a truncated file: every frame before the cut, a warning with the offset of the cut record', () => {
    const bytes = fixtureBytes('produceConsume')
    const reference = full()
    const cutAt = reference.requests[15]!.fileOffset + 30
    const derived = runCapture(bytes.subarray(0, cutAt), { brokerPorts: [19092] })
    expect(derived.summary.warnings[0]).toMatchObject({
      code: 'truncated-file',
      fileOffset: reference.requests[15]!.fileOffset,
    })
    expect(requestFields(derived.requests)).toEqual(requestFields(reference.requests.slice(0, 15)))
  })
})

describe('broker discovery', () => {
  it('follows brokers learnt while reading (the Metadata hook); connections already open are joined midway', () => {
    const bytes = fixtureBytes('produceConsume')
    const reference = runCapture(bytes, { brokerPorts: [19092] })
    const none = runCapture(bytes, { brokerPorts: [] })
    expect(none.frames).toEqual([])
    expect(none.summary.tcp.nonKafkaSegments).toBe(99)

    const requests: KafkaRequest[] = []
    const session = new KafkaCaptureSession({
      brokerPorts: [],
      onFrame: (f) => {
        if (f.direction === 'request') requests.push(f)
      },
    })
    const learnAt = reference.requests[10]!.fileOffset
    session.push(bytes.subarray(0, learnAt))
    expect(session.brokers.learn('127.0.0.1', 19092)).toBe(true)
    expect(session.brokers.learn('broker-1.example', 19092)).toBe(false)
    session.push(bytes.subarray(learnAt))
    const summary = session.end()
    const key = (r: KafkaRequest) => `${r.connection.client.port}/${r.header?.correlationId}`
    expect(requests.map(key)).toEqual(reference.requests.slice(10).map(key))
    expect(summary.framing.requests.midStreamStarts).toBeGreaterThan(0)
  })
})

describe('reading from files and streams', () => {
  it('a file path, a Readable and stdin give the same summary', async () => {
    const path = fixturePath('listTopicsNs')
    const fromFile = await readKafkaCapture(path, { brokerPorts: [19092], chunkSize: 1000 })
    const fromStream = await readKafkaCapture(Readable.from([fixtureBytes('listTopicsNs')]), {
      brokerPorts: [19092],
    })
    expect(fromStream).toEqual(fromFile)
    expect(fromFile.pairing.paired).toBe(9)
    const script = join(dir, 'stdin.mts')
    writeFileSync(
      script,
      `import { readKafkaCapture } from ${JSON.stringify(join(process.cwd(), 'src/pcap/kafka-capture.ts'))}\n` +
        `const s = await readKafkaCapture('-', { brokerPorts: [19092] })\n` +
        `console.log(JSON.stringify({ packets: s.packets.packets, paired: s.pairing.paired }))\n`,
    )
    const { stdout } = await run('sh', ['-c', `npx tsx ${script} < ${path}`])
    expect(JSON.parse(stdout)).toEqual({ packets: fromFile.packets.packets, paired: 9 })
  })

  it('a missing file, a directory and a non-capture are typed errors', async () => {
    await expect(readKafkaCapture(join(dir, 'nope.pcap'))).rejects.toBeInstanceOf(NotFoundError)
    await expect(readKafkaCapture(dir)).rejects.toBeInstanceOf(NotFoundError)
    const text = join(dir, 'text.pcap')
    writeFileSync(text, 'hello, this is not a capture')
    await expect(readKafkaCapture(text)).rejects.toBeInstanceOf(BadInputError)
  })
})

function framesByStream(frames: readonly KafkaFrame[]) {
  const streams = new Map<string, string[]>()
  for (const f of frames) {
    const key = `${f.connection.client.port}/${f.direction}`
    streams.set(key, [...(streams.get(key) ?? []), f.bytes.toString('hex')])
  }
  return streams
}

function offsetOfPacket(packets: ReturnType<typeof readClassicPcapLE>['packets'], index: number): number {
  let offset = 24
  for (let i = 0; i < index; i++) offset += 16 + packets[i]!.data.length
  return offset
}

function packetIndexAt(packets: ReturnType<typeof readClassicPcapLE>['packets'], fileOffset: number): number {
  let offset = 24
  for (let i = 0; i < packets.length; i++) {
    if (offset === fileOffset) return i
    offset += 16 + packets[i]!.data.length
  }
  throw new Error(`no packet at ${fileOffset}`)
}
