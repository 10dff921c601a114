import type { IpKey } from './ip-address.js'

/** What the IP layer tells the TCP layer. One instance is reused for every packet. */
export interface IpInfo {
  version: 4 | 6
  src: IpKey
  dst: IpKey
  /** Transport protocol number (6 = TCP) after IPv6 extension headers. */
  protocol: number
  /** Offset of the transport header in the packet. */
  transportOffset: number
  /** Where the IP payload ends on the wire (may lie beyond the captured bytes when snaplen cut it). */
  wireEnd: number
  /** IPv4 fragment or IPv6 fragment header: not reassembled, flagged. */
  fragment: boolean
}

export const IpResult = {
  OK: 0,
  NOT_IP: 1,
  TRUNCATED: 2,
  BAD_HEADER: 3,
} as const
export type IpResult = (typeof IpResult)[keyof typeof IpResult]

export const ipProtocolTcp = 6

export function createIpInfo(): IpInfo {
  return { version: 4, src: 0, dst: 0, protocol: 0, transportOffset: 0, wireEnd: 0, fragment: false }
}

/** Decodes the IPv4 or IPv6 header at `off` into `out`. */
export function decodeIp(data: Buffer, off: number, out: IpInfo): IpResult {
  if (data.length <= off) return IpResult.TRUNCATED
  const version = data[off]! >> 4
  if (version === 4) return decodeIpv4(data, off, out)
  if (version === 6) return decodeIpv6(data, off, out)
  return IpResult.NOT_IP
}

function decodeIpv4(data: Buffer, off: number, out: IpInfo): IpResult {
  if (data.length < off + 20) return IpResult.TRUNCATED
  const headerLength = (data[off]! & 0x0f) * 4
  if (headerLength < 20) return IpResult.BAD_HEADER
  if (data.length < off + headerLength) return IpResult.TRUNCATED
  let totalLength = data.readUInt16BE(off + 2)
  // Total length 0 is what segmentation offload leaves in locally captured oversized packets.
  if (totalLength === 0) totalLength = data.length - off
  if (totalLength < headerLength) return IpResult.BAD_HEADER
  const fragmentWord = data.readUInt16BE(off + 6)
  out.version = 4
  out.fragment = (fragmentWord & 0x3fff) !== 0 // more-fragments flag or a fragment offset
  out.protocol = data[off + 9]!
  out.src = data.readUInt32BE(off + 12)
  out.dst = data.readUInt32BE(off + 16)
  out.transportOffset = off + headerLength
  out.wireEnd = off + totalLength
  return IpResult.OK
}

const hopByHop = 0
const routing = 43
const fragmentHeader = 44
const destinationOptions = 60
const authentication = 51
const noNextHeader = 59
const mobility = 135
const hostIdentity = 139
const shim6 = 140
const maxExtensionHeaders = 16

function decodeIpv6(data: Buffer, off: number, out: IpInfo): IpResult {
  if (data.length < off + 40) return IpResult.TRUNCATED
  let payloadLength = data.readUInt16BE(off + 4)
  // 0 means a jumbogram or an offloaded segment: the captured length is the best we know.
  if (payloadLength === 0) payloadLength = data.length - off - 40
  out.version = 6
  out.fragment = false
  out.src = data.toString('hex', off + 8, off + 24)
  out.dst = data.toString('hex', off + 24, off + 40)
  out.wireEnd = off + 40 + payloadLength
  let next = data[off + 6]!
  let pos = off + 40
  for (let i = 0; i < maxExtensionHeaders; i++) {
    switch (next) {
      case hopByHop:
      case routing:
      case destinationOptions:
      case mobility:
      case hostIdentity:
      case shim6: {
        if (data.length < pos + 2) return IpResult.TRUNCATED
        const nextHeader = data[pos]!
        pos += (data[pos + 1]! + 1) * 8
        next = nextHeader
        continue
      }
      case fragmentHeader: {
        if (data.length < pos + 8) return IpResult.TRUNCATED
        const word = data.readUInt16BE(pos + 2)
        // Offset ≠ 0 or M set: a real fragment. Both 0 is an "atomic fragment", whole by itself.
        if ((word & 0xfff9) !== 0) out.fragment = true
        next = data[pos]!
        pos += 8
        continue
      }
      case authentication: {
        if (data.length < pos + 2) return IpResult.TRUNCATED
        const nextHeader = data[pos]!
        pos += (data[pos + 1]! + 2) * 4
        next = nextHeader
        continue
      }
      case noNextHeader:
        out.protocol = next
        out.transportOffset = pos
        return IpResult.OK
      default:
        out.protocol = next
        out.transportOffset = pos
        return pos > out.wireEnd ? IpResult.BAD_HEADER : IpResult.OK
    }
  }
  return IpResult.BAD_HEADER
}
