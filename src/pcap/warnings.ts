/**
 * Problems met while reading a capture are data, not exceptions: a truncated file, a corrupt record, a
 * stream that lost sync. Each carries the byte offset in the capture file where it was noticed, so an
 * operator can open the same spot in Wireshark (`editcap`/`dd` to cut around it) and see for themself.
 */
export const warningCodes = [
  /** The file ended in the middle of a record or block header. */
  'truncated-file',
  /** A record or block with impossible lengths; bytes were skipped to the next plausible record. */
  'corrupt-record',
  /** Corruption with no plausible record afterwards: reading stopped here. */
  'unrecoverable',
  /** A pcapng block for an interface that was never described, or an unknown link type. */
  'unsupported',
  /** IP fragments were seen; they are counted, not reassembled. */
  'ip-fragments',
  /** A TCP stream had bytes missing from the capture (dropped packets, snaplen, buffer limit). */
  'tcp-gap',
  /** A Kafka byte stream lost frame alignment and was resynchronised by the heuristic. */
  'kafka-desync',
  /** A bound (flows, buffered bytes, outstanding requests) was hit and state was dropped. */
  'limit',
] as const
export type WarningCode = (typeof warningCodes)[number]

export interface CaptureWarning {
  code: WarningCode
  message: string
  /** Byte offset in the capture file (of the record being read when the problem was noticed). */
  fileOffset: number
}

/**
 * Keeps the first `limit` warnings and counts the rest per code, so a capture with a million gaps
 * cannot grow memory through its warning list.
 */
export class WarningLog {
  readonly kept: CaptureWarning[] = []
  readonly countByCode = new Map<WarningCode, number>()
  private readonly onWarning: ((warning: CaptureWarning) => void) | undefined

  constructor(
    private readonly limit = 100,
    onWarning?: (warning: CaptureWarning) => void,
  ) {
    this.onWarning = onWarning
  }

  add(code: WarningCode, message: string, fileOffset: number): void {
    this.countByCode.set(code, (this.countByCode.get(code) ?? 0) + 1)
    const warning = { code, message, fileOffset }
    if (this.kept.length < this.limit) this.kept.push(warning)
    this.onWarning?.(warning)
  }

  get total(): number {
    let total = 0
    for (const count of this.countByCode.values()) total += count
    return total
  }
}
