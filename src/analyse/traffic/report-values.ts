/** Small conversions shared by the traffic trackers: how values appear in the report. */

/** `ip:port`, IPv6 in brackets. */
export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`
}

/** The wall-clock time of a capture timestamp; undefined when a corrupt one is beyond any date. */
export function isoTime(ns: bigint | undefined): string | undefined {
  if (ns === undefined) return undefined
  const ms = Number(ns / 1_000_000n)
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : undefined
}

/** Events per second between the first and the last of `count` events `spanS` apart. */
export function perSecond(count: number, spanS: number): number {
  if (count <= 1 || spanS <= 0) return 0
  return Math.round(((count - 1) / spanS) * 100) / 100
}

export function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000
}

/** The IP texts a broker host stands for (loopback names → both loopback addresses). */
export function addressesOf(host: string): string[] {
  const lower = host.toLowerCase()
  if (lower === 'localhost' || lower === 'localhost.localdomain' || lower === 'ip6-localhost')
    return ['127.0.0.1', '::1']
  return [host]
}
