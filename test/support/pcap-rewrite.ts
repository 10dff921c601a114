import type { PacketRecord } from './pcap-writer.js'

/**
 * Derives test captures from real ones: other link layers, VLAN tags, IP options and extension headers,
 * fragments, reordered / duplicated / dropped TCP segments, shifted sequence numbers. Works on the
 * packets of a little-endian classic pcap with Ethernet framing (what `tcpdump -i lo` writes here),
 * read by this file's own minimal reader so that the reader under test is not its own reference.
 */

export interface ClassicPcap {
  nanoseconds: boolean
  linkType: number
  packets: PacketRecord[]
}

export function readClassicPcapLE(file: Buffer): ClassicPcap {
  const magic = file.readUInt32LE(0)
  if (magic !== 0xa1b2c3d4 && magic !== 0xa1b23c4d) throw new Error('test reader: LE pcap only')
  const nanoseconds = magic === 0xa1b23c4d
  const linkType = file.readUInt32LE(20) & 0xffff
  const packets: PacketRecord[] = []
  for (let off = 24; off + 16 <= file.length; ) {
    const sec = BigInt(file.readUInt32LE(off))
    const frac = BigInt(file.readUInt32LE(off + 4))
    const caplen = file.readUInt32LE(off + 8)
    const originalLength = file.readUInt32LE(off + 12)
    packets.push({
      tsNs: sec * 1_000_000_000n + (nanoseconds ? frac : frac * 1000n),
      data: Buffer.from(file.subarray(off + 16, off + 16 + caplen)),
      originalLength,
    })
    off += 16 + caplen
  }
  return { nanoseconds, linkType, packets }
}

const ethernetHeader = 14

function etherType(frame: Buffer): number {
  return frame.readUInt16BE(12)
}

/** The IP packet inside an Ethernet frame. */
export function ipOf(frame: Buffer): Buffer {
  return frame.subarray(ethernetHeader)
}

export type LinkRewrite =
  | 'raw'
  | 'ipv4'
  | 'ipv6'
  | 'null-le'
  | 'null-be'
  | 'loop'
  | 'sll'
  | 'sll2'
  | 'vlan'
  | 'qinq'

/** Re-frames Ethernet packets for another link type (the IP packet is unchanged). */
export function relink(packet: PacketRecord, to: LinkRewrite): PacketRecord {
  const frame = packet.data
  const ip = ipOf(frame)
  const v6 = etherType(frame) === 0x86dd
  const grow = (header: Buffer, body: Buffer): PacketRecord => ({
    tsNs: packet.tsNs,
    data: Buffer.concat([header, body]),
    originalLength: (packet.originalLength ?? frame.length) - frame.length + header.length + body.length,
  })
  switch (to) {
    case 'raw':
    case 'ipv4':
    case 'ipv6':
      return grow(Buffer.alloc(0), ip)
    case 'null-le': {
      const h = Buffer.alloc(4)
      h.writeUInt32LE(v6 ? 30 : 2) // Darwin's AF_INET6
      return grow(h, ip)
    }
    case 'null-be': {
      const h = Buffer.alloc(4)
      h.writeUInt32BE(v6 ? 28 : 2) // FreeBSD's AF_INET6, from a big-endian host
      return grow(h, ip)
    }
    case 'loop': {
      const h = Buffer.alloc(4)
      h.writeUInt32BE(v6 ? 24 : 2)
      return grow(h, ip)
    }
    case 'sll': {
      const h = Buffer.alloc(16)
      h.writeUInt16BE(0, 0) // incoming
      h.writeUInt16BE(772, 2) // ARPHRD_LOOPBACK
      h.writeUInt16BE(6, 4)
      frame.copy(h, 6, 6, 12)
      h.writeUInt16BE(etherType(frame), 14)
      return grow(h, ip)
    }
    case 'sll2': {
      const h = Buffer.alloc(20)
      h.writeUInt16BE(etherType(frame), 0)
      h.writeUInt32BE(1, 4) // ifindex
      h.writeUInt16BE(772, 8)
      h[10] = 0
      h[11] = 6
      frame.copy(h, 12, 6, 12)
      return grow(h, ip)
    }
    case 'vlan':
    case 'qinq': {
      const tags =
        to === 'vlan'
          ? Buffer.from([0x81, 0x00, 0x00, 0x64])
          : Buffer.from([0x88, 0xa8, 0x00, 0xc8, 0x81, 0x00, 0x00, 0x64])
      return grow(Buffer.concat([frame.subarray(0, 12), tags, frame.subarray(12, 14)]), ip)
    }
  }
}

/** Where the TCP header and payload of an Ethernet/IPv4 frame are. */
export function tcpView(frame: Buffer) {
  const ip = ethernetHeader
  const ihl = (frame[ip]! & 0x0f) * 4
  const tcp = ip + ihl
  const dataOffset = (frame[tcp + 12]! >> 4) * 4
  const total = frame.readUInt16BE(ip + 2)
  return {
    ip,
    ihl,
    tcp,
    payload: tcp + dataOffset,
    payloadLength: ip + total - (tcp + dataOffset),
    srcPort: frame.readUInt16BE(tcp),
    dstPort: frame.readUInt16BE(tcp + 2),
    seq: frame.readUInt32BE(tcp + 4),
    ack: frame.readUInt32BE(tcp + 8),
    flags: frame[tcp + 13]!,
  }
}

/** Adds 8 bytes of IPv4 options (NOPs and an end-of-list) to an Ethernet/IPv4 frame. */
export function withIpv4Options(packet: PacketRecord): PacketRecord {
  const f = packet.data
  const ihl = (f[ethernetHeader]! & 0x0f) * 4
  const options = Buffer.from([1, 1, 1, 1, 1, 1, 1, 0])
  const data = Buffer.concat([f.subarray(0, ethernetHeader + ihl), options, f.subarray(ethernetHeader + ihl)])
  data[ethernetHeader] = 0x40 | ((ihl + 8) / 4)
  data.writeUInt16BE(data.readUInt16BE(ethernetHeader + 2) + 8, ethernetHeader + 2)
  return { tsNs: packet.tsNs, data, originalLength: (packet.originalLength ?? f.length) + 8 }
}

/**
 * Converts an Ethernet/IPv4 TCP frame to Ethernet/IPv6 (same ports, seq, payload; ::1 → ::1 style
 * addresses), optionally with hop-by-hop and destination-options extension headers in front of TCP.
 */
export function toIpv6(packet: PacketRecord, extensionHeaders: boolean): PacketRecord {
  const f = packet.data
  const ihl = (f[ethernetHeader]! & 0x0f) * 4
  const total = f.readUInt16BE(ethernetHeader + 2)
  const transport = f.subarray(ethernetHeader + ihl, ethernetHeader + total)
  const ext = extensionHeaders
    ? Buffer.from([60, 0, 1, 4, 0, 0, 0, 0, /* dest opts: */ 6, 0, 1, 4, 0, 0, 0, 0])
    : Buffer.alloc(0)
  const h = Buffer.alloc(40)
  h[0] = 0x60
  h.writeUInt16BE(transport.length + ext.length, 4)
  h[6] = extensionHeaders ? 0 : 6
  h[7] = 64
  // src/dst: ::ffff-free documentation prefix with the IPv4 last byte, so flows stay distinct.
  h.writeUInt16BE(0x2001, 8)
  h.writeUInt16BE(0x0db8, 10)
  f.copy(h, 20, ethernetHeader + 12, ethernetHeader + 16)
  h.writeUInt16BE(0x2001, 24)
  h.writeUInt16BE(0x0db8, 26)
  f.copy(h, 36, ethernetHeader + 16, ethernetHeader + 20)
  const eth = Buffer.from(f.subarray(0, ethernetHeader))
  eth.writeUInt16BE(0x86dd, 12)
  const data = Buffer.concat([eth, h, ext, transport])
  return { tsNs: packet.tsNs, data, originalLength: data.length }
}

/** Splits an Ethernet/IPv4 frame into two IPv4 fragments (the first carries `firstBytes` of IP payload). */
export function fragment(packet: PacketRecord, firstBytes: number): PacketRecord[] {
  const f = packet.data
  const ihl = (f[ethernetHeader]! & 0x0f) * 4
  const total = f.readUInt16BE(ethernetHeader + 2)
  const header = f.subarray(0, ethernetHeader + ihl)
  const payload = f.subarray(ethernetHeader + ihl, ethernetHeader + total)
  const cut = firstBytes - (firstBytes % 8)
  const make = (body: Buffer, offset: number, more: boolean): PacketRecord => {
    const data = Buffer.concat([header, body])
    data.writeUInt16BE(ihl + body.length, ethernetHeader + 2)
    data.writeUInt16BE((more ? 0x2000 : 0) | (offset / 8), ethernetHeader + 6)
    return { tsNs: packet.tsNs, data, originalLength: data.length }
  }
  return [make(payload.subarray(0, cut), 0, true), make(payload.subarray(cut), cut, false)]
}

/** Adds `delta` to the sequence numbers of segments sent from `port`, and to the acks sent to it. */
export function shiftSequence(packets: PacketRecord[], port: number, delta: number): PacketRecord[] {
  return packets.map((p) => {
    const data = Buffer.from(p.data)
    const t = tcpView(data)
    if (t.srcPort === port) data.writeUInt32BE((t.seq + delta) >>> 0, t.tcp + 4)
    if (t.dstPort === port && t.flags & 0x10) data.writeUInt32BE((t.ack + delta) >>> 0, t.tcp + 8)
    return { ...p, data }
  })
}

/** Splits every TCP payload larger than `size` into several segments of at most `size` bytes. */
export function resegment(packets: PacketRecord[], size: number): PacketRecord[] {
  const out: PacketRecord[] = []
  for (const p of packets) {
    const t = tcpView(p.data)
    if (t.payloadLength <= size) {
      out.push(p)
      continue
    }
    for (let start = 0; start < t.payloadLength; start += size) {
      const n = Math.min(size, t.payloadLength - start)
      const data = Buffer.concat([
        p.data.subarray(0, t.payload),
        p.data.subarray(t.payload + start, t.payload + start + n),
      ])
      data.writeUInt16BE(t.payload - t.ip + n, t.ip + 2)
      data.writeUInt32BE((t.seq + start) >>> 0, t.tcp + 4)
      out.push({ tsNs: p.tsNs, data, originalLength: data.length })
    }
  }
  return out
}

/**
 * Swaps back-to-back data segments of the same direction of a connection (nothing from the peer in
 * between, as on the wire): every such pair arrives out of order.
 */
export function swapPairs(packets: PacketRecord[]): PacketRecord[] {
  const out = [...packets]
  for (let i = 0; i + 1 < out.length; i++) {
    const a = tcpView(out[i]!.data)
    const b = tcpView(out[i + 1]!.data)
    if (a.payloadLength === 0 || b.payloadLength === 0) continue
    if (a.srcPort !== b.srcPort || a.dstPort !== b.dstPort) continue
    ;[out[i], out[i + 1]] = [out[i + 1]!, out[i]!]
    i++
  }
  return out
}

/** Sends every payload-carrying segment twice, the copy after the next packet (retransmissions). */
export function duplicateSegments(packets: PacketRecord[]): PacketRecord[] {
  const out: PacketRecord[] = []
  let pending: PacketRecord | undefined
  for (const p of packets) {
    out.push(p)
    if (pending) {
      out.push(pending)
      pending = undefined
    }
    if (tcpView(p.data).payloadLength > 0) pending = p
  }
  if (pending) out.push(pending)
  return out
}

/**
 * Adds overlapping retransmissions: after each segment of more than 16 bytes comes a copy of its second
 * half merged with the first half of the next one in the same direction (a repacketised resend).
 */
export function overlapRetransmissions(packets: PacketRecord[]): PacketRecord[] {
  const out: PacketRecord[] = []
  for (let i = 0; i < packets.length; i++) {
    const p = packets[i]!
    out.push(p)
    const t = tcpView(p.data)
    if (t.payloadLength <= 16) continue
    const half = Math.floor(t.payloadLength / 2)
    const data = Buffer.concat([
      p.data.subarray(0, t.payload),
      p.data.subarray(t.payload + half, t.payload + t.payloadLength),
    ])
    data.writeUInt16BE(t.payload - t.ip + (t.payloadLength - half), t.ip + 2)
    data.writeUInt32BE((t.seq + half) >>> 0, t.tcp + 4)
    out.push({ tsNs: p.tsNs, data, originalLength: data.length })
  }
  return out
}
