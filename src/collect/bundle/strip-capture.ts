import { writeSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { CollectError } from '../../errors.js'
import type { CapturedPacket } from '../../pcap/capture-packet.js'
import { CaptureParser } from '../../pcap/capture-parser.js'
import { feedCapture } from '../../pcap/capture-source.js'
import { readKafkaCapture } from '../../pcap/kafka-capture.js'
import { PacketDecoder } from '../../pcap/packet-decoder.js'
import { WarningLog } from '../../pcap/warnings.js'

/**
 * The capture an evidence bundle keeps: every packet's link, IP and TCP headers, and — for a packet
 * whose TCP payload begins with a Kafka frame — that frame's size prefix and header (request: api
 * key, version, correlation id, client id; response: correlation id). Every body is cut, so no record
 * key or value, no SASL token, nothing a client sent or fetched is kept: what the bodies said is in
 * `capture/traffic.json`, analysed from the full capture before it was deleted (docs/bundle.md,
 * "Payloads"). Wireshark still opens the file and shows who talked to whom, when, with which API.
 *
 * Two passes: the capture pipeline finds where frames start (by file offset of their first packet);
 * then each packet is written again, cut after its TCP header or after the frame header it starts
 * with. A frame is only trusted to start a packet when the payload's first bytes repeat its size and
 * its api key or correlation id, so a frame that starts mid-packet is stripped with the rest.
 */

interface FrameStart {
  size: number
  /** Bytes of the payload to keep: the size prefix and the header. */
  keep: number
  /** Checked against the payload: api key (requests) or correlation id (responses). */
  check: { at: number; value: number; bytes: 2 | 4 }
}

export interface StripResult {
  packets: number
  written: number
  /** Packets whose payload kept a Kafka frame header. */
  headersKept: number
  /** Packets left out: not TCP, or a link type other than the file's first. */
  skipped: number
}

/** Frames recorded per file at most; later packets keep their TCP headers only. */
const maxFrameStarts = 2_000_000

export async function writeHeadersOnlyCapture(
  files: readonly string[],
  outFile: string,
  options: { brokerPorts?: readonly number[] } = {},
): Promise<StripResult> {
  const result: StripResult = { packets: 0, written: 0, headersKept: 0, skipped: 0 }
  const handle = await open(outFile, 'w').catch((error: NodeJS.ErrnoException) => {
    throw new CollectError(`cannot write ${outFile}: ${error.code ?? error}`)
  })
  let linkType: number | undefined
  // Written synchronously in ~1 MB pieces from inside the parser's callback, so memory stays flat
  // whatever the size of the capture.
  const pending: Buffer[] = []
  let pendingBytes = 0
  const flush = () => {
    if (pending.length === 0) return
    const chunk = Buffer.concat(pending, pendingBytes)
    pending.length = 0
    pendingBytes = 0
    writeSync(handle.fd, chunk)
  }
  const emit = (buffer: Buffer) => {
    pending.push(buffer)
    pendingBytes += buffer.length
    if (pendingBytes >= 1 << 20) flush()
  }
  try {
    for (const file of files) {
      const starts = await frameStarts(file, options.brokerPorts)
      const warnings = new WarningLog(0)
      const decoder = new PacketDecoder(warnings)
      const parser = new CaptureParser((packet) => {
        result.packets++
        if (linkType === undefined) {
          linkType = packet.linkType
          emit(fileHeader(linkType))
        }
        if (packet.linkType !== linkType) {
          result.skipped++
          return
        }
        const segment = decoder.decode(packet)
        if (!segment) {
          result.skipped++
          return
        }
        const payloadStart = segment.payload.byteOffset - packet.data.byteOffset
        let keep = 0
        const start = starts.get(packet.fileOffset)
        if (start && startsPayload(segment.payload, start)) {
          keep = Math.min(start.keep, segment.payload.length)
          result.headersKept++
        }
        emit(record(packet, payloadStart + keep))
        result.written++
      }, warnings)
      await feedCapture(file, parser)
      flush()
    }
    if (linkType === undefined) writeSync(handle.fd, fileHeader(1))
  } finally {
    await handle.close()
  }
  return result
}

async function frameStarts(file: string, brokerPorts?: readonly number[]): Promise<Map<number, FrameStart>> {
  const starts = new Map<number, FrameStart>()
  await readKafkaCapture(file, {
    ...(brokerPorts ? { brokerPorts } : {}),
    onFrame(frame) {
      // The first frame of a packet is the only one that can start its payload.
      if (starts.has(frame.fileOffset) || starts.size >= maxFrameStarts) return
      if (frame.direction === 'request') {
        if (!frame.header) return
        starts.set(frame.fileOffset, {
          size: frame.size,
          keep: 4 + frame.header.length,
          check: { at: 4, value: frame.header.apiKey, bytes: 2 },
        })
      } else if (frame.correlationId !== undefined) {
        starts.set(frame.fileOffset, {
          size: frame.size,
          keep: 8,
          check: { at: 4, value: frame.correlationId, bytes: 4 },
        })
      }
    },
  })
  return starts
}

function startsPayload(payload: Buffer, start: FrameStart): boolean {
  if (payload.length < start.check.at + start.check.bytes) return false
  if (payload.readInt32BE(0) !== start.size) return false
  const value =
    start.check.bytes === 2 ? payload.readInt16BE(start.check.at) : payload.readInt32BE(start.check.at)
  return value === start.check.value
}

/** A classic pcap header with nanosecond timestamps (magic a1b23c4d), little-endian. */
function fileHeader(linkType: number): Buffer {
  const header = Buffer.alloc(24)
  header.writeUInt32LE(0xa1b23c4d, 0)
  header.writeUInt16LE(2, 4)
  header.writeUInt16LE(4, 6)
  header.writeInt32LE(0, 8)
  header.writeUInt32LE(0, 12)
  header.writeUInt32LE(262_144, 16)
  header.writeUInt32LE(linkType, 20)
  return header
}

function record(packet: CapturedPacket, length: number): Buffer {
  const data = packet.data.subarray(0, Math.min(length, packet.data.length))
  const out = Buffer.alloc(16 + data.length)
  out.writeUInt32LE(Number(packet.tsNs / 1_000_000_000n), 0)
  out.writeUInt32LE(Number(packet.tsNs % 1_000_000_000n), 4)
  out.writeUInt32LE(data.length, 8)
  out.writeUInt32LE(packet.originalLength, 12)
  data.copy(out, 16)
  return out
}
