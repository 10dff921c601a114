import {
  type FramePlausibility,
  headerFieldsPlausible,
  requestLooksPlausible,
  responseLooksPlausible,
} from './kafka-header.js'
import { retainView } from './retained-buffers.js'
import type { GapReason, StreamSink } from './tcp-stream.js'

export type FrameDirection = 'request' | 'response'

/** Where complete frames go. `bytes` is the frame without its 4-byte size prefix. */
export interface FrameReceiver {
  frame(
    bytes: Buffer,
    size: number,
    damaged: boolean,
    resynchronised: boolean,
    firstTs: bigint,
    lastTs: bigint,
    fileOffset: number,
  ): void
  /** The framer lost alignment for `reason` (not called for a capture that joins midway). */
  desync(reason: string, fileOffset: number): void
  /** For responses: is a request with this correlation id waiting for its answer? */
  isOutstanding(correlationId: number): boolean
}

export interface FramerStats {
  frames: number
  /** Frames with bytes missing (gap, snaplen, end of capture): `bytes` holds the captured prefix. */
  damagedFrames: number
  /** Alignment found by the heuristic (after a midway start or a lost alignment). */
  resyncs: number
  /** Alignment lost inside a stream (a gap over a frame start, an impossible header). */
  desyncs: number
  /** Streams the capture joined midway (no SYN seen). */
  midStreamStarts: number
  /** Bytes passed over while looking for a frame start. */
  skippedBytes: number
}

export function createFramerStats(): FramerStats {
  return { frames: 0, damagedFrames: 0, resyncs: 0, desyncs: 0, midStreamStarts: 0, skippedBytes: 0 }
}

const Mode = { SCAN: 0, HEADER: 1, BODY: 2 } as const
type Mode = (typeof Mode)[keyof typeof Mode]

/** Frames in one segment at least this big are handed on as views into the capture (zero-copy). */
const zeroCopyMinBytes = 4096

/** Size prefix plus the 4 bytes after it: enough to check a header while in step. */
const headerBytes = 8

/**
 * Splits one direction of a Kafka connection into frames on the int32 size prefix. A frame that lies
 * inside one TCP segment is handed on as a view (no copy); one that spans segments is copied once into
 * a buffer of its size. Missing bytes inside a frame keep the framer in step (TCP sequence numbers say
 * exactly how many are missing) and mark the frame damaged; a gap over a frame start, an impossible
 * header, or a capture that joins midway puts the framer in scan mode, where it looks for the next
 * plausible frame start (kafka-header.ts documents the heuristic).
 */
export class KafkaFramer implements StreamSink {
  private mode: Mode = Mode.SCAN
  private readonly header = Buffer.alloc(headerBytes)
  private headerFill = 0
  private frameSize = 0
  private frameBuffer: Buffer | undefined
  private frameFill = 0
  private remaining = 0
  private damaged = false
  private resynchronised = false
  private firstTs = 0n
  private lastTs = 0n
  private firstOffset = 0
  /** Scan mode: the unscanned end of the previous segment (a few bytes, copied). */
  private scanLeft: Buffer | undefined
  private scanLeftTs = 0n
  private scanLeftOffset = 0
  /** Set when a resynchronised frame began in an earlier segment than the one being fed. */
  private startOverride: { tsNs: bigint; fileOffset: number } | undefined
  private readonly isOutstanding: (correlationId: number) => boolean
  /** The segment being fed: response frame starts are only looked for where a segment begins. */
  private segment: Buffer | undefined
  /** Requests: the correlation id of the last frame, to judge candidates after a loss. */
  private lastCorrelationId: number | undefined

  constructor(
    private readonly direction: FrameDirection,
    private readonly receiver: FrameReceiver,
    private readonly limits: FramePlausibility,
    readonly stats: FramerStats,
  ) {
    this.isOutstanding = (correlationId) => receiver.isOutstanding(correlationId)
  }

  begin(fromStart: boolean): void {
    this.mode = fromStart ? Mode.HEADER : Mode.SCAN
    if (!fromStart) this.stats.midStreamStarts++
  }

  data(bytes: Buffer, tsNs: bigint, fileOffset: number): void {
    this.segment = bytes
    this.feed(bytes, 0, tsNs, fileOffset)
  }

  gap(length: number, reason: GapReason, tsNs: bigint, fileOffset: number): void {
    switch (this.mode) {
      case Mode.SCAN:
        this.scanLeft = undefined
        return
      case Mode.HEADER:
        this.headerFill = 0
        this.lose(`${length} bytes missing (${reason}) where a frame starts`, fileOffset)
        return
      case Mode.BODY: {
        this.damaged = true
        this.lastTs = tsNs
        if (length < this.remaining) {
          this.remaining -= length
          return
        }
        const beyond = length - this.remaining
        this.remaining = 0
        this.finishFrame()
        if (beyond > 0) this.lose(`${length} bytes missing (${reason}) across a frame boundary`, fileOffset)
        return
      }
    }
  }

  end(tsNs: bigint, _fileOffset: number): void {
    if (this.mode === Mode.BODY) {
      this.damaged = true
      this.lastTs = tsNs
      this.remaining = 0
      this.finishFrame()
    } else if (this.mode === Mode.HEADER && this.headerFill > 0) {
      this.stats.skippedBytes += this.headerFill
      this.headerFill = 0
    } else if (this.mode === Mode.SCAN && this.scanLeft) {
      this.stats.skippedBytes += this.scanLeft.length
      this.scanLeft = undefined
    }
  }

  private feed(bytes: Buffer, start: number, tsNs: bigint, fileOffset: number): void {
    let pos = start
    const end = bytes.length
    while (pos < end) {
      if (this.mode === Mode.SCAN) {
        pos = this.scan(bytes, pos, tsNs, fileOffset)
        continue
      }
      if (this.mode === Mode.BODY) {
        const n = Math.min(this.remaining, end - pos)
        if (!this.damaged && this.frameBuffer) {
          bytes.copy(this.frameBuffer, this.frameFill, pos, pos + n)
          this.frameFill += n
        }
        this.remaining -= n
        pos += n
        this.lastTs = tsNs
        if (this.remaining === 0) this.finishFrame()
        continue
      }
      // HEADER: fast path when the whole header is in this segment.
      if (this.headerFill === 0 && end - pos >= headerBytes) {
        if (!this.headerInStep(bytes, pos)) {
          this.lose('impossible frame header', fileOffset)
          this.stats.skippedBytes++
          pos += 1
          continue
        }
        this.markStart(tsNs, fileOffset)
        const size = bytes.readInt32BE(pos)
        if (end - pos - 4 >= size) {
          this.lastTs = tsNs
          // Small frames are copied (cheap, from Node's pool) so that the read buffer can be reused;
          // big ones are handed on as views and keep their buffer.
          const view = bytes.subarray(pos + 4, pos + 4 + size)
          this.emit(size < zeroCopyMinBytes ? Buffer.from(view) : retainView(view), size, false)
          pos += 4 + size
          continue
        }
        this.startBody(size, tsNs)
        pos += 4
        continue
      }
      if (this.headerFill === 0) this.markStart(tsNs, fileOffset)
      const n = Math.min(headerBytes - this.headerFill, end - pos)
      bytes.copy(this.header, this.headerFill, pos, pos + n)
      this.headerFill += n
      pos += n
      if (this.headerFill < headerBytes) continue
      this.headerFill = 0
      if (!this.headerInStep(this.header, 0)) {
        this.lose('impossible frame header', fileOffset)
        if (this.direction === 'request') {
          // Rescan the header's bytes after its first one (responses are only looked for at segment starts).
          this.stats.skippedBytes++
          this.scanLeft = Buffer.from(this.header.subarray(1))
          this.scanLeftTs = this.firstTs
          this.scanLeftOffset = this.firstOffset
        } else this.stats.skippedBytes += headerBytes
        continue
      }
      const size = this.header.readInt32BE(0)
      this.startBody(size, tsNs)
      // The 4 bytes after the size prefix are already in `header`.
      this.frameBuffer!.set(this.header.subarray(4, 8), 0)
      this.frameFill = 4
      this.remaining = size - 4
      if (this.remaining === 0) this.finishFrame()
    }
  }

  private markStart(tsNs: bigint, fileOffset: number): void {
    const override = this.startOverride
    this.startOverride = undefined
    this.firstTs = override ? override.tsNs : tsNs
    this.firstOffset = override ? override.fileOffset : fileOffset
  }

  /** Begins a frame that continues in later segments (buffer filled by the BODY loop). */
  private startBody(size: number, tsNs: bigint): void {
    this.mode = Mode.BODY
    this.frameSize = size
    this.frameBuffer = Buffer.allocUnsafe(size)
    this.frameFill = 0
    this.remaining = size
    this.damaged = false
    this.lastTs = tsNs
  }

  private finishFrame(): void {
    const buffer = this.frameBuffer ?? Buffer.alloc(0)
    const bytes = this.frameFill < buffer.length ? buffer.subarray(0, this.frameFill) : buffer
    this.frameBuffer = undefined
    this.mode = Mode.HEADER
    this.emit(bytes, this.frameSize, this.damaged)
    this.damaged = false
  }

  private emit(bytes: Buffer, size: number, damaged: boolean): void {
    this.stats.frames++
    if (this.direction === 'request' && bytes.length >= 8) this.lastCorrelationId = bytes.readInt32BE(4)
    if (damaged) this.stats.damagedFrames++
    const resynchronised = this.resynchronised
    this.resynchronised = false
    this.receiver.frame(bytes, size, damaged, resynchronised, this.firstTs, this.lastTs, this.firstOffset)
  }

  private headerInStep(buf: Buffer, off: number): boolean {
    const size = buf.readInt32BE(off)
    if (size > this.limits.maxFrameBytes) return false
    if (this.direction === 'response') return size >= 4
    return size >= 8 && headerFieldsPlausible(buf.readInt16BE(off + 4), buf.readInt16BE(off + 6), this.limits)
  }

  /** Alignment lost: look for the next plausible frame start from here on. */
  private lose(reason: string, fileOffset: number): void {
    this.mode = Mode.SCAN
    this.scanLeft = undefined
    this.stats.desyncs++
    this.receiver.desync(reason, fileOffset)
  }

  /**
   * Scan mode: finds the next plausible frame start in (leftover +) bytes[pos..]. Returns where the
   * caller goes on: the frame start (mode switched to HEADER), or the end of the bytes.
   */
  private scan(bytes: Buffer, pos: number, tsNs: bigint, fileOffset: number): number {
    if (this.direction === 'response') return this.scanResponse(bytes, pos, tsNs, fileOffset)
    const left = this.scanLeft
    if (!left) {
      const found = this.scanFrom(bytes, pos, bytes.length)
      if (found < 0) {
        this.keepLeftover(bytes, -found - 1, pos, tsNs, fileOffset)
        return bytes.length
      }
      this.stats.skippedBytes += found - pos
      this.resyncAt()
      return found
    }
    // Join the few leftover bytes with this segment and go on in the joined copy.
    this.scanLeft = undefined
    const joined = Buffer.concat([left, bytes.subarray(pos)])
    const found = this.scanFrom(joined, 0, joined.length)
    if (found < 0) {
      const keepFrom = -found - 1
      const fromLeft = keepFrom < left.length
      const leftTs = this.scanLeftTs
      const leftOffset = this.scanLeftOffset
      this.keepLeftover(joined, keepFrom, 0, tsNs, fileOffset)
      if (fromLeft) {
        this.scanLeftTs = leftTs
        this.scanLeftOffset = leftOffset
      }
      return bytes.length
    }
    this.stats.skippedBytes += found
    this.resyncAt()
    if (found < left.length) this.startOverride = { tsNs: this.scanLeftTs, fileOffset: this.scanLeftOffset }
    this.feed(joined, found, tsNs, fileOffset)
    return bytes.length
  }

  /**
   * A response says nothing about itself but its correlation id, so a random spot inside a big response
   * could pass for the start of another. Brokers write each response in one go, so after a loss the
   * next response to trust starts a segment: only segment starts are candidates (a response that
   * shares a segment with the end of a lost one is missed, and the one after it is found).
   */
  private scanResponse(bytes: Buffer, pos: number, tsNs: bigint, fileOffset: number): number {
    const left = this.scanLeft
    if (left) {
      // The start of an earlier segment, too short to decide on its own.
      this.scanLeft = undefined
      const joined = Buffer.concat([left, bytes.subarray(pos)])
      const verdict = responseLooksPlausible(joined, 0, joined.length, this.limits, this.isOutstanding)
      if (verdict === 'more') {
        this.scanLeft = joined
        return bytes.length
      }
      if (verdict === 'yes') {
        this.resyncAt()
        this.startOverride = { tsNs: this.scanLeftTs, fileOffset: this.scanLeftOffset }
        this.feed(joined, 0, tsNs, fileOffset)
        return bytes.length
      }
      this.stats.skippedBytes += left.length
    }
    if (pos !== 0 || bytes !== this.segment) {
      this.stats.skippedBytes += bytes.length - pos
      return bytes.length
    }
    const verdict = responseLooksPlausible(bytes, 0, bytes.length, this.limits, this.isOutstanding)
    if (verdict === 'yes') {
      this.resyncAt()
      return 0
    }
    if (verdict === 'more') {
      this.scanLeft = Buffer.from(bytes)
      this.scanLeftTs = tsNs
      this.scanLeftOffset = fileOffset
    } else this.stats.skippedBytes += bytes.length
    return bytes.length
  }

  /** Keeps buf[keepFrom..] (undecided: needs more bytes) for the next segment; the rest is skipped. */
  private keepLeftover(
    buf: Buffer,
    keepFrom: number,
    scannedFrom: number,
    tsNs: bigint,
    fileOffset: number,
  ): void {
    this.stats.skippedBytes += keepFrom - scannedFrom
    if (keepFrom >= buf.length) {
      this.scanLeft = undefined
      return
    }
    this.scanLeft = Buffer.from(buf.subarray(keepFrom))
    this.scanLeftTs = tsNs
    this.scanLeftOffset = fileOffset
  }

  private resyncAt(): void {
    this.mode = Mode.HEADER
    this.headerFill = 0
    this.resynchronised = true
    this.stats.resyncs++
  }

  /**
   * The first plausible frame start in buf[from..end), or -(p+1) where p is the first position that
   * needs more bytes to decide (== end when everything was ruled out).
   */
  private scanFrom(buf: Buffer, from: number, end: number): number {
    const limits = this.limits
    // The top byte of a size prefix can be at most this (cheap first test before the full one).
    const maxTopByte = Math.floor(limits.maxFrameBytes / 0x1000000)
    for (let p = from; p < end; p++) {
      if (buf[p]! > maxTopByte) continue
      const verdict = requestLooksPlausible(buf, p, end, limits, {
        afterCorrelationId: this.lastCorrelationId,
        atSegmentStart: p === 0 && buf === this.segment,
      })
      if (verdict === 'yes') return p
      if (verdict === 'more') return -(p + 1)
    }
    return -(end + 1)
  }
}
