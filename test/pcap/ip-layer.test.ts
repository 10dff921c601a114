import { writeFileSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { formatIp, ipKeyFromText } from '../../src/pcap/ip-address.js'
import { createIpInfo, decodeIp, IpResult } from '../../src/pcap/ip-layer.js'
import { fixtureBytes, tcpSegmentsOf } from '../support/pcap-fixtures.js'
import { fragment, readClassicPcapLE, tcpView, toIpv6, withIpv4Options } from '../support/pcap-rewrite.js'
import { writePcap } from '../support/pcap-writer.js'
import { tsharkFields } from '../support/tshark.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kd-ip-'))
})

const packets = () => readClassicPcapLE(fixtureBytes('produceConsume')).packets

describe('IPv4', () => {
  it('reads past header options to the same TCP segments', () => {
    const original = tcpSegmentsOf(fixtureBytes('produceConsume'))
    const withOptions = tcpSegmentsOf(writePcap(packets().map(withIpv4Options), { linkType: 1 }))
    expect(withOptions.segments).toEqual(original.segments)
  })

  it('flags and counts fragments (never passes half a segment on), and tshark sees the same fragments', async () => {
    const all = packets()
    const big = all.findIndex((p) => tcpView(p.data).payloadLength > 200)
    const derived = [...all.slice(0, big), ...fragment(all[big]!, 120), ...all.slice(big + 1)]
    const bytes = writePcap(derived, { linkType: 1 })
    const { stats, warnings, segments } = tcpSegmentsOf(bytes)
    expect(stats.ipFragments).toBe(2)
    expect(segments.length).toBe(all.length - 1)
    expect(warnings.kept).toEqual([
      expect.objectContaining({
        code: 'ip-fragments',
        fileOffset: 24 + all.slice(0, big).reduce((n, p) => n + 16 + p.data.length, 0),
      }),
    ])
    const path = join(dir, 'fragments.pcap')
    writeFileSync(path, bytes)
    const tshark = await tsharkFields(path, ['frame.number'], {
      filter: 'ip.flags.mf == 1 || ip.frag_offset > 0',
    })
    expect(tshark.length).toBe(stats.ipFragments)
  })
})

describe('IPv6', () => {
  it('the real ::1 capture: addresses and segments', () => {
    const { segments, stats } = tcpSegmentsOf(fixtureBytes('ipv6'))
    expect(stats.tcpSegments).toBe(25)
    expect(segments.every((s) => s.srcPort === 19094 || s.dstPort === 19094)).toBe(true)
    const ip = createIpInfo()
    const first = readClassicPcapLE(fixtureBytes('ipv6')).packets[0]!.data
    expect(decodeIp(first, 14, ip)).toBe(IpResult.OK)
    expect(formatIp(ip.src)).toBe('::1')
    expect(ip.version).toBe(6)
  })

  it('walks hop-by-hop and destination-options headers to TCP, as tshark does', async () => {
    const plain = tcpSegmentsOf(
      writePcap(
        packets().map((p) => toIpv6(p, false)),
        { linkType: 1 },
      ),
    )
    const bytes = writePcap(
      packets().map((p) => toIpv6(p, true)),
      { linkType: 1 },
    )
    const extended = tcpSegmentsOf(bytes)
    expect(extended.segments).toEqual(plain.segments)
    expect(extended.segments).toEqual(tcpSegmentsOf(fixtureBytes('produceConsume')).segments)
    const path = join(dir, 'ext.pcap')
    writeFileSync(path, bytes)
    const tshark = await tsharkFields(path, ['tcp.len'], { filter: 'ipv6.hopopts && ipv6.dstopts && tcp' })
    expect(tshark.map(([n]) => Number(n))).toEqual(extended.segments.map((s) => s.payloadLength))
  })

  it('flags a fragment header with an offset or more-fragments set', () => {
    const v6 = toIpv6(packets()[5]!, false).data
    // Insert a fragment header (next = TCP, offset 0, M = 1) after the fixed header.
    const frag = Buffer.from([6, 0, 0, 1, 0, 0, 0, 42])
    const data = Buffer.concat([v6.subarray(0, 54), frag, v6.subarray(54)])
    data[14 + 6] = 44
    data.writeUInt16BE(data.readUInt16BE(14 + 4) + 8, 14 + 4)
    const ip = createIpInfo()
    expect(decodeIp(data, 14, ip)).toBe(IpResult.OK)
    expect(ip.fragment).toBe(true)
    frag[3] = 0 // atomic fragment: offset 0, M 0 — a whole packet
    const atomic = Buffer.concat([v6.subarray(0, 54), frag, v6.subarray(54)])
    atomic[14 + 6] = 44
    expect(decodeIp(atomic, 14, ip)).toBe(IpResult.OK)
    expect(ip.fragment).toBe(false)
    expect(ip.protocol).toBe(6)
  })
})

describe('addresses', () => {
  it('formats and parses IPv4 and IPv6 text (RFC 5952)', () => {
    for (const text of [
      '127.0.0.1',
      '10.1.2.3',
      '::1',
      '2001:db8::7f00:1',
      'fe80::1:2:3:4',
      '::ffff:10.0.0.1',
      '1:2:3:4:5:6:7:8',
    ])
      expect(formatIp(ipKeyFromText(text)!)).toBe(text)
    expect(formatIp(ipKeyFromText('2001:0DB8:0000:0000:0000:0000:0000:0001')!)).toBe('2001:db8::1')
    expect(ipKeyFromText('broker-1.example')).toBeUndefined()
    expect(ipKeyFromText('300.1.1.1')).toBeUndefined()
    expect(ipKeyFromText('1::2::3')).toBeUndefined()
  })
})
