import type { BrokerEndpoints } from './broker-endpoints.js'
import { formatEndpoint, formatIp, type IpKey } from './ip-address.js'
import type { TcpSegment } from './packet-decoder.js'
import { TcpFlag } from './tcp-header.js'
import {
  createTcpStreamStats,
  type GapReason,
  type StreamSink,
  TcpStream,
  type TcpStreamStats,
} from './tcp-stream.js'
import type { WarningLog } from './warnings.js'

export interface Endpoint {
  ip: string
  port: number
}

/** A client↔broker TCP connection as the capture shows it. */
export interface ConnectionInfo {
  /** Sequential id in order of first appearance in the capture (1, 2, …). */
  id: number
  client: Endpoint
  broker: Endpoint
  ipVersion: 4 | 6
  /** Time of the first packet seen. */
  firstTs: bigint
  /** File offset of the first packet seen. */
  fileOffset: number
  /** The client's SYN was in the capture (else the capture joined the connection midway). */
  sawSyn: boolean
}

/** What the layer above attaches to each connection: one sink per direction. */
export interface ConnectionSinks {
  toBroker: StreamSink
  toClient: StreamSink
  /** Both directions have ended and the connection is forgotten. */
  closed?(tsNs: bigint, fileOffset: number): void
}

export interface ReassemblyOptions {
  maxOutOfOrderBytes: number
  maxOutOfOrderSegments: number
  /** Connections with no packet for this long (capture time) are flushed and forgotten. */
  idleTimeoutNs: bigint
  /** Connections held at once; beyond it the oldest are flushed and forgotten. */
  maxConnections: number
}

export const defaultReassemblyOptions: ReassemblyOptions = {
  maxOutOfOrderBytes: 8 * 1024 * 1024,
  maxOutOfOrderSegments: 4096,
  idleTimeoutNs: 600_000_000_000n,
  maxConnections: 20_000,
}

export interface ReassemblyStats {
  connections: number
  connectionsWithSyn: number
  /** TCP segments between endpoints neither of which is a broker: not Kafka, ignored. */
  nonKafkaSegments: number
  /** Connections forgotten because idle or over the connection bound. */
  evicted: number
  toBroker: TcpStreamStats
  toClient: TcpStreamStats
}

interface Connection {
  info: ConnectionInfo
  key: string
  sinks: ConnectionSinks
  toBroker: TcpStream
  toClient: TcpStream
  clientIsn: number | undefined
  lastTs: bigint
}

const sweepEveryPackets = 65_536

/**
 * TCP connections between clients and brokers: finds the broker side, reassembles both directions,
 * notices connection reuse (a new SYN on the same address pair), ends streams on FIN/RST, and keeps
 * memory bounded by evicting idle connections.
 */
export class TcpReassembler {
  readonly stats: ReassemblyStats = {
    connections: 0,
    connectionsWithSyn: 0,
    nonKafkaSegments: 0,
    evicted: 0,
    toBroker: createTcpStreamStats(),
    toClient: createTcpStreamStats(),
  }
  private readonly connections = new Map<string, Connection>()
  private nextId = 1
  private packetsSinceSweep = 0
  private lastTs = 0n
  private snaplenWarned = false

  constructor(
    private readonly brokers: BrokerEndpoints,
    private readonly createSinks: (info: ConnectionInfo) => ConnectionSinks,
    private readonly options: ReassemblyOptions,
    private readonly warnings: WarningLog,
  ) {}

  get openConnections(): number {
    return this.connections.size
  }

  segment(seg: TcpSegment): void {
    if (seg.tsNs > this.lastTs) this.lastTs = seg.tsNs
    if (++this.packetsSinceSweep >= sweepEveryPackets) this.sweep(seg.fileOffset)

    const dstIsBroker = this.brokers.isBroker(seg.dst, seg.dstPort)
    const srcIsBroker = this.brokers.isBroker(seg.src, seg.srcPort)
    if (!dstIsBroker && !srcIsBroker) {
      this.stats.nonKafkaSegments++
      return
    }
    const syn = (seg.flags & TcpFlag.SYN) !== 0
    const ack = (seg.flags & TcpFlag.ACK) !== 0
    let toBroker = dstIsBroker && !srcIsBroker
    let conn: Connection | undefined
    if (dstIsBroker && srcIsBroker) {
      // Both ends on broker ports (broker to broker): an existing connection or the SYN decides.
      conn = this.connections.get(key(seg.src, seg.srcPort, seg.dst, seg.dstPort))
      if (conn) toBroker = true
      else {
        conn = this.connections.get(key(seg.dst, seg.dstPort, seg.src, seg.srcPort))
        toBroker = conn ? false : !(syn && ack)
      }
    } else {
      conn = this.connections.get(
        toBroker
          ? key(seg.src, seg.srcPort, seg.dst, seg.dstPort)
          : key(seg.dst, seg.dstPort, seg.src, seg.srcPort),
      )
    }

    const clientSyn = syn && !ack && toBroker
    if (conn && clientSyn && conn.clientIsn !== undefined && conn.clientIsn !== seg.seq) {
      // The same address pair reused for a new connection.
      this.close(conn, seg.tsNs, seg.fileOffset)
      conn = undefined
    }
    if (!conn) {
      // Pure ACKs, FINs and RSTs of connections we know nothing about carry nothing to follow.
      if (!syn && seg.payloadLength === 0) return
      conn = this.open(seg, toBroker, clientSyn)
    }
    conn.lastTs = seg.tsNs
    if (clientSyn) conn.clientIsn = seg.seq

    const [own, peer] = toBroker ? [conn.toBroker, conn.toClient] : [conn.toClient, conn.toBroker]
    const fin = (seg.flags & TcpFlag.FIN) !== 0
    own.segment(seg.seq, syn, fin, seg.payload, seg.payloadLength, seg.tsNs, seg.fileOffset)
    if (ack) peer.peerAcknowledged(seg.ack, seg.tsNs, seg.fileOffset)
    if ((seg.flags & TcpFlag.RST) !== 0) {
      own.finish(seg.tsNs, seg.fileOffset)
      peer.finish(seg.tsNs, seg.fileOffset)
    }
    if (own.isEnded && peer.isEnded) this.close(conn, seg.tsNs, seg.fileOffset)
  }

  /** End of the capture: every open connection is flushed (holes become gaps) and closed. */
  finish(fileOffset: number): void {
    for (const conn of [...this.connections.values()]) this.close(conn, this.lastTs, fileOffset)
  }

  private open(seg: TcpSegment, toBroker: boolean, clientSyn: boolean): Connection {
    const [clientIp, clientPort, brokerIp, brokerPort] = toBroker
      ? [seg.src, seg.srcPort, seg.dst, seg.dstPort]
      : [seg.dst, seg.dstPort, seg.src, seg.srcPort]
    const info: ConnectionInfo = {
      id: this.nextId++,
      client: { ip: formatIp(clientIp), port: clientPort },
      broker: { ip: formatIp(brokerIp), port: brokerPort },
      ipVersion: seg.ipVersion,
      firstTs: seg.tsNs,
      fileOffset: seg.fileOffset,
      sawSyn: clientSyn,
    }
    const sinks = this.createSinks(info)
    const limits = this.options
    const conn: Connection = {
      info,
      key: key(clientIp, clientPort, brokerIp, brokerPort),
      sinks,
      toBroker: new TcpStream(
        sinks.toBroker,
        limits,
        this.stats.toBroker,
        this.gapReporter(info, 'client → broker'),
      ),
      toClient: new TcpStream(
        sinks.toClient,
        limits,
        this.stats.toClient,
        this.gapReporter(info, 'broker → client'),
      ),
      clientIsn: undefined,
      lastTs: seg.tsNs,
    }
    this.stats.connections++
    if (clientSyn) this.stats.connectionsWithSyn++
    if (this.connections.size >= this.options.maxConnections) this.evictOldest(seg.fileOffset)
    this.connections.set(conn.key, conn)
    return conn
  }

  /**
   * Lost bytes are warned about one by one (each is a place where frames may be damaged); bytes cut by
   * snaplen only once per capture, since then every long packet is cut.
   */
  private gapReporter(info: ConnectionInfo, direction: string) {
    return (length: number, reason: GapReason, fileOffset: number) => {
      if (reason === 'snaplen') {
        if (this.snaplenWarned) return
        this.snaplenWarned = true
        this.warnings.add(
          'tcp-gap',
          'packets were cut by the capture snaplen: frame headers are still read, bodies are incomplete (capture with -s 0 for full frames)',
          fileOffset,
        )
        return
      }
      const endpoints = `${formatEndpoint(info.client.ip, info.client.port)} ↔ ${formatEndpoint(info.broker.ip, info.broker.port)}`
      const why = reason === 'limit' ? 'given up after the out-of-order bound' : 'not in the capture'
      this.warnings.add('tcp-gap', `${length} bytes ${direction} on ${endpoints} ${why}`, fileOffset)
    }
  }

  private close(conn: Connection, tsNs: bigint, fileOffset: number): void {
    if (this.connections.get(conn.key) === conn) this.connections.delete(conn.key)
    conn.toBroker.finish(tsNs, fileOffset)
    conn.toClient.finish(tsNs, fileOffset)
    conn.sinks.closed?.(tsNs, fileOffset)
  }

  /** Forgets connections idle for longer than the timeout (in capture time). */
  private sweep(fileOffset: number): void {
    this.packetsSinceSweep = 0
    const cutoff = this.lastTs - this.options.idleTimeoutNs
    for (const conn of [...this.connections.values()]) {
      if (conn.lastTs < cutoff) {
        this.stats.evicted++
        this.close(conn, conn.lastTs, fileOffset)
      }
    }
  }

  private evictOldest(fileOffset: number): void {
    // Map iteration order is insertion order: the first entries are the oldest connections.
    const excess = Math.max(1, Math.floor(this.options.maxConnections / 10))
    let n = 0
    for (const conn of [...this.connections.values()]) {
      if (n++ >= excess) break
      this.stats.evicted++
      this.close(conn, conn.lastTs, fileOffset)
    }
    this.warnings.add(
      'limit',
      `more than ${this.options.maxConnections} connections open at once: the ${excess} oldest were flushed`,
      fileOffset,
    )
  }
}

function key(clientIp: IpKey, clientPort: number, brokerIp: IpKey, brokerPort: number): string {
  return `${clientIp}:${clientPort}>${brokerIp}:${brokerPort}`
}
