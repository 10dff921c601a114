import { BadInputError } from '../errors.js'
import type { CapturedPacket, CaptureFileInfo } from './capture-packet.js'
import { isPcapMagic, PcapFormat } from './pcap-format.js'
import { PcapngFormat, pcapngBlock } from './pcapng-format.js'
import type { RecordFormat } from './record-format.js'
import type { WarningLog } from './warnings.js'

/** While scanning after corruption, wait for this many more bytes before scanning the tail again. */
const resyncStepBytes = 64 * 1024

/**
 * The push side of the capture reader: feed it chunks of a pcap or pcapng file in order (any sizes) and
 * it calls `onPacket` for every packet, synchronously, before `push` returns. Memory stays flat: a
 * packet is a view into the chunk it came in, and only a record that straddles chunks is copied, once,
 * when its last byte has arrived (tiny chunks are gathered, not re-copied for every piece).
 *
 * Corruption never throws once the format is known. A record with impossible lengths is reported with
 * its byte offset and the parser scans forward, step by step, to the next place where a record
 * plausibly starts (two chained pcap record headers; a pcapng block whose trailing length matches),
 * so one damaged record costs one record, not the rest of the file. A file that ends inside a record
 * keeps every packet before it and gets a `truncated-file` warning.
 */
export class CaptureParser {
  readonly info: CaptureFileInfo = { format: 'pcap', bigEndian: true, sections: 0, linkTypes: new Set() }
  private format: RecordFormat | undefined
  /** Bytes not parsed yet (a record that did not fit, or the undecided end while resynchronising). */
  private tailParts: Buffer[] = []
  private tailBytes = 0
  /** Parse the tail again once it holds this many bytes. */
  private tailWanted = 0
  /** File offset of the first tail byte (of the next chunk when there is no tail). */
  private tailOffset = 0
  private resyncing = false
  private corruptAt = 0
  private ended = false

  constructor(
    private readonly onPacket: (packet: CapturedPacket) => void,
    private readonly warnings: WarningLog,
  ) {}

  /** File offset up to which everything has been parsed or skipped. */
  get offset(): number {
    return this.tailOffset
  }

  push(chunk: Buffer): void {
    if (this.ended) throw new Error('CaptureParser.push after end')
    if (chunk.length === 0) return
    if (this.tailBytes === 0) {
      this.parseFresh(chunk)
      return
    }
    this.tailParts.push(chunk)
    this.tailBytes += chunk.length
    if (this.tailBytes >= this.tailWanted) this.parseTail(false)
  }

  /** No more input: report a record cut short by the end of the file. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (this.tailBytes > 0) this.parseTail(true)
    if (!this.format) {
      if (this.tailOffset === 0 && this.tailBytes === 0) throw new BadInputError('the capture is empty')
      throw new BadInputError('not a pcap or pcapng file (too short to hold a file header)')
    }
    if (this.resyncing) {
      this.warnings.add(
        'unrecoverable',
        `no readable record after the corruption at byte ${this.corruptAt}: skipped to the end of the file`,
        this.corruptAt,
      )
      return
    }
    if (this.tailBytes > 0) {
      const tail = Buffer.concat(this.tailParts)
      const total = tail.length >= this.format.headerSize ? this.format.recordLength(tail, 0) : 0
      this.warnings.add(
        'truncated-file',
        `the file ends inside a ${this.format.describe(tail, 0)} at byte ${this.tailOffset}` +
          (total > 0 ? ` (${tail.length} of ${total} bytes present)` : ''),
        this.tailOffset,
      )
    }
  }

  private parseFresh(chunk: Buffer): void {
    if (!this.format) {
      if (chunk.length < 4) {
        this.keepTail(Buffer.from(chunk), this.tailOffset)
        return
      }
      this.format = this.detect(chunk)
    }
    this.parseRecords(chunk, 0, this.tailOffset, false)
  }

  private parseTail(eof: boolean): void {
    const parts = this.tailParts
    const base = this.tailOffset
    this.tailParts = []
    this.tailBytes = 0
    this.tailWanted = 0
    const format = this.format
    if (!format) {
      const joined = Buffer.concat(parts)
      if (joined.length < 4) {
        this.keepTail(joined, base)
        return
      }
      this.format = this.detect(joined)
      this.parseRecords(joined, 0, base, eof)
      return
    }
    if (!this.resyncing && parts.length >= 2) {
      // Complete the straddling record with a copy of just its own bytes, then go on parsing the last
      // chunk in place (its packets stay views into it).
      const last = parts[parts.length - 1]!
      const before = parts.length === 2 ? parts[0]! : Buffer.concat(parts.slice(0, -1))
      const header =
        before.length >= format.headerSize
          ? before
          : Buffer.concat([before, last.subarray(0, format.headerSize - before.length)])
      const length = header.length >= format.headerSize ? format.recordLength(header, 0) : -1
      if (length > before.length && before.length + last.length >= length) {
        const fromLast = length - before.length
        const record = Buffer.concat([before, last.subarray(0, fromLast)], length)
        if (format.parse(record, 0, length, base)) {
          this.parseRecords(last, fromLast, base + before.length, eof)
          return
        }
        this.startResync(base)
        this.parseRecords(Buffer.concat([before, last]), format.scanStep, base, eof)
        return
      }
    }
    this.parseRecords(parts.length === 1 ? parts[0]! : Buffer.concat(parts), 0, base, eof)
  }

  private detect(buf: Buffer): RecordFormat {
    const magic = buf.readUInt32BE(0)
    const onUnsupported = (message: string, fileOffset: number) =>
      this.warnings.add('unsupported', message, fileOffset)
    if (isPcapMagic(magic)) return new PcapFormat(this.info, this.onPacket)
    if (magic === pcapngBlock.sectionHeader) {
      this.info.format = 'pcapng'
      return new PcapngFormat(this.info, this.onPacket, onUnsupported)
    }
    throw new BadInputError(`not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`, {
      hint: 'give a file written by tcpdump, dumpcap, tshark or Wireshark (.pcap or .pcapng)',
    })
  }

  /**
   * Parses records from buf[start..] whose byte 0 is at file offset `base`. Keeps an incomplete record
   * (or, while resynchronising, the undecided end) as the tail.
   */
  private parseRecords(buf: Buffer, start: number, base: number, eof: boolean): void {
    const format = this.format!
    const end = buf.length
    let off = start
    while (off < end) {
      if (this.resyncing) {
        const verdict = format.plausibleAt(buf, off, end, eof)
        if (verdict === 'more') break
        if (verdict === 'no') {
          off += format.scanStep
          continue
        }
        this.resyncing = false
        this.warnings.add(
          'corrupt-record',
          `skipped ${base + off - this.corruptAt} corrupt bytes from byte ${this.corruptAt} to the next readable record at byte ${base + off}`,
          this.corruptAt,
        )
      }
      if (end - off < format.headerSize) break
      const length = format.recordLength(buf, off)
      if (length < 0) {
        this.startResync(base + off)
        off += format.scanStep
        continue
      }
      if (end - off < length) break
      if (!format.parse(buf, off, length, base + off)) {
        this.startResync(base + off)
        off += format.scanStep
        continue
      }
      off += length
    }
    if (off < end) this.keepTail(Buffer.from(buf.subarray(off)), base + off)
    else this.tailOffset = base + Math.min(off, end)
  }

  private keepTail(tail: Buffer, fileOffset: number): void {
    this.tailParts = [tail]
    this.tailBytes = tail.length
    this.tailOffset = fileOffset
    const format = this.format
    if (!format) this.tailWanted = 4
    else if (this.resyncing) this.tailWanted = tail.length + resyncStepBytes
    else if (tail.length < format.headerSize) this.tailWanted = format.headerSize
    else this.tailWanted = Math.max(format.recordLength(tail, 0), format.headerSize)
  }

  private startResync(fileOffset: number): void {
    this.resyncing = true
    this.corruptAt = fileOffset
  }
}
