import type { CapturedPacket, CaptureFileInfo } from './capture-packet.js'
import type { RecordFormat } from './record-format.js'

/** pcapng block types (draft-ietf-opsawg-pcapng). */
export const pcapngBlock = {
  sectionHeader: 0x0a0d0d0a,
  interfaceDescription: 0x00000001,
  obsoletePacket: 0x00000002,
  simplePacket: 0x00000003,
  nameResolution: 0x00000004,
  interfaceStatistics: 0x00000005,
  enhancedPacket: 0x00000006,
  decryptionSecrets: 0x0000000a,
  custom: 0x00000bad,
  customNoCopy: 0x40000bad,
} as const

const byteOrderMagic = 0x1a2b3c4d
const optionEnd = 0
const optionTsResolution = 9
const optionTsOffset = 14
/** Blocks larger than this are taken as corruption (a packet block holds at most a jumbo frame + options). */
const maxBlockLength = 64 * 1024 * 1024
/** While scanning for the next block after corruption, longer claims are not worth waiting for. */
const maxResyncBlockLength = 1024 * 1024
const knownBlockTypes = new Set<number>(Object.values(pcapngBlock))

/** How one interface's timestamps become nanoseconds: ticks × multiply ÷ divide (or >> shift). */
interface InterfaceClock {
  linkType: number
  snaplen: number
  multiply: bigint
  divide: bigint
  /** For 2^-n resolutions: ns = ticks × 1e9 >> shift. */
  shift: bigint
  offsetNs: bigint
}

/**
 * pcapng: a sequence of blocks `type u32, total_length u32, body, total_length u32`. Each section (SHB)
 * has its own byte order and its own numbering of interfaces (IDBs). Packets come in EPB, SPB and the
 * obsolete PB; name resolution, statistics, decryption secrets and custom blocks are skipped.
 */
export class PcapngFormat implements RecordFormat {
  readonly headerSize = 12
  readonly scanStep = 4
  private littleEndian = false
  private interfaces: InterfaceClock[] = []
  private lastTsNs = 0n
  private sectionSeen = false

  constructor(
    private readonly info: CaptureFileInfo,
    private readonly onPacket: (packet: CapturedPacket) => void,
    private readonly onUnsupported: (message: string, fileOffset: number) => void,
  ) {}

  recordLength(buf: Buffer, off: number): number {
    const type = buf.readUInt32LE(off) // the SHB type is a palindrome; others are checked below
    let length: number
    if (type === pcapngBlock.sectionHeader) {
      const bom = buf.readUInt32LE(off + 8)
      if (bom === byteOrderMagic) length = buf.readUInt32LE(off + 4)
      else if (bom === 0x4d3c2b1a) length = buf.readUInt32BE(off + 4)
      else return -1
      if (length < 28) return -1
    } else {
      if (!this.sectionSeen) return -1
      length = this.u32(buf, off + 4)
      if (length < 12) return -1
    }
    if (length % 4 !== 0 || length > maxBlockLength) return -1
    return length
  }

  parse(buf: Buffer, off: number, length: number, fileOffset: number): boolean {
    const type =
      buf.readUInt32LE(off) === pcapngBlock.sectionHeader ? pcapngBlock.sectionHeader : this.u32(buf, off)
    if (type === pcapngBlock.sectionHeader) return this.parseSectionHeader(buf, off, length)
    if (this.u32(buf, off + length - 4) !== length) return false
    switch (type) {
      case pcapngBlock.enhancedPacket:
        return this.parseEnhancedPacket(buf, off, length, fileOffset)
      case pcapngBlock.simplePacket:
        return this.parseSimplePacket(buf, off, length, fileOffset)
      case pcapngBlock.obsoletePacket:
        return this.parseObsoletePacket(buf, off, length, fileOffset)
      case pcapngBlock.interfaceDescription:
        return this.parseInterfaceDescription(buf, off, length)
      default:
        // NRB, ISB, DSB, custom and unknown blocks carry nothing the analysis needs.
        return true
    }
  }

  plausibleAt(buf: Buffer, off: number, end: number, eof: boolean): 'yes' | 'no' | 'more' {
    if (off + 12 > end) return eof ? 'no' : 'more'
    const type = this.u32(buf, off)
    if (!knownBlockTypes.has(type)) return 'no'
    const length = this.recordLength(buf, off)
    if (length < 0 || length > maxResyncBlockLength) return 'no'
    if (type === pcapngBlock.sectionHeader) return 'yes'
    // The trailing copy of the length makes a block self-checking.
    if (off + length > end) return eof ? 'no' : 'more'
    return this.u32(buf, off + length - 4) === length ? 'yes' : 'no'
  }

  describe(buf: Buffer, off: number): string {
    if (off + 8 > buf.length) return 'pcapng block'
    return `pcapng block type 0x${this.u32(buf, off).toString(16)} of ${this.u32(buf, off + 4)} bytes`
  }

  private parseSectionHeader(buf: Buffer, off: number, length: number): boolean {
    this.littleEndian = buf.readUInt32LE(off + 8) === byteOrderMagic
    if (this.u32(buf, off + length - 4) !== length) return false
    if (!this.sectionSeen) this.info.bigEndian = !this.littleEndian
    this.sectionSeen = true
    this.interfaces = []
    this.info.sections++
    return true
  }

  private parseInterfaceDescription(buf: Buffer, off: number, length: number): boolean {
    if (length < 20) return false
    const linkType = this.u16(buf, off + 8)
    const snaplen = this.u32(buf, off + 12)
    const clock: InterfaceClock = { linkType, snaplen, multiply: 1000n, divide: 1n, shift: 0n, offsetNs: 0n }
    let pos = off + 16
    const end = off + length - 4
    while (pos + 4 <= end) {
      const code = this.u16(buf, pos)
      const size = this.u16(buf, pos + 2)
      const value = pos + 4
      if (code === optionEnd || value + size > end) break
      if (code === optionTsResolution && size >= 1) setResolution(clock, buf[value] ?? 6)
      else if (code === optionTsOffset && size >= 8) clock.offsetNs = this.i64(buf, value) * 1_000_000_000n
      pos = value + ((size + 3) & ~3)
    }
    this.interfaces.push(clock)
    this.info.linkTypes.add(linkType)
    return true
  }

  private parseEnhancedPacket(buf: Buffer, off: number, length: number, fileOffset: number): boolean {
    if (length < 32) return false
    const interfaceId = this.u32(buf, off + 8)
    const caplen = this.u32(buf, off + 20)
    if (28 + caplen + 4 > length) return false
    const clock = this.interfaceFor(interfaceId, fileOffset)
    if (!clock) return true
    const ticks = (BigInt(this.u32(buf, off + 12)) << 32n) | BigInt(this.u32(buf, off + 16))
    this.emit(clock, ticks, buf, off + 28, caplen, this.u32(buf, off + 24), fileOffset, interfaceId)
    return true
  }

  private parseObsoletePacket(buf: Buffer, off: number, length: number, fileOffset: number): boolean {
    if (length < 32) return false
    const interfaceId = this.u16(buf, off + 8)
    const caplen = this.u32(buf, off + 20)
    if (28 + caplen + 4 > length) return false
    const clock = this.interfaceFor(interfaceId, fileOffset)
    if (!clock) return true
    const ticks = (BigInt(this.u32(buf, off + 12)) << 32n) | BigInt(this.u32(buf, off + 16))
    this.emit(clock, ticks, buf, off + 28, caplen, this.u32(buf, off + 24), fileOffset, interfaceId)
    return true
  }

  private parseSimplePacket(buf: Buffer, off: number, length: number, fileOffset: number): boolean {
    if (length < 16) return false
    const clock = this.interfaceFor(0, fileOffset)
    if (!clock) return true
    const originalLength = this.u32(buf, off + 8)
    let caplen = Math.min(originalLength, length - 16)
    if (clock.snaplen > 0) caplen = Math.min(caplen, clock.snaplen)
    // An SPB has no timestamp: it inherits the previous packet's, so time never runs backwards.
    this.onPacket({
      tsNs: this.lastTsNs,
      linkType: clock.linkType,
      data: buf.subarray(off + 12, off + 12 + caplen),
      originalLength: Math.max(originalLength, caplen),
      fileOffset,
      interfaceId: 0,
    })
    return true
  }

  private emit(
    clock: InterfaceClock,
    ticks: bigint,
    buf: Buffer,
    dataOff: number,
    caplen: number,
    originalLength: number,
    fileOffset: number,
    interfaceId: number,
  ): void {
    const scaled =
      clock.shift > 0n ? (ticks * 1_000_000_000n) >> clock.shift : (ticks * clock.multiply) / clock.divide
    const tsNs = scaled + clock.offsetNs
    this.lastTsNs = tsNs
    this.onPacket({
      tsNs,
      linkType: clock.linkType,
      data: buf.subarray(dataOff, dataOff + caplen),
      originalLength: Math.max(originalLength, caplen),
      fileOffset,
      interfaceId,
    })
  }

  private interfaceFor(interfaceId: number, fileOffset: number): InterfaceClock | undefined {
    const clock = this.interfaces[interfaceId]
    if (!clock) this.onUnsupported(`packet for undescribed interface ${interfaceId} skipped`, fileOffset)
    return clock
  }

  private u16(buf: Buffer, off: number): number {
    return this.littleEndian ? buf.readUInt16LE(off) : buf.readUInt16BE(off)
  }

  private u32(buf: Buffer, off: number): number {
    return this.littleEndian ? buf.readUInt32LE(off) : buf.readUInt32BE(off)
  }

  private i64(buf: Buffer, off: number): bigint {
    return this.littleEndian ? buf.readBigInt64LE(off) : buf.readBigInt64BE(off)
  }
}

/**
 * `if_tsresol`: most significant bit clear → 10^-n seconds per tick, set → 2^-n. Default 10^-6.
 */
function setResolution(clock: InterfaceClock, value: number): void {
  const exponent = value & 0x7f
  clock.multiply = 1n
  clock.divide = 1n
  clock.shift = 0n
  if (value & 0x80) {
    clock.shift = BigInt(exponent)
    if (exponent === 0) clock.multiply = 1_000_000_000n
  } else if (exponent <= 9) {
    clock.multiply = 10n ** BigInt(9 - exponent)
  } else {
    clock.divide = 10n ** BigInt(exponent - 9)
  }
}
