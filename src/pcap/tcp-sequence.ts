/**
 * TCP sequence numbers are 32-bit and wrap around; comparisons are made on the signed 32-bit difference
 * (RFC 1982 serial number arithmetic), valid while the two numbers are less than 2^31 apart.
 */

/** b - a as a signed 32-bit number: > 0 when b is after a. */
export function seqDiff(a: number, b: number): number {
  return (b - a) | 0
}

export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0
}
