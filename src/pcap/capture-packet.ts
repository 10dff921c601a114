/** One packet as the capture file holds it, before any link-layer decoding. */
export interface CapturedPacket {
  /** Capture time in nanoseconds since the Unix epoch (pcapng `if_tsoffset` already applied). */
  tsNs: bigint
  /** LINKTYPE_* value of the interface the packet was captured on (see link-types.ts). */
  linkType: number
  /**
   * The captured bytes (`caplen` of them). A view into the chunk read from the file. Chunks are only
   * reused when the reader is told the sink copies what it keeps (FeedOptions.reuseBuffers, as
   * readKafkaCapture does); otherwise the view stays valid as long as it is referenced. Copy it before
   * keeping a small slice for long, or the whole chunk stays in memory.
   */
  data: Buffer
  /** Length of the packet on the wire; larger than `data.length` when snaplen cut it. */
  originalLength: number
  /** Byte offset of the packet's record (pcap) or block (pcapng) in the capture file. */
  fileOffset: number
  /** pcapng interface id within its section (0 for pcap). */
  interfaceId: number
}

export type CaptureFormat = 'pcap' | 'pcap-ns' | 'pcapng'

/** What the reader learnt about the file itself. */
export interface CaptureFileInfo {
  format: CaptureFormat
  /** Byte order of the (first) file or section header. */
  bigEndian: boolean
  /** pcapng: number of sections (SHBs) met so far. */
  sections: number
  /** Link types seen (pcap: the one of the file header; pcapng: of every interface). */
  linkTypes: Set<number>
}
