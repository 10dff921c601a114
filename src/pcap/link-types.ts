/**
 * LINKTYPE_* values (the numbers stored in pcap and pcapng files, not the platform DLT_* values) of the
 * link layers kafka-doctor decodes.
 */
export const LinkType = {
  /** BSD loopback: 4-byte address family in the byte order of the host that captured. */
  NULL: 0,
  ETHERNET: 1,
  /** Raw IP: the packet starts with the IPv4 or IPv6 header. */
  RAW: 101,
  /** OpenBSD loopback: like NULL, but the address family is in network byte order. */
  LOOP: 108,
  /** Linux "cooked" capture v1 (`tcpdump -i any` with older libpcap). */
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  /** Linux "cooked" capture v2 (`tcpdump -i any` with libpcap ≥ 1.10). */
  LINUX_SLL2: 276,
} as const
export type LinkType = (typeof LinkType)[keyof typeof LinkType]

export const linkTypeNames: Readonly<Record<number, string>> = {
  [LinkType.NULL]: 'NULL (BSD loopback)',
  [LinkType.ETHERNET]: 'Ethernet',
  [LinkType.RAW]: 'raw IP',
  [LinkType.LOOP]: 'LOOP (OpenBSD loopback)',
  [LinkType.LINUX_SLL]: 'Linux cooked (SLL)',
  [LinkType.IPV4]: 'IPv4',
  [LinkType.IPV6]: 'IPv6',
  [LinkType.LINUX_SLL2]: 'Linux cooked v2 (SLL2)',
}

export function linkTypeName(linkType: number): string {
  return linkTypeNames[linkType] ?? `link type ${linkType}`
}
