import { writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { ipOffset, LinkResult } from '../../src/pcap/link-layer.js'
import { LinkType } from '../../src/pcap/link-types.js'
import { fixtureBytes, tcpSegmentsOf } from '../support/pcap-fixtures.js'
import { type LinkRewrite, readClassicPcapLE, relink } from '../support/pcap-rewrite.js'
import { writePcap } from '../support/pcap-writer.js'
import { tsharkFields } from '../support/tshark.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-link-'))
})

/** tshark's TCP view of a file: ports, seq (absolute) and payload length per segment. */
async function tsharkTcp(path: string) {
  const rows = await tsharkFields(path, ['tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.len'], {
    filter: 'tcp',
  })
  return rows.map(([s, d, q, l]) => [Number(s), Number(d), Number(q), Number(l)])
}

describe('every link type carries the same TCP segments as the real Ethernet capture', () => {
  const ethernet = fixtureBytes('produceConsume')
  const v6 = fixtureBytes('ipv6')
  const cases: Array<[LinkRewrite, number, Buffer]> = [
    ['raw', LinkType.RAW, ethernet],
    ['raw', LinkType.RAW, v6],
    ['ipv4', LinkType.IPV4, ethernet],
    ['ipv6', LinkType.IPV6, v6],
    ['null-le', LinkType.NULL, ethernet],
    ['null-le', LinkType.NULL, v6],
    ['null-be', LinkType.NULL, ethernet],
    ['null-be', LinkType.NULL, v6],
    ['loop', LinkType.LOOP, ethernet],
    ['loop', LinkType.LOOP, v6],
    ['sll', LinkType.LINUX_SLL, v6],
    ['sll2', LinkType.LINUX_SLL2, v6],
    ['vlan', LinkType.ETHERNET, ethernet],
    ['qinq', LinkType.ETHERNET, ethernet],
    ['qinq', LinkType.ETHERNET, v6],
  ]
  it.each(
    cases.map(
      ([rewrite, linkType, source], i) =>
        [`${rewrite}/${source === v6 ? 'ipv6' : 'ipv4'}`, rewrite, linkType, source, i] as const,
    ),
  )('%s', async (_label, rewrite, linkType, source, i) => {
    const original = tcpSegmentsOf(source)
    const packets = readClassicPcapLE(source).packets.map((p) => relink(p, rewrite))
    const bytes = writePcap(packets, { linkType })
    const derived = tcpSegmentsOf(bytes)
    expect(derived.segments.length).toBeGreaterThan(20)
    expect(derived.segments).toEqual(original.segments)
    expect(derived.stats).toMatchObject({ nonIp: 0, truncatedHeaders: 0, badHeaders: 0 })
    const path = join(dir, `${i}.pcap`)
    writeFileSync(path, bytes)
    const tshark = await tsharkTcp(path)
    expect(derived.segments.map((s) => [s.srcPort, s.dstPort, s.seq, s.payloadLength])).toEqual(tshark)
  })

  it('the real -i any captures (SLL and SLL2, taken at the same time) carry the same segments', async () => {
    const sll = tcpSegmentsOf(fixtureBytes('anySll'))
    const sll2 = tcpSegmentsOf(fixtureBytes('anySll2'))
    expect(sll.segments.length).toBe(28)
    expect(sll2.segments).toEqual(sll.segments)
  })
})

describe('packets without IP', () => {
  it('non-IP Ethernet, an unknown address family and short headers are told apart', () => {
    const arp = Buffer.alloc(42)
    arp.writeUInt16BE(0x0806, 12)
    expect(ipOffset(LinkType.ETHERNET, arp)).toBe(LinkResult.NOT_IP)
    expect(ipOffset(LinkType.ETHERNET, Buffer.alloc(10))).toBe(LinkResult.TRUNCATED)
    const tagged = Buffer.alloc(40)
    tagged.writeUInt16BE(0x8100, 12)
    tagged.writeUInt16BE(0x0800, 16)
    expect(ipOffset(LinkType.ETHERNET, tagged)).toBe(18)
    const unknownFamily = Buffer.from([7, 0, 0, 0, 0x45])
    expect(ipOffset(LinkType.NULL, unknownFamily)).toBe(LinkResult.NOT_IP)
    expect(ipOffset(LinkType.LINUX_SLL2, Buffer.alloc(19))).toBe(LinkResult.TRUNCATED)
    expect(ipOffset(147, Buffer.alloc(40))).toBe(LinkResult.UNSUPPORTED_LINK)
  })

  it('a capture of an unsupported link type is counted and warned about once', () => {
    const packets = readClassicPcapLE(fixtureBytes('produceConsume')).packets
    const { segments, stats, warnings } = tcpSegmentsOf(writePcap(packets, { linkType: 147 }))
    expect(segments).toEqual([])
    expect(stats.unsupportedLinkTypes.get(147)).toBe(packets.length)
    expect(warnings.kept).toEqual([expect.objectContaining({ code: 'unsupported', fileOffset: 24 })])
  })
})
