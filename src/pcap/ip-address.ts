/**
 * Addresses inside the TCP layer are compact keys: an IPv4 address is its 32-bit value, an IPv6
 * address the 32 hex digits of its 16 bytes. They are turned into text only once per connection.
 */
export type IpKey = number | string

export function formatIp(key: IpKey): string {
  return typeof key === 'number' ? formatIpv4(key) : formatIpv6(key)
}

export function formatIpv4(value: number): string {
  return `${value >>> 24}.${(value >>> 16) & 0xff}.${(value >>> 8) & 0xff}.${value & 0xff}`
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of ≥2 zero groups as `::`. */
export function formatIpv6(hex: string): string {
  const groups: number[] = []
  for (let i = 0; i < 32; i += 4) groups.push(Number.parseInt(hex.slice(i, i + 4), 16))
  let bestStart = -1
  let bestLength = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const text = (from: number, to: number) =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(':')
  if (bestStart < 0) return text(0, 8)
  const ipv4Mapped = bestStart === 0 && bestLength === 5 && groups[5] === 0xffff
  if (ipv4Mapped) {
    const v4 = ((groups[6] ?? 0) << 16) | (groups[7] ?? 0)
    return `::ffff:${formatIpv4(v4 >>> 0)}`
  }
  return `${text(0, bestStart)}::${text(bestStart + bestLength, 8)}`
}

/** `1.2.3.4:9092` or `[::1]:9092`. */
export function formatEndpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** The key of an address given as text (for brokers learned from Metadata answers or flags). */
export function ipKeyFromText(text: string): IpKey | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text)
  if (v4) {
    const parts = v4.slice(1).map(Number)
    if (parts.some((p) => p > 255)) return undefined
    return (((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0) as number
  }
  if (!text.includes(':')) return undefined
  const bare = text.replace(/^\[|\]$/g, '')
  const halves = bare.split('::')
  if (halves.length > 2) return undefined
  const parse = (part: string | undefined) => (part ? part.split(':') : [])
  let head = parse(halves[0])
  let tail = parse(halves[1])
  const last = (tail.length > 0 ? tail : head).at(-1)
  if (last?.includes('.')) {
    const v4 = ipKeyFromText(last)
    if (typeof v4 !== 'number') return undefined
    const extra = [(v4 >>> 16).toString(16), (v4 & 0xffff).toString(16)]
    if (tail.length > 0) tail = [...tail.slice(0, -1), ...extra]
    else head = [...head.slice(0, -1), ...extra]
  }
  const missing = 8 - head.length - tail.length
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined
  const groups = [...head, ...Array<string>(missing).fill('0'), ...tail]
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined
  return groups.map((g) => g.toLowerCase().padStart(4, '0')).join('')
}
