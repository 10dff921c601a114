import { BrokerEndpoints } from '../../src/pcap/broker-endpoints.js'
import { PacketDecoder } from '../../src/pcap/packet-decoder.js'
import {
  type ConnectionInfo,
  defaultReassemblyOptions,
  type ReassemblyOptions,
  TcpReassembler,
} from '../../src/pcap/tcp-reassembler.js'
import type { GapReason, StreamSink } from '../../src/pcap/tcp-stream.js'
import { WarningLog } from '../../src/pcap/warnings.js'
import { parseCapture } from './pcap-fixtures.js'

/** One direction of a connection as the reassembler delivered it. */
export interface RecordedStream {
  fromStart: boolean | undefined
  /** Delivered bytes as hex, with `[gap N reason]` where bytes were missing. */
  text: string
  /** Only the bytes (hex). */
  hex: string
  gaps: Array<{ length: number; reason: GapReason }>
  ended: boolean
}

export interface RecordedConnection {
  info: ConnectionInfo
  toBroker: RecordedStream
  toClient: RecordedStream
  closed: boolean
}

function recorder(): StreamSink & { stream: RecordedStream } {
  const stream: RecordedStream = { fromStart: undefined, text: '', hex: '', gaps: [], ended: false }
  return {
    stream,
    begin(fromStart) {
      stream.fromStart = fromStart
    },
    data(bytes) {
      const hex = bytes.toString('hex')
      stream.text += hex
      stream.hex += hex
    },
    gap(length, reason) {
      stream.text += `[gap ${length} ${reason}]`
      stream.gaps.push({ length, reason })
    },
    end() {
      stream.ended = true
    },
  }
}

/** Runs link/IP/TCP decoding and reassembly over a capture and records what each connection delivered. */
export function reassemble(bytes: Buffer, ports: number[], options: Partial<ReassemblyOptions> = {}) {
  const warnings = new WarningLog(1000)
  const decoder = new PacketDecoder(warnings)
  const connections: RecordedConnection[] = []
  const reassembler = new TcpReassembler(
    new BrokerEndpoints(ports),
    (info) => {
      const toBroker = recorder()
      const toClient = recorder()
      const connection: RecordedConnection = {
        info,
        toBroker: toBroker.stream,
        toClient: toClient.stream,
        closed: false,
      }
      connections.push(connection)
      return {
        toBroker,
        toClient,
        closed() {
          connection.closed = true
        },
      }
    },
    { ...defaultReassemblyOptions, ...options },
    warnings,
  )
  const { packets } = parseCapture(bytes)
  for (const p of packets) {
    const segment = decoder.decode(p)
    if (segment) reassembler.segment(segment)
  }
  reassembler.finish(bytes.length)
  return { connections, stats: reassembler.stats, warnings, reassembler }
}
