import type { CapturedPacket, CaptureFileInfo } from './capture-packet.js'
import type { RecordFormat } from './record-format.js'

/** Magic numbers of the classic pcap file header, as read in big-endian order. */
export const pcapMagic = {
  microsecondsBig: 0xa1b2c3d4,
  microsecondsLittle: 0xd4c3b2a1,
  nanosecondsBig: 0xa1b23c4d,
  nanosecondsLittle: 0x4d3cb2a1,
} as const

const fileHeaderSize = 24
const recordHeaderSize = 16
/**
 * libpcap refuses records above 256 KiB unless the file's snaplen is larger; we do the same, so a
 * corrupt length is caught instead of swallowing the rest of the file as one record.
 */
const defaultMaxCaplen = 262_144
/** Seconds a resynchronised record's timestamp may differ from the last good one. */
const resyncTimeWindow = 86_400

/**
 * Classic pcap (pcap-savefile(5)): a 24-byte file header, then records of a 16-byte header (ts_sec,
 * ts_usec or ts_nsec, incl_len, orig_len) and incl_len bytes. Both byte orders, µs and ns precision.
 */
export class PcapFormat implements RecordFormat {
  readonly scanStep = 1
  private littleEndian = false
  private nanoseconds = false
  private linkType = 0
  private maxCaplen = defaultMaxCaplen
  private headerDone = false
  private lastSeconds = -1

  constructor(
    private readonly info: CaptureFileInfo,
    private readonly onPacket: (packet: CapturedPacket) => void,
  ) {}

  get headerSize(): number {
    return this.headerDone ? recordHeaderSize : fileHeaderSize
  }

  recordLength(buf: Buffer, off: number): number {
    if (!this.headerDone) return fileHeaderSize
    const caplen = this.u32(buf, off + 8)
    if (caplen > this.maxCaplen) return -1
    return recordHeaderSize + caplen
  }

  parse(buf: Buffer, off: number, length: number, fileOffset: number): boolean {
    if (!this.headerDone) return this.parseFileHeader(buf, off)
    const seconds = this.u32(buf, off)
    const fraction = this.u32(buf, off + 4)
    const caplen = length - recordHeaderSize
    const originalLength = this.u32(buf, off + 12)
    if (fraction >= (this.nanoseconds ? 1_000_000_000 : 1_000_000)) return false
    this.lastSeconds = seconds
    // seconds * 1e6 stays below 2^53 until the year 2255, so the µs sum is exact as a Number.
    const tsNs = this.nanoseconds
      ? BigInt(seconds) * 1_000_000_000n + BigInt(fraction)
      : BigInt(seconds * 1_000_000 + fraction) * 1000n
    this.onPacket({
      tsNs,
      linkType: this.linkType,
      data: buf.subarray(off + recordHeaderSize, off + length),
      originalLength: Math.max(originalLength, caplen),
      fileOffset,
      interfaceId: 0,
    })
    return true
  }

  plausibleAt(buf: Buffer, off: number, end: number, eof: boolean): 'yes' | 'no' | 'more' {
    const first = this.plausibleHeader(buf, off, end)
    if (first !== 'yes') return first === 'more' && eof ? 'no' : first
    // One plausible header can be chance; two chained ones are not. At the end of the file a single
    // plausible record (complete or cut short) is all there is to check.
    const next = off + recordHeaderSize + this.u32(buf, off + 8)
    if (next >= end) return eof ? 'yes' : 'more'
    const second = this.plausibleHeader(buf, next, end)
    return second === 'more' && eof ? 'yes' : second
  }

  describe(buf: Buffer, off: number): string {
    if (off + recordHeaderSize > buf.length) return 'pcap record'
    return `pcap record claiming ${this.u32(buf, off + 8)} captured bytes`
  }

  private plausibleHeader(buf: Buffer, off: number, end: number): 'yes' | 'no' | 'more' {
    if (off + recordHeaderSize > end) return 'more'
    const seconds = this.u32(buf, off)
    const fraction = this.u32(buf, off + 4)
    const caplen = this.u32(buf, off + 8)
    const originalLength = this.u32(buf, off + 12)
    if (fraction >= (this.nanoseconds ? 1_000_000_000 : 1_000_000)) return 'no'
    if (caplen > this.maxCaplen || caplen > originalLength || originalLength > 16 * 1024 * 1024) return 'no'
    if (this.lastSeconds >= 0 && Math.abs(seconds - this.lastSeconds) > resyncTimeWindow) return 'no'
    return 'yes'
  }

  private parseFileHeader(buf: Buffer, off: number): boolean {
    const magic = buf.readUInt32BE(off)
    this.littleEndian = magic === pcapMagic.microsecondsLittle || magic === pcapMagic.nanosecondsLittle
    this.nanoseconds = magic === pcapMagic.nanosecondsBig || magic === pcapMagic.nanosecondsLittle
    const snaplen = this.u32(buf, off + 16)
    // The upper bits of the link-type word carry FCS length and flags (pcap-savefile(5)).
    this.linkType = this.u32(buf, off + 20) & 0xffff
    this.maxCaplen = Math.max(defaultMaxCaplen, Math.min(snaplen, 64 * 1024 * 1024))
    this.headerDone = true
    this.info.format = this.nanoseconds ? 'pcap-ns' : 'pcap'
    this.info.bigEndian = !this.littleEndian
    this.info.linkTypes.add(this.linkType)
    return true
  }

  private u32(buf: Buffer, off: number): number {
    return this.littleEndian ? buf.readUInt32LE(off) : buf.readUInt32BE(off)
  }
}

export function isPcapMagic(magicBigEndian: number): boolean {
  return (
    magicBigEndian === pcapMagic.microsecondsBig ||
    magicBigEndian === pcapMagic.microsecondsLittle ||
    magicBigEndian === pcapMagic.nanosecondsBig ||
    magicBigEndian === pcapMagic.nanosecondsLittle
  )
}
