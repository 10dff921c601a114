import { isKafkaDoctorError } from '../errors.js'
import { BrokerEndpoints, defaultBrokerPorts } from './broker-endpoints.js'
import type { CapturedPacket } from './capture-packet.js'
import { CaptureParser } from './capture-parser.js'
import { type CaptureSource, type FeedOptions, feedCapture } from './capture-source.js'
import { formatEndpoint } from './ip-address.js'
import { createPairingStats, KafkaConnection, type PairingStats } from './kafka-connection.js'
import type { FrameDecoder, KafkaExchange, KafkaFrame } from './kafka-frame.js'
import { createFramerStats, type FramerStats } from './kafka-framer.js'
import { defaultPlausibility, type FramePlausibility } from './kafka-header.js'
import { linkTypeName } from './link-types.js'
import { PacketDecoder, type PacketStats } from './packet-decoder.js'
import {
  type ConnectionInfo,
  defaultReassemblyOptions,
  type ReassemblyStats,
  TcpReassembler,
} from './tcp-reassembler.js'
import { type CaptureWarning, type WarningCode, WarningLog } from './warnings.js'

export interface KafkaCaptureOptions<RequestBody = unknown, ResponseBody = unknown> {
  /** TCP ports brokers listen on (default 9092). */
  brokerPorts?: readonly number[]
  /** Largest Kafka frame believed (default 128 MiB). */
  maxFrameBytes?: number
  /** Out-of-order bytes held per direction while waiting for a missing segment (default 8 MiB). */
  maxOutOfOrderBytes?: number
  /** Requests waiting for their response per connection (default 1024). */
  maxOutstandingRequests?: number
  /** Connections idle this long in capture time are flushed (default 10 minutes). */
  idleTimeoutMs?: number
  /** Connections tracked at once (default 20,000). */
  maxConnections?: number
  /** Warnings kept in the summary; the rest are only counted (default 100). */
  maxWarnings?: number
  /** The Kafka codec, plugged in by the decoding step. */
  decoder?: FrameDecoder<RequestBody, ResponseBody>
  onFrame?: (frame: KafkaFrame) => void
  onExchange?: (exchange: KafkaExchange<RequestBody, ResponseBody>) => void
  onWarning?: (warning: CaptureWarning) => void
  onConnection?: (connection: ConnectionInfo) => void
}

export interface KafkaCaptureSummary {
  format: string
  bigEndian: boolean
  sections: number
  linkTypes: Array<{ linkType: number; name: string }>
  bytesRead: number
  /** Capture time of the first and last packet (undefined for a capture without packets). */
  firstTs: bigint | undefined
  lastTs: bigint | undefined
  packets: PacketStats
  tcp: ReassemblyStats
  framing: { requests: FramerStats; responses: FramerStats }
  pairing: PairingStats
  warnings: CaptureWarning[]
  warningCounts: Partial<Record<WarningCode, number>>
}

/**
 * The whole pipeline for one capture: file format → link/IP/TCP → reassembly → Kafka frames → pairs.
 * Push-based and synchronous (`push` chunks, then `end`), so it runs at the speed of the parsing and
 * is deterministic for tests and fuzzing; `readKafkaCapture` drives it from a file or stream.
 */
export class KafkaCaptureSession<RequestBody = unknown, ResponseBody = unknown> {
  readonly brokers: BrokerEndpoints
  readonly warnings: WarningLog
  private readonly parser: CaptureParser
  private readonly decoder: PacketDecoder
  private readonly reassembler: TcpReassembler
  private readonly requestFramer = createFramerStats()
  private readonly responseFramer = createFramerStats()
  private readonly pairing = createPairingStats()
  private firstTs: bigint | undefined
  private lastTs: bigint | undefined
  private bytesRead = 0
  private summary: KafkaCaptureSummary | undefined

  constructor(options: KafkaCaptureOptions<RequestBody, ResponseBody> = {}) {
    this.brokers = new BrokerEndpoints(options.brokerPorts ?? defaultBrokerPorts)
    this.warnings = new WarningLog(options.maxWarnings ?? 100, options.onWarning)
    this.parser = new CaptureParser((packet) => this.packet(packet), this.warnings)
    this.decoder = new PacketDecoder(this.warnings)
    const decoder = options.decoder
    const limits: FramePlausibility = {
      ...defaultPlausibility,
      ...(options.maxFrameBytes === undefined ? {} : { maxFrameBytes: options.maxFrameBytes }),
      ...(decoder?.isKnownRequest ? { isKnownRequest: decoder.isKnownRequest.bind(decoder) } : {}),
    }
    const connectionContext = {
      limits,
      maxOutstandingRequests: options.maxOutstandingRequests ?? 1024,
      decoder,
      requestFramer: this.requestFramer,
      responseFramer: this.responseFramer,
      pairing: this.pairing,
      learnBroker: (host: string, port: number) => this.brokers.learn(host, port),
      onFrame: options.onFrame,
      onExchange: options.onExchange,
      onDesync: (connection: ConnectionInfo, direction: string, reason: string, fileOffset: number) =>
        this.warnings.add(
          'kafka-desync',
          `${direction}s of ${formatEndpoint(connection.client.ip, connection.client.port)} → ` +
            `${formatEndpoint(connection.broker.ip, connection.broker.port)} lost frame alignment: ${reason}`,
          fileOffset,
        ),
    }
    this.reassembler = new TcpReassembler(
      this.brokers,
      (info) => {
        options.onConnection?.(info)
        return new KafkaConnection<RequestBody, ResponseBody>(info, connectionContext)
      },
      {
        ...defaultReassemblyOptions,
        ...(options.maxOutOfOrderBytes === undefined
          ? {}
          : { maxOutOfOrderBytes: options.maxOutOfOrderBytes }),
        ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
        ...(options.idleTimeoutMs === undefined
          ? {}
          : { idleTimeoutNs: BigInt(Math.round(options.idleTimeoutMs)) * 1_000_000n }),
      },
      this.warnings,
    )
  }

  /** Feeds the next bytes of the capture file. */
  push(chunk: Buffer): void {
    this.bytesRead += chunk.length
    this.parser.push(chunk)
  }

  /** Ends the capture: flushes every connection and returns the summary. */
  end(): KafkaCaptureSummary {
    if (this.summary) return this.summary
    this.parser.end()
    return this.finish()
  }

  /** Ends after a read error: what was read so far is kept and the error becomes a warning. */
  abort(message: string): KafkaCaptureSummary {
    if (this.summary) return this.summary
    this.warnings.add('unrecoverable', message, this.parser.offset)
    return this.finish()
  }

  private finish(): KafkaCaptureSummary {
    this.reassembler.finish(this.parser.offset)
    const info = this.parser.info
    this.summary = {
      format: info.format,
      bigEndian: info.bigEndian,
      sections: info.sections,
      linkTypes: [...info.linkTypes].map((linkType) => ({ linkType, name: linkTypeName(linkType) })),
      bytesRead: this.bytesRead,
      firstTs: this.firstTs,
      lastTs: this.lastTs,
      packets: this.decoder.stats,
      tcp: this.reassembler.stats,
      framing: { requests: this.requestFramer, responses: this.responseFramer },
      pairing: this.pairing,
      warnings: this.warnings.kept,
      warningCounts: Object.fromEntries(this.warnings.countByCode),
    }
    return this.summary
  }

  private packet(packet: CapturedPacket): void {
    const ts = packet.tsNs
    if (this.firstTs === undefined || ts < this.firstTs) this.firstTs = ts
    if (this.lastTs === undefined || ts > this.lastTs) this.lastTs = ts
    const segment = this.decoder.decode(packet)
    if (segment) this.reassembler.segment(segment)
  }
}

/**
 * Reads a capture file (or `-` for stdin, or any Readable) and returns its summary; frames and
 * exchanges go to the callbacks in `options` as they are found. A capture that is not pcap/pcapng at
 * all throws BadInputError; anything wrong later (truncation, corruption, a read error) becomes a
 * warning with its byte offset and everything read before it is kept.
 */
export async function readKafkaCapture<RequestBody = unknown, ResponseBody = unknown>(
  source: CaptureSource,
  options: KafkaCaptureOptions<RequestBody, ResponseBody> & FeedOptions = {},
): Promise<KafkaCaptureSummary> {
  const session = new KafkaCaptureSession<RequestBody, ResponseBody>(options)
  const sink = {
    push: (chunk: Buffer) => session.push(chunk),
    end: () => {
      session.end()
    },
  }
  try {
    await feedCapture(source, sink, { ...options, reuseBuffers: true })
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException | undefined)?.code
    if (isKafkaDoctorError(error) || !errno) throw error
    return session.abort(`read error ${errno}: ${(error as Error).message}`)
  }
  return session.end()
}
