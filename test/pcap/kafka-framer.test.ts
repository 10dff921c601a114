import { describe, expect, it } from 'vitest'
import { createFramerStats, type FrameReceiver, KafkaFramer } from '../../src/pcap/kafka-framer.js'
import { defaultPlausibility } from '../../src/pcap/kafka-header.js'
import { runCapture } from '../support/kafka-capture-run.js'
import { fixtureBytes } from '../support/pcap-fixtures.js'

/** The real request and response streams of the console producer's longest connection. */
function realStreams() {
  const { frames } = runCapture(fixtureBytes('produceConsume'), { brokerPorts: [19092] })
  const port = frames.find((f) => f.direction === 'request' && f.size > 100)!.connection.client.port
  const ofConnection = frames.filter((f) => f.connection.client.port === port)
  const stream = (direction: string) =>
    ofConnection
      .filter((f) => f.direction === direction)
      .map((f) => {
        const prefix = Buffer.alloc(4)
        prefix.writeInt32BE(f.size)
        return Buffer.concat([prefix, f.bytes])
      })
  return { requests: stream('request'), responses: stream('response') }
}

interface Collected {
  frames: Array<{ hex: string; size: number; damaged: boolean; resynchronised: boolean; firstTs: bigint }>
  desyncs: string[]
}

function framer(direction: 'request' | 'response', outstanding: number[] = []) {
  const collected: Collected = { frames: [], desyncs: [] }
  const receiver: FrameReceiver = {
    frame(bytes, size, damaged, resynchronised, firstTs) {
      collected.frames.push({ hex: bytes.toString('hex'), size, damaged, resynchronised, firstTs })
    },
    desync(reason) {
      collected.desyncs.push(reason)
    },
    isOutstanding: (id) => outstanding.includes(id),
  }
  const stats = createFramerStats()
  return { framer: new KafkaFramer(direction, receiver, defaultPlausibility, stats), collected, stats }
}

describe('KafkaFramer on real Kafka byte streams', () => {
  it('splits a stream at every possible segment boundary into the same frames', () => {
    const { requests } = realStreams()
    const whole = Buffer.concat(requests)
    for (let split = 1; split < Math.min(whole.length, 200); split++) {
      const { framer: f, collected } = framer('request')
      f.begin(true)
      f.data(whole.subarray(0, split), 1n, 0)
      f.data(whole.subarray(split), 2n, 100)
      f.end(3n, 200)
      expect(collected.frames.map((x) => x.hex)).toEqual(requests.map((r) => r.subarray(4).toString('hex')))
      // The first frame starts in the first segment whatever the split.
      expect(collected.frames[0]!.firstTs).toBe(1n)
    }
  })

  it('joining midway: skips the partial frame and resynchronises on the next request header', () => {
    const { requests } = realStreams()
    const whole = Buffer.concat(requests)
    const start = 7 // inside the first frame
    const { framer: f, collected, stats } = framer('request')
    f.begin(false)
    f.data(whole.subarray(start), 1n, 0)
    expect(collected.frames.map((x) => x.hex)).toEqual(
      requests.slice(1).map((r) => r.subarray(4).toString('hex')),
    )
    expect(collected.frames[0]!.resynchronised).toBe(true)
    expect(collected.frames[1]!.resynchronised).toBe(false)
    expect(stats).toMatchObject({ midStreamStarts: 1, resyncs: 1, skippedBytes: requests[0]!.length - start })
    expect(collected.desyncs).toEqual([])
  })

  it('responses resynchronise only at a segment start, on the correlation id of a request still waiting', () => {
    const { responses } = realStreams()
    const ids = responses.map((r) => r.readInt32BE(4))
    const hex = (rs: Buffer[]) => rs.map((r) => r.subarray(4).toString('hex'))
    // Nothing waiting: nothing believed.
    const none = framer('response', [])
    none.framer.begin(false)
    for (const r of responses) none.framer.data(r, 1n, 0)
    expect(none.collected.frames).toEqual([])
    expect(none.stats.skippedBytes).toBe(Buffer.concat(responses).length)
    // Each response in its own segment, as the broker wrote them: found at the one that is awaited.
    const third = framer('response', [ids[2]!])
    third.framer.begin(false)
    for (const r of responses) third.framer.data(r, 1n, 0)
    expect(third.collected.frames.map((x) => x.hex)).toEqual(hex(responses.slice(2)))
    // All in one segment: the awaited one is not at its start, so none is taken there (a response
    // start is never guessed inside a segment).
    const inside = framer('response', [ids[2]!])
    inside.framer.begin(false)
    inside.framer.data(Buffer.concat(responses), 1n, 0)
    expect(inside.collected.frames).toEqual([])
    // Awaiting the first: in step from the segment start on, through all three.
    const first = framer('response', [ids[0]!])
    first.framer.begin(false)
    first.framer.data(Buffer.concat(responses), 1n, 0)
    expect(first.collected.frames.map((x) => x.hex)).toEqual(hex(responses))
  })

  it('a gap inside a frame keeps the framer in step and marks that frame damaged', () => {
    const { requests } = realStreams()
    const big = requests.findIndex((r) => r.length > 60)
    const before = Buffer.concat(requests.slice(0, big))
    const frame = requests[big]!
    const after = Buffer.concat(requests.slice(big + 1))
    const { framer: f, collected, stats } = framer('request')
    f.begin(true)
    f.data(Buffer.concat([before, frame.subarray(0, 30)]), 1n, 0)
    f.gap(20, 'lost', 2n, 10)
    f.data(Buffer.concat([frame.subarray(50), after]), 3n, 20)
    f.end(4n, 30)
    expect(collected.frames.length).toBe(requests.length)
    expect(collected.frames[big]).toMatchObject({
      damaged: true,
      size: frame.length - 4,
      hex: frame.subarray(4, 30).toString('hex'),
    })
    expect(collected.frames.filter((x) => x.damaged).length).toBe(1)
    expect(stats.desyncs).toBe(0)
  })

  it('a gap over a frame start loses alignment (a desync) and finds the next frame', () => {
    const { requests } = realStreams()
    const { framer: f, collected, stats } = framer('request')
    f.begin(true)
    f.data(requests[0]!, 1n, 0)
    f.gap(requests[1]!.length + 3, 'lost', 2n, 10)
    f.data(Buffer.concat([requests[2]!.subarray(3), ...requests.slice(3)]), 3n, 20)
    expect(collected.frames.map((x) => x.hex)).toEqual(
      [requests[0]!, ...requests.slice(3)].map((r) => r.subarray(4).toString('hex')),
    )
    expect(stats.desyncs).toBe(1)
    expect(collected.desyncs[0]).toMatch(/missing \(lost\) where a frame starts/)
  })

  it('an impossible header while in step is a desync, not a huge bogus frame', () => {
    const { requests } = realStreams()
    const garbage = Buffer.from('ffffffff0102030405060708', 'hex')
    const { framer: f, collected, stats } = framer('request')
    f.begin(true)
    f.data(Buffer.concat([requests[0]!, garbage, ...requests.slice(1)]), 1n, 0)
    expect(collected.frames.map((x) => x.hex)).toEqual(requests.map((r) => r.subarray(4).toString('hex')))
    expect(stats).toMatchObject({ desyncs: 1, resyncs: 1, skippedBytes: garbage.length })
  })

  it('the end of the stream inside a frame hands on the captured prefix as damaged', () => {
    const { requests } = realStreams()
    const { framer: f, collected } = framer('request')
    f.begin(true)
    f.data(Buffer.concat([requests[0]!, requests[1]!.subarray(0, 20)]), 1n, 0)
    f.end(2n, 10)
    expect(collected.frames[1]).toMatchObject({
      damaged: true,
      hex: requests[1]!.subarray(4, 20).toString('hex'),
    })
  })
})
