/** TCP flag bits (RFC 9293; NS/AE is bit 8). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  AE: 0x100,
} as const

export interface TcpHeader {
  srcPort: number
  dstPort: number
  seq: number
  ack: number
  flags: number
  window: number
  /** Header length including options (data offset × 4). */
  headerLength: number
}

/** Fixed part of the header is 20 bytes; `undefined` when the captured bytes end before it does. */
export function decodeTcpHeader(data: Buffer, off: number): TcpHeader | undefined {
  if (data.length < off + 20) return undefined
  const headerLength = (data[off + 12]! >> 4) * 4
  if (headerLength < 20) return undefined
  return {
    srcPort: data.readUInt16BE(off),
    dstPort: data.readUInt16BE(off + 2),
    seq: data.readUInt32BE(off + 4),
    ack: data.readUInt32BE(off + 8),
    flags: data[off + 13]! | ((data[off + 12]! & 0x01) << 8),
    window: data.readUInt16BE(off + 14),
    headerLength,
  }
}

export interface TcpOptions {
  mss?: number
  windowScale?: number
  sackPermitted?: boolean
  timestamp?: { value: number; echo: number }
  /** SACK blocks as [left, right) sequence number pairs. */
  sack?: Array<[number, number]>
}

const optionEnd = 0
const optionNop = 1
const optionMss = 2
const optionWindowScale = 3
const optionSackPermitted = 4
const optionSack = 5
const optionTimestamp = 8

/** Decodes the options between the fixed header and the data offset; stops quietly at malformed ones. */
export function decodeTcpOptions(data: Buffer, start: number, end: number): TcpOptions {
  const options: TcpOptions = {}
  let pos = start
  const limit = Math.min(end, data.length)
  while (pos < limit) {
    const kind = data[pos]!
    if (kind === optionEnd) break
    if (kind === optionNop) {
      pos++
      continue
    }
    if (pos + 1 >= limit) break
    const length = data[pos + 1]!
    if (length < 2 || pos + length > limit) break
    if (kind === optionMss && length === 4) options.mss = data.readUInt16BE(pos + 2)
    else if (kind === optionWindowScale && length === 3) options.windowScale = data[pos + 2]!
    else if (kind === optionSackPermitted && length === 2) options.sackPermitted = true
    else if (kind === optionTimestamp && length === 10)
      options.timestamp = { value: data.readUInt32BE(pos + 2), echo: data.readUInt32BE(pos + 6) }
    else if (kind === optionSack && (length - 2) % 8 === 0) {
      options.sack = []
      for (let p = pos + 2; p < pos + length; p += 8)
        options.sack.push([data.readUInt32BE(p), data.readUInt32BE(p + 4)])
    }
    pos += length
  }
  return options
}
