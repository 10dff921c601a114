import { seqAdd, seqDiff } from './tcp-sequence.js'

/** Why bytes are missing from a reassembled stream. */
export type GapReason =
  /** Not in the capture (dropped by the capturing kernel, or the capture started later). */
  | 'lost'
  /** Cut by snaplen: the packet was captured, but not all of it. */
  | 'snaplen'
  /** The out-of-order buffer bound was hit while waiting for a missing segment. */
  | 'limit'

/** Receives one direction of a TCP connection as an ordered byte stream. */
export interface StreamSink {
  /** Called once before anything else: `fromStart` when the SYN was seen (offset 0 is the stream start). */
  begin(fromStart: boolean): void
  /** The next in-order bytes; a view that is never overwritten. */
  data(bytes: Buffer, tsNs: bigint, fileOffset: number): void
  /** `length` bytes of the stream are missing here. */
  gap(length: number, reason: GapReason, tsNs: bigint, fileOffset: number): void
  /** The stream ended (FIN reached, RST, end of capture, or evicted as idle). */
  end(tsNs: bigint, fileOffset: number): void
}

export interface TcpStreamLimits {
  /** Out-of-order bytes held while waiting for a missing segment; beyond it the hole becomes a gap. */
  maxOutOfOrderBytes: number
  /** Out-of-order segments held (bounds per-segment overhead for tiny segments). */
  maxOutOfOrderSegments: number
}

export interface TcpStreamStats {
  /** Payload bytes delivered in order (captured ones; gaps not included). */
  bytes: number
  segments: number
  retransmittedSegments: number
  retransmittedBytes: number
  outOfOrderSegments: number
  gaps: number
  gapBytes: number
}

export function createTcpStreamStats(): TcpStreamStats {
  return {
    bytes: 0,
    segments: 0,
    retransmittedSegments: 0,
    retransmittedBytes: 0,
    outOfOrderSegments: 0,
    gaps: 0,
    gapBytes: 0,
  }
}

/** A segment that arrived ahead of a hole: a private copy of its captured bytes. */
interface HeldSegment {
  seq: number
  bytes: Buffer
  /** Length on the wire (≥ bytes.length when snaplen cut it). */
  wireLength: number
  tsNs: bigint
  fileOffset: number
}

/**
 * One direction of a TCP connection: puts segments in sequence order, drops retransmitted bytes (keeping
 * the first copy), holds segments that arrive ahead of a hole, and turns holes that will never be filled
 * into gaps: when the peer acknowledges bytes the capture does not have (the capture dropped them), when
 * the held bytes exceed the bound, or at the end of the capture.
 */
export class TcpStream {
  private started = false
  private ended = false
  private nextSeq = 0
  private finSeq: number | undefined
  /** Highest sequence number the peer acknowledged (valid when peerAckSeen). */
  private peerAck = 0
  private peerAckSeen = false
  private readonly held: HeldSegment[] = []
  private heldBytes = 0

  constructor(
    private readonly sink: StreamSink,
    private readonly limits: TcpStreamLimits,
    readonly stats: TcpStreamStats,
    private readonly onGap?: (length: number, reason: GapReason, fileOffset: number) => void,
  ) {}

  get isEnded(): boolean {
    return this.ended
  }

  get bufferedBytes(): number {
    return this.heldBytes
  }

  /**
   * One segment of this direction. `payload` holds the captured bytes; `wireLength` is the payload
   * length on the wire (more when snaplen cut the packet).
   */
  segment(
    seq: number,
    syn: boolean,
    fin: boolean,
    payload: Buffer,
    wireLength: number,
    tsNs: bigint,
    fileOffset: number,
  ): void {
    if (this.ended) {
      if (wireLength > 0) {
        this.stats.retransmittedSegments++
        this.stats.retransmittedBytes += wireLength
      }
      return
    }
    let dataSeq = seq
    if (syn) {
      dataSeq = seqAdd(seq, 1)
      if (!this.started) this.start(dataSeq, true)
    }
    if (!this.started) {
      if (wireLength === 0 && !fin) return
      this.start(dataSeq, false)
    }
    if (fin) {
      const finAt = seqAdd(dataSeq, wireLength)
      if (this.finSeq === undefined || seqDiff(finAt, this.finSeq) > 0) this.finSeq = finAt
    }
    if (wireLength > 0) {
      this.stats.segments++
      const ahead = seqDiff(this.nextSeq, dataSeq)
      if (ahead <= 0) {
        this.deliverFrom(dataSeq, payload, wireLength, tsNs, fileOffset)
        this.drain()
      } else {
        this.hold(dataSeq, payload, wireLength, tsNs, fileOffset)
      }
    }
    this.checkFin(tsNs, fileOffset)
  }

  /** The peer acknowledged everything before `ack`: holes before it were lost by the capture, not the network. */
  peerAcknowledged(ack: number, tsNs: bigint, fileOffset: number): void {
    if (!this.peerAckSeen || seqDiff(this.peerAck, ack) > 0) {
      this.peerAck = ack
      this.peerAckSeen = true
    }
    this.skipAcknowledgedHole(tsNs, fileOffset)
  }

  /** Ends the stream now (RST, end of capture, eviction): held segments are delivered after their gaps. */
  finish(tsNs: bigint, fileOffset: number): void {
    if (this.ended) return
    while (this.held.length > 0) this.skipToHeld('lost', tsNs, fileOffset)
    if (this.ended) return
    // Bytes the peer acknowledged or the FIN counted, but the capture never had.
    const known = this.knownEnd()
    if (this.started && known !== undefined && seqDiff(this.nextSeq, known) > 0) {
      this.gap(seqDiff(this.nextSeq, known), 'lost', tsNs, fileOffset)
      this.nextSeq = known
    }
    this.ended = true
    if (this.started) this.sink.end(tsNs, fileOffset)
  }

  private start(dataSeq: number, fromStart: boolean): void {
    this.started = true
    this.nextSeq = dataSeq
    this.sink.begin(fromStart)
  }

  /** Delivers the part of a segment at or after nextSeq; the part before is a retransmission. */
  private deliverFrom(
    seq: number,
    payload: Buffer,
    wireLength: number,
    tsNs: bigint,
    fileOffset: number,
  ): void {
    const overlap = seqDiff(seq, this.nextSeq)
    if (overlap >= wireLength) {
      this.stats.retransmittedSegments++
      this.stats.retransmittedBytes += wireLength
      return
    }
    if (overlap > 0) this.stats.retransmittedBytes += overlap
    const fresh = overlap > 0 ? payload.subarray(Math.min(overlap, payload.length)) : payload
    const freshWire = wireLength - overlap
    if (fresh.length > 0) {
      this.stats.bytes += fresh.length
      this.sink.data(fresh, tsNs, fileOffset)
    }
    if (freshWire > fresh.length) this.gap(freshWire - fresh.length, 'snaplen', tsNs, fileOffset)
    this.nextSeq = seqAdd(this.nextSeq, freshWire)
  }

  private hold(seq: number, payload: Buffer, wireLength: number, tsNs: bigint, fileOffset: number): void {
    this.stats.outOfOrderSegments++
    const segment: HeldSegment = { seq, bytes: Buffer.from(payload), wireLength, tsNs, fileOffset }
    // Mostly appended in order; walk back from the end to the insertion point.
    let i = this.held.length
    while (i > 0 && seqDiff(this.held[i - 1]!.seq, seq) < 0) i--
    this.held.splice(i, 0, segment)
    this.heldBytes += segment.bytes.length
    this.skipAcknowledgedHole(tsNs, fileOffset)
    while (
      this.held.length > 0 &&
      (this.heldBytes > this.limits.maxOutOfOrderBytes ||
        this.held.length > this.limits.maxOutOfOrderSegments)
    ) {
      this.skipToHeld('limit', tsNs, fileOffset)
    }
  }

  /**
   * A hole the peer acknowledged past was lost by the capture, not the network: no retransmission will
   * fill it. Acted on when a later segment is held too (a later segment and the ACK both say the hole
   * is real); a hole at the very end of a stream waits for finish(), because a capture can show an ACK
   * a moment before the data it acknowledges.
   */
  private skipAcknowledgedHole(tsNs: bigint, fileOffset: number): void {
    const first = this.held[0]
    if (!first || !this.peerAckSeen) return
    if (seqDiff(first.seq, this.peerAck) >= 0) this.skipToHeld('lost', tsNs, fileOffset)
  }

  /** The furthest sequence number known to have been sent: by the peer's ACK or the FIN. */
  private knownEnd(): number | undefined {
    if (this.finSeq !== undefined) return this.finSeq
    return this.peerAckSeen ? this.peerAck : undefined
  }

  /** Declares the hole before the first held segment a gap and delivers what can be delivered. */
  private skipToHeld(reason: 'lost' | 'limit', tsNs: bigint, fileOffset: number): void {
    const first = this.held[0]
    if (!first) return
    const missing = seqDiff(this.nextSeq, first.seq)
    if (missing > 0) {
      this.gap(missing, reason, tsNs, fileOffset)
      this.nextSeq = first.seq
    }
    this.drain()
    this.checkFin(tsNs, fileOffset)
  }

  /** Delivers held segments that have become contiguous. */
  private drain(): void {
    while (this.held.length > 0) {
      const first = this.held[0]!
      if (seqDiff(this.nextSeq, first.seq) > 0) return
      this.held.shift()
      this.heldBytes -= first.bytes.length
      this.deliverFrom(first.seq, first.bytes, first.wireLength, first.tsNs, first.fileOffset)
    }
  }

  private gap(length: number, reason: GapReason, tsNs: bigint, fileOffset: number): void {
    this.stats.gaps++
    this.stats.gapBytes += length
    this.onGap?.(length, reason, fileOffset)
    this.sink.gap(length, reason, tsNs, fileOffset)
  }

  private checkFin(tsNs: bigint, fileOffset: number): void {
    if (this.finSeq !== undefined && this.held.length === 0 && seqDiff(this.finSeq, this.nextSeq) >= 0) {
      this.ended = true
      this.sink.end(tsNs, fileOffset)
    }
  }
}
