/**
 * Writes pcap and pcapng files for tests: byte orders, timestamp resolutions and block kinds that
 * tcpdump on this machine does not produce (big-endian files, 2^-n resolutions, if_tsoffset, several
 * sections, SPB/PB blocks, statistics/name-resolution/secrets/custom blocks). The packets themselves
 * come from real captures; tshark reads every file written here in the tests, as a check of the writer.
 */

export interface PacketRecord {
  tsNs: bigint
  data: Buffer
  /** Wire length (defaults to data.length). */
  originalLength?: number
}

export interface PcapWriteOptions {
  linkType: number
  nanoseconds?: boolean
  bigEndian?: boolean
  snaplen?: number
  /** Extra bits in the upper half of the link-type word (FCS length, flags) that readers must mask. */
  linkTypeFlags?: number
}

class ByteWriter {
  private readonly chunks: Buffer[] = []
  constructor(private readonly bigEndian: boolean) {}
  u16(v: number): this {
    const b = Buffer.alloc(2)
    this.bigEndian ? b.writeUInt16BE(v) : b.writeUInt16LE(v)
    this.chunks.push(b)
    return this
  }
  u32(v: number): this {
    const b = Buffer.alloc(4)
    this.bigEndian ? b.writeUInt32BE(v >>> 0) : b.writeUInt32LE(v >>> 0)
    this.chunks.push(b)
    return this
  }
  i64(v: bigint): this {
    const b = Buffer.alloc(8)
    this.bigEndian ? b.writeBigInt64BE(v) : b.writeBigInt64LE(v)
    this.chunks.push(b)
    return this
  }
  bytes(b: Buffer): this {
    this.chunks.push(b)
    return this
  }
  pad4(length: number): this {
    const pad = (4 - (length % 4)) % 4
    if (pad) this.chunks.push(Buffer.alloc(pad))
    return this
  }
  result(): Buffer {
    return Buffer.concat(this.chunks)
  }
}

export function writePcap(packets: readonly PacketRecord[], options: PcapWriteOptions): Buffer {
  const w = new ByteWriter(options.bigEndian ?? false)
  const ns = options.nanoseconds ?? false
  w.u32(ns ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(options.snaplen ?? 262144)
    .u32((options.linkType | (options.linkTypeFlags ?? 0)) >>> 0)
  for (const p of packets) {
    const seconds = p.tsNs / 1_000_000_000n
    const fraction = p.tsNs % 1_000_000_000n
    w.u32(Number(seconds))
      .u32(Number(ns ? fraction : fraction / 1000n))
      .u32(p.data.length)
      .u32(p.originalLength ?? p.data.length)
      .bytes(p.data)
  }
  return w.result()
}

export interface PcapngInterface {
  linkType: number
  snaplen?: number
  /** Raw if_tsresol byte: n for 10^-n, 0x80|n for 2^-n. Omitted: no option (10^-6). */
  tsresol?: number
  /** if_tsoffset in seconds. */
  tsoffset?: bigint
  name?: string
}

export type PcapngBlockKind = 'epb' | 'spb' | 'pb'

export interface PcapngPacket extends PacketRecord {
  interfaceId?: number
  block?: PcapngBlockKind
}

export interface PcapngSection {
  bigEndian?: boolean
  interfaces: PcapngInterface[]
  packets: PcapngPacket[]
  /** Add NRB, ISB, DSB and custom blocks that readers must skip. */
  extraBlocks?: boolean
}

/** Ticks of an interface clock for a time in ns (truncating, as a capturing tool would). */
export function ticksFor(tsNs: bigint, tsresol: number | undefined): bigint {
  const r = tsresol ?? 6
  const n = BigInt(r & 0x7f)
  if (r & 0x80) return (tsNs << n) / 1_000_000_000n
  return n <= 9n ? tsNs / 10n ** (9n - n) : tsNs * 10n ** (n - 9n)
}

/** The time in ns a reader computes back from ticks. */
export function nsFromTicks(ticks: bigint, tsresol: number | undefined): bigint {
  const r = tsresol ?? 6
  const n = BigInt(r & 0x7f)
  if (r & 0x80) return (ticks * 1_000_000_000n) >> n
  return n <= 9n ? ticks * 10n ** (9n - n) : ticks / 10n ** (n - 9n)
}

export function writePcapng(sections: readonly PcapngSection[]): Buffer {
  const parts: Buffer[] = []
  for (const section of sections) {
    const be = section.bigEndian ?? false
    const block = (type: number, body: Buffer) => {
      const total = 12 + body.length + ((4 - (body.length % 4)) % 4)
      parts.push(new ByteWriter(be).u32(type).u32(total).bytes(body).pad4(body.length).u32(total).result())
    }
    const option = (w: ByteWriter, code: number, value: Buffer) =>
      w.u16(code).u16(value.length).bytes(value).pad4(value.length)
    // SHB
    const shb = new ByteWriter(be).u32(0x1a2b3c4d).u16(1).u16(0).i64(-1n)
    option(shb, 4, Buffer.from('kafka-doctor test writer'))
    shb.u16(0).u16(0)
    block(0x0a0d0d0a, shb.result())
    for (const iface of section.interfaces) {
      const idb = new ByteWriter(be)
        .u16(iface.linkType)
        .u16(0)
        .u32(iface.snaplen ?? 0)
      if (iface.name) option(idb, 2, Buffer.from(iface.name))
      if (iface.tsresol !== undefined) option(idb, 9, Buffer.from([iface.tsresol]))
      if (iface.tsoffset !== undefined) option(idb, 14, new ByteWriter(be).i64(iface.tsoffset).result())
      idb.u16(0).u16(0)
      block(0x00000001, idb.result())
    }
    if (section.extraBlocks) {
      // NRB with one IPv4 record, a DSB with a fake key log, and a custom block.
      const nrb = new ByteWriter(be)
        .u16(1)
        .u16(12)
        .bytes(Buffer.from([127, 0, 0, 1]))
        .bytes(Buffer.from('kafka\0\0\0'))
      nrb.u16(0).u16(0)
      block(0x00000004, nrb.result())
      const secret = Buffer.from('CLIENT_RANDOM 00 00\n')
      block(
        0x0000000a,
        new ByteWriter(be).u32(0x544c534b).u32(secret.length).bytes(secret).pad4(secret.length).result(),
      )
      block(0x00000bad, new ByteWriter(be).u32(32473).bytes(Buffer.from('custom!!')).result())
    }
    for (const p of section.packets) {
      const id = p.interfaceId ?? 0
      const iface = section.interfaces[id]!
      const ticks = ticksFor(p.tsNs - (iface.tsoffset ?? 0n) * 1_000_000_000n, iface.tsresol)
      const high = Number(ticks >> 32n)
      const low = Number(ticks & 0xffffffffn)
      const original = p.originalLength ?? p.data.length
      const kind = p.block ?? 'epb'
      if (kind === 'spb') {
        block(0x00000003, new ByteWriter(be).u32(original).bytes(p.data).pad4(p.data.length).result())
      } else if (kind === 'pb') {
        block(
          0x00000002,
          new ByteWriter(be)
            .u16(id)
            .u16(0)
            .u32(high)
            .u32(low)
            .u32(p.data.length)
            .u32(original)
            .bytes(p.data)
            .pad4(p.data.length)
            .result(),
        )
      } else {
        const epb = new ByteWriter(be)
          .u32(id)
          .u32(high)
          .u32(low)
          .u32(p.data.length)
          .u32(original)
          .bytes(p.data)
        epb.pad4(p.data.length)
        // epb_flags: inbound
        epb.u16(2).u16(4).u32(1).u16(0).u16(0)
        block(0x00000006, epb.result())
      }
    }
    if (section.extraBlocks) {
      const isb = new ByteWriter(be).u32(0).u32(0).u32(0).u16(0).u16(0)
      block(0x00000005, isb.result())
    }
  }
  return Buffer.concat(parts)
}
