import { LinkType } from './link-types.js'

/** Why a packet has no IP layer we follow (negative results of `ipOffset`). */
export const LinkResult = {
  NOT_IP: -1,
  TRUNCATED: -2,
  UNSUPPORTED_LINK: -3,
} as const

const etherTypeIpv4 = 0x0800
const etherTypeIpv6 = 0x86dd
/** 802.1Q, 802.1ad (QinQ outer tag) and the pre-standard 0x9100 outer tag. */
const vlanEtherTypes = new Set([0x8100, 0x88a8, 0x9100])
const maxVlanTags = 4
/** Address-family values BSDs, macOS and Linux use for IPv4 and IPv6 in NULL/LOOP headers. */
const afIpv4 = 2
const afIpv6 = new Set([10, 24, 28, 30])

/**
 * Offset of the IP header inside a captured packet, or a LinkResult (negative) when the packet carries
 * no IPv4/IPv6 or its link header is cut short.
 */
export function ipOffset(linkType: number, data: Buffer): number {
  switch (linkType) {
    case LinkType.ETHERNET:
      return ethernet(data)
    case LinkType.LINUX_SLL:
      if (data.length < 16) return LinkResult.TRUNCATED
      return ipEtherType(data.readUInt16BE(14)) ? 16 : LinkResult.NOT_IP
    case LinkType.LINUX_SLL2:
      if (data.length < 20) return LinkResult.TRUNCATED
      return ipEtherType(data.readUInt16BE(0)) ? 20 : LinkResult.NOT_IP
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return 0
    case LinkType.NULL:
      return loopback(data, false)
    case LinkType.LOOP:
      return loopback(data, true)
    default:
      return LinkResult.UNSUPPORTED_LINK
  }
}

function ethernet(data: Buffer): number {
  let off = 12
  for (let tags = 0; ; tags++) {
    if (data.length < off + 2) return LinkResult.TRUNCATED
    const etherType = data.readUInt16BE(off)
    if (!vlanEtherTypes.has(etherType)) return ipEtherType(etherType) ? off + 2 : LinkResult.NOT_IP
    if (tags === maxVlanTags) return LinkResult.NOT_IP
    off += 4
  }
}

function ipEtherType(etherType: number): boolean {
  return etherType === etherTypeIpv4 || etherType === etherTypeIpv6
}

/**
 * NULL stores the address family in the capturing host's byte order, which the file does not record;
 * the family values are small, so whichever reading gives a small number is the right one.
 */
function loopback(data: Buffer, networkOrder: boolean): number {
  if (data.length < 4) return LinkResult.TRUNCATED
  let family = networkOrder ? data.readUInt32BE(0) : data.readUInt32LE(0)
  if (!networkOrder && family > 0xffff) family = data.readUInt32BE(0)
  return family === afIpv4 || afIpv6.has(family) ? 4 : LinkResult.NOT_IP
}
