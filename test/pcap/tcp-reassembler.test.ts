import { writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { type FixtureName, fixtureBytes, fixturePath, fixtures } from '../support/pcap-fixtures.js'
import {
  duplicateSegments,
  overlapRetransmissions,
  readClassicPcapLE,
  resegment,
  shiftSequence,
  swapPairs,
  tcpView,
} from '../support/pcap-rewrite.js'
import { writePcap } from '../support/pcap-writer.js'
import { reassemble } from '../support/tcp-recorder.js'
import { tsharkFollowTcp } from '../support/tshark.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-tcp-'))
})

/** Client port → [bytes to the broker, bytes to the client] as hex. */
function byClientPort(result: ReturnType<typeof reassemble>) {
  return new Map(result.connections.map((c) => [c.info.client.port, [c.toBroker.text, c.toClient.text]]))
}

const base = () => readClassicPcapLE(fixtureBytes('produceConsume')).packets
const port = fixtures.produceConsume.port

describe('reassembled streams equal tshark -z follow,tcp,raw on the real captures', () => {
  const names = (Object.keys(fixtures) as FixtureName[]).filter((n) => n !== 'produceConsumeSnap96')
  it.each(names)('%s', async (name) => {
    const result = reassemble(fixtureBytes(name), [fixtures[name].port])
    const follow = await tsharkFollowTcp(fixturePath(name))
    expect(result.connections.length).toBe(follow.size)
    const ours = byClientPort(result)
    for (const stream of follow.values()) {
      expect(ours.get(stream.aPort)).toEqual([stream.a, stream.b])
    }
    for (const c of result.connections) {
      expect(c.info.sawSyn).toBe(true)
      expect(c.toBroker.fromStart).toBe(true)
      expect(c.toBroker.ended && c.toClient.ended && c.closed).toBe(true)
      expect(c.info.broker.port).toBe(fixtures[name].port)
    }
    expect(result.stats.toBroker.gaps + result.stats.toClient.gaps).toBe(0)
  })
})

const original = () => byClientPort(reassemble(writePcap(base(), { linkType: 1 }), [port]))

describe('damaged orderings of the real packets reassemble to the same bytes', () => {
  it('segments split small and every pair swapped (out of order)', async () => {
    const packets = swapPairs(resegment(base(), 40))
    const result = reassemble(writePcap(packets, { linkType: 1 }), [port])
    expect(byClientPort(result)).toEqual(original())
    expect(
      result.stats.toBroker.outOfOrderSegments + result.stats.toClient.outOfOrderSegments,
    ).toBeGreaterThan(50)
    expect(result.stats.toBroker.gaps + result.stats.toClient.gaps).toBe(0)
    // tshark, with out-of-order reassembly on, agrees on the resulting streams.
    const path = join(dir, 'swapped.pcap')
    writeFileSync(path, writePcap(packets, { linkType: 1 }))
    const follow = await tsharkFollowTcp(path, ['-o', 'tcp.reassemble_out_of_order:TRUE'])
    for (const stream of follow.values())
      expect(byClientPort(result).get(stream.aPort)).toEqual([stream.a, stream.b])
  })

  it('every segment retransmitted', () => {
    const packets = duplicateSegments(base())
    const result = reassemble(writePcap(packets, { linkType: 1 }), [port])
    expect(byClientPort(result)).toEqual(original())
    const carrying = base().filter((p) => tcpView(p.data).payloadLength > 0).length
    expect(result.stats.toBroker.retransmittedSegments + result.stats.toClient.retransmittedSegments).toBe(
      carrying,
    )
  })

  it('overlapping retransmissions (resent halves)', () => {
    const result = reassemble(writePcap(overlapRetransmissions(base()), { linkType: 1 }), [port])
    expect(byClientPort(result)).toEqual(original())
    expect(
      result.stats.toBroker.retransmittedBytes + result.stats.toClient.retransmittedBytes,
    ).toBeGreaterThan(1000)
  })

  it('sequence numbers wrapping around 2^32 in the middle of both directions', () => {
    let packets = base()
    for (const p of packets) {
      const t = tcpView(p.data)
      if (t.flags & 0x02) {
        // Put the wrap 30 bytes into each direction of every connection.
        const from = t.srcPort
        const delta = (2 ** 32 - t.seq - 30) >>> 0
        packets = shiftSequence(packets, from, delta)
      }
    }
    const wrapped = packets.filter((p) => {
      const t = tcpView(p.data)
      return t.payloadLength > 0 && t.seq > 0xffff0000
    })
    expect(wrapped.length).toBeGreaterThan(0)
    const result = reassemble(writePcap(packets, { linkType: 1 }), [port])
    expect(byClientPort(result)).toEqual(original())
  })
})

describe('holes', () => {
  it('a segment missing from the capture becomes a gap of exactly its length', () => {
    const packets = base()
    const victimIndex = packets.findIndex((p, i) => i > 20 && tcpView(p.data).payloadLength > 100)
    const victim = tcpView(packets[victimIndex]!.data)
    const result = reassemble(
      writePcap(
        packets.filter((_, i) => i !== victimIndex),
        { linkType: 1 },
      ),
      [port],
    )
    const conn = result.connections.find(
      (c) => c.info.client.port === (victim.dstPort === port ? victim.srcPort : victim.dstPort),
    )!
    const stream = victim.dstPort === port ? conn.toBroker : conn.toClient
    expect(stream.gaps).toEqual([{ length: victim.payloadLength, reason: 'lost' }])
    const before = original().get(conn.info.client.port)![victim.dstPort === port ? 0 : 1]!
    // Same bytes as the full capture with the victim's bytes replaced by the gap marker.
    const victimHex = packets[victimIndex]!.data.subarray(
      victim.payload,
      victim.payload + victim.payloadLength,
    ).toString('hex')
    expect(stream.text).toBe(before.replace(victimHex, `[gap ${victim.payloadLength} lost]`))
  })

  it('snaplen: the captured part of each segment, then a gap for the rest', () => {
    const snap = reassemble(fixtureBytes('produceConsumeSnap96'), [port])
    const full = reassemble(fixtureBytes('produceConsume'), [port])
    expect(snap.connections.length).toBe(full.connections.length)
    for (const [i, c] of snap.connections.entries()) {
      const f = full.connections[i]!
      expect(c.info.client).toEqual(f.info.client)
      for (const dir of ['toBroker', 'toClient'] as const) {
        // Each gap says exactly how many bytes are missing: the sum matches the full stream.
        const missing = c[dir].gaps.reduce((n, g) => n + g.length, 0)
        expect(c[dir].hex.length / 2 + missing).toBe(f[dir].hex.length / 2)
        expect(c[dir].gaps.every((g) => g.reason === 'snaplen')).toBe(true)
      }
    }
    expect(snap.stats.toClient.gaps).toBeGreaterThan(0)
  })

  it('a capture that starts mid-connection delivers from the first segment it has', () => {
    const packets = base()
    // Cut 10 packets after the SYN of the connection with the most packets.
    const perPort = new Map<number, number>()
    for (const p of packets) {
      const t = tcpView(p.data)
      const client = t.dstPort === port ? t.srcPort : t.dstPort
      perPort.set(client, (perPort.get(client) ?? 0) + 1)
    }
    const busiest = [...perPort].sort((a, b) => b[1] - a[1])[0]![0]
    const cut = packets.findIndex((p) => tcpView(p.data).srcPort === busiest) + 10
    const result = reassemble(writePcap(packets.slice(cut), { linkType: 1 }), [port])
    const full = original()
    for (const c of result.connections) {
      if (c.info.sawSyn) continue
      expect(c.toBroker.fromStart === false || c.toClient.fromStart === false).toBe(true)
      const [toBroker, toClient] = full.get(c.info.client.port)!
      expect(toBroker!.endsWith(c.toBroker.hex)).toBe(true)
      expect(toClient!.endsWith(c.toClient.hex)).toBe(true)
    }
    expect(result.connections.some((c) => !c.info.sawSyn)).toBe(true)
  })

  it('holds at most maxOutOfOrderBytes waiting for a hole, then gives up on it', () => {
    // Drop a segment and every ACK after it, so nothing says the hole was lost by the capture.
    const packets = resegment(base(), 40)
    const victimIndex = packets.findIndex((p, i) => i > 40 && tcpView(p.data).payloadLength > 0)
    const victim = tcpView(packets[victimIndex]!.data)
    const kept = packets.filter((p, i) => {
      if (i === victimIndex) return false
      const t = tcpView(p.data)
      return !(i > victimIndex && t.srcPort === victim.dstPort && t.dstPort === victim.srcPort)
    })
    const result = reassemble(writePcap(kept, { linkType: 1 }), [port], { maxOutOfOrderBytes: 100 })
    const reasons = result.connections.flatMap((c) =>
      [...c.toBroker.gaps, ...c.toClient.gaps].map((g) => g.reason),
    )
    expect(reasons).toContain('limit')
  })
})

describe('connection bookkeeping', () => {
  it('finds the broker side by port, counts other traffic, ends streams on FIN', () => {
    const result = reassemble(fixtureBytes('produceConsume'), [port])
    expect(result.stats.connections).toBe(result.connections.length)
    expect(result.stats.connectionsWithSyn).toBe(result.connections.length)
    for (const c of result.connections) {
      expect(c.info.broker).toEqual({ ip: '127.0.0.1', port })
      expect(c.info.client.ip).toBe('127.0.0.1')
    }
    const none = reassemble(fixtureBytes('produceConsume'), [9092])
    expect(none.connections).toEqual([])
    expect(none.stats.nonKafkaSegments).toBe(99)
  })

  it('evicts connections idle longer than the timeout, and the oldest beyond the connection bound', () => {
    const packets = base()
    // The first half of the capture, then an hour of silence: connections open at the cut go idle.
    const half = packets.slice(0, Math.floor(packets.length / 2))
    // Enough packets to pass a sweep (every 65,536 packets): repeat a pure ACK an hour later.
    const ack = packets.find((p) => tcpView(p.data).payloadLength === 0 && tcpView(p.data).flags === 0x10)!
    const noise = Array.from({ length: 70_000 }, () => ({ ...ack, tsNs: ack.tsNs + 3_600_000_000_000n }))
    const result = reassemble(writePcap([...half, ...noise], { linkType: 1 }), [port], {
      idleTimeoutNs: 60_000_000_000n,
    })
    expect(result.stats.evicted).toBeGreaterThan(0)
    const bounded = reassemble(fixtureBytes('produceConsume'), [port], { maxConnections: 2 })
    expect(bounded.stats.evicted).toBeGreaterThan(0)
    expect(bounded.warnings.kept.some((w) => w.code === 'limit')).toBe(true)
  })
})
