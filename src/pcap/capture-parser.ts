import { BadInputError } from '../errors.js'
import type { CapturedPacket, CaptureFileInfo } from './capture-packet.js'
import { isPcapMagic, PcapFormat } from './pcap-format.js'
import { PcapngFormat, pcapngBlock } from './pcapng-format.js'
import type { RecordFormat } from './record-format.js'
import type { WarningLog } from './warnings.js'

/**
 * The push side of the capture reader: feed it chunks of a pcap or pcapng file in order (any sizes) and
 * it calls `onPacket` for every packet, synchronously. Memory stays flat: a packet is a view into the
 * chunk it came in, and only a record that straddles two chunks is copied.
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
  /** Bytes not parsed yet because the record they start did not fit in the chunk (a copy). */
  private tail: Buffer | undefined
  /** File offset of the first byte of `tail` (or of the next chunk when there is no tail). */
  private tailOffset = 0
  private resyncing = false
  private corruptAt = 0
  private ended = false

  constructor(
    private readonly onPacket: (packet: CapturedPacket) => void,
    private readonly warnings: WarningLog,
  ) {}

  /** Bytes consumed so far (the file offset up to which everything has been parsed or skipped). */
  get offset(): number {
    return this.tailOffset
  }

  push(chunk: Buffer): void {
    if (this.ended) throw new Error('CaptureParser.push after end')
    if (chunk.length === 0) return
    const tail = this.tail
    if (!tail) {
      if (!this.format) {
        if (chunk.length < 4) {
          this.tail = Buffer.from(chunk)
          return
        }
        this.format = this.detect(chunk)
      }
      this.parseRecords(chunk, 0, this.tailOffset, false)
      return
    }
    const tailOffset = this.tailOffset
    this.tail = undefined
    if (!this.format || this.resyncing) {
      // Rare paths (the first few bytes; scanning after corruption): join and parse the joined buffer.
      const joined = Buffer.concat([tail, chunk])
      if (!this.format) {
        if (joined.length < 4) {
          this.tail = joined
          return
        }
        this.format = this.detect(joined)
      }
      this.parseRecords(joined, 0, tailOffset, false)
      return
    }
    // A record straddles the chunk boundary: complete it with a copy of just its own bytes, then go on
    // parsing the chunk in place.
    const format = this.format
    const header =
      tail.length >= format.headerSize
        ? tail
        : Buffer.concat([tail, chunk.subarray(0, format.headerSize - tail.length)])
    if (header.length < format.headerSize) {
      this.tail = header
      return
    }
    const length = format.recordLength(header, 0)
    if (length < 0 || tail.length + chunk.length < length) {
      // Corrupt (the joined parse reports it and resynchronises) or still incomplete.
      const joined = Buffer.concat([tail, chunk])
      if (length < 0) this.parseRecords(joined, 0, tailOffset, false)
      else {
        this.tail = joined
        this.tailOffset = tailOffset
      }
      return
    }
    const fromChunk = length - tail.length
    const record = Buffer.concat([tail, chunk.subarray(0, fromChunk)], length)
    if (!format.parse(record, 0, length, tailOffset)) {
      this.startResync(tailOffset)
      this.parseRecords(Buffer.concat([tail, chunk]), format.scanStep, tailOffset, false)
      return
    }
    this.parseRecords(chunk, fromChunk, tailOffset + tail.length, false)
  }

  /** No more input: report a record cut short by the end of the file. */
  end(): void {
    if (this.ended) return
    this.ended = true
    if (!this.format) {
      if (this.tailOffset === 0 && !this.tail) throw new BadInputError('the capture is empty')
      throw new BadInputError('not a pcap or pcapng file (too short to hold a file header)')
    }
    if (this.resyncing && this.tail) {
      const tail = this.tail
      this.tail = undefined
      this.parseRecords(tail, 0, this.tailOffset, true)
    }
    if (this.resyncing) {
      this.warnings.add(
        'unrecoverable',
        `no readable record after the corruption at byte ${this.corruptAt}: skipped to the end of the file`,
        this.corruptAt,
      )
      return
    }
    if (this.tail && this.tail.length > 0) {
      const total = this.completeLength(this.tail)
      this.warnings.add(
        'truncated-file',
        `the file ends inside a ${this.format.describe(this.tail, 0)} at byte ${this.tailOffset}` +
          (total > 0 ? ` (${this.tail.length} of ${total} bytes present)` : ''),
        this.tailOffset,
      )
    }
  }

  /** Length of the record starting at buf[0], 0 when the header is incomplete, -1 when corrupt. */
  private completeLength(buf: Buffer): number {
    const format = this.format
    if (!format || buf.length < format.headerSize) return 0
    return format.recordLength(buf, 0)
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
   * Parses records from buf[off..] whose byte 0 is at file offset `base`. Leaves an incomplete record
   * (or, while resynchronising, the unscanned end) in `tail`.
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
    this.tailOffset = base + off
    this.tail = off < end ? Buffer.from(buf.subarray(off)) : undefined
  }

  private startResync(fileOffset: number): void {
    this.resyncing = true
    this.corruptAt = fileOffset
  }
}
