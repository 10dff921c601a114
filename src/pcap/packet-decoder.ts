import type { CapturedPacket } from './capture-packet.js'
import type { IpKey } from './ip-address.js'
import { createIpInfo, decodeIp, IpResult, ipProtocolTcp } from './ip-layer.js'
import { ipOffset, LinkResult } from './link-layer.js'
import { linkTypeName } from './link-types.js'
import { decodeTcpHeader } from './tcp-header.js'
import type { WarningLog } from './warnings.js'

/** A TCP segment lifted out of a captured packet. */
export interface TcpSegment {
  tsNs: bigint
  fileOffset: number
  ipVersion: 4 | 6
  src: IpKey
  dst: IpKey
  srcPort: number
  dstPort: number
  seq: number
  ack: number
  flags: number
  window: number
  /** The captured payload (a view into the packet). */
  payload: Buffer
  /** Payload length on the wire: larger than `payload.length` when snaplen cut the packet. */
  payloadLength: number
  /** The packet and the offsets of the TCP options, for `decodeTcpOptions` when they matter. */
  packet: Buffer
  optionsStart: number
  optionsEnd: number
}

/** What happened to the packets of a capture at the link, IP and TCP layers. */
export interface PacketStats {
  packets: number
  /** Bytes captured (sum of caplen). */
  capturedBytes: number
  /** Packets whose link layer is not IPv4/IPv6 (ARP, LLDP, …). */
  nonIp: number
  /** IP packets that are not TCP (UDP, ICMP, …). */
  nonTcp: number
  /** IPv4 fragments and IPv6 packets with a fragment header: counted, not reassembled. */
  ipFragments: number
  /** Packets cut by snaplen before the end of their TCP header: unusable. */
  truncatedHeaders: number
  /** Malformed IP or TCP headers. */
  badHeaders: number
  /** Packets of link types kafka-doctor does not decode, by link type. */
  unsupportedLinkTypes: Map<number, number>
  tcpSegments: number
  /** TCP segments whose payload snaplen cut short (the missing bytes become a gap in the stream). */
  snaplenCutSegments: number
}

export function createPacketStats(): PacketStats {
  return {
    packets: 0,
    capturedBytes: 0,
    nonIp: 0,
    nonTcp: 0,
    ipFragments: 0,
    truncatedHeaders: 0,
    badHeaders: 0,
    unsupportedLinkTypes: new Map(),
    tcpSegments: 0,
    snaplenCutSegments: 0,
  }
}

/** Link → IP → TCP for one packet at a time, counting everything it does not pass on. */
export class PacketDecoder {
  readonly stats = createPacketStats()
  private readonly ip = createIpInfo()

  constructor(private readonly warnings: WarningLog) {}

  decode(packet: CapturedPacket): TcpSegment | undefined {
    const stats = this.stats
    const data = packet.data
    stats.packets++
    stats.capturedBytes += data.length
    const ipStart = ipOffset(packet.linkType, data)
    if (ipStart < 0) {
      if (ipStart === LinkResult.NOT_IP) stats.nonIp++
      else if (ipStart === LinkResult.TRUNCATED) stats.truncatedHeaders++
      else this.unsupported(packet)
      return undefined
    }
    const ip = this.ip
    const result = decodeIp(data, ipStart, ip)
    if (result !== IpResult.OK) {
      if (result === IpResult.NOT_IP) stats.nonIp++
      else if (result === IpResult.TRUNCATED) stats.truncatedHeaders++
      else stats.badHeaders++
      return undefined
    }
    if (ip.fragment) {
      if (stats.ipFragments++ === 0)
        this.warnings.add(
          'ip-fragments',
          'the capture holds IP fragments: they are counted but not reassembled, so their TCP data is missing',
          packet.fileOffset,
        )
      return undefined
    }
    if (ip.protocol !== ipProtocolTcp) {
      stats.nonTcp++
      return undefined
    }
    const tcpStart = ip.transportOffset
    const tcp = decodeTcpHeader(data, tcpStart)
    if (!tcp) {
      if (data.length < tcpStart + 20) stats.truncatedHeaders++
      else stats.badHeaders++
      return undefined
    }
    const payloadStart = tcpStart + tcp.headerLength
    if (payloadStart > ip.wireEnd) {
      stats.badHeaders++
      return undefined
    }
    if (payloadStart > data.length) {
      stats.truncatedHeaders++
      return undefined
    }
    // Ethernet pads short frames: the IP length, not the captured length, says where the payload ends.
    const payloadLength = ip.wireEnd - payloadStart
    const payload = data.subarray(payloadStart, Math.min(ip.wireEnd, data.length))
    if (payload.length < payloadLength) stats.snaplenCutSegments++
    stats.tcpSegments++
    return {
      tsNs: packet.tsNs,
      fileOffset: packet.fileOffset,
      ipVersion: ip.version,
      src: ip.src,
      dst: ip.dst,
      srcPort: tcp.srcPort,
      dstPort: tcp.dstPort,
      seq: tcp.seq,
      ack: tcp.ack,
      flags: tcp.flags,
      window: tcp.window,
      payload,
      payloadLength,
      packet: data,
      optionsStart: tcpStart + 20,
      optionsEnd: payloadStart,
    }
  }

  private unsupported(packet: CapturedPacket): void {
    const counts = this.stats.unsupportedLinkTypes
    const seen = counts.get(packet.linkType) ?? 0
    counts.set(packet.linkType, seen + 1)
    if (seen === 0)
      this.warnings.add(
        'unsupported',
        `packets of ${linkTypeName(packet.linkType)} are not decoded (skipped)`,
        packet.fileOffset,
      )
  }
}
