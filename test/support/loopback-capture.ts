/**
 * Real Kafka traffic for protocol tests: tcpdump on the loopback interface while real clients talk
 * to the test cluster, then the TCP byte streams cut into Kafka frames and paired by correlation id.
 * Test tooling only (classic pcap, loopback, no loss): the product's pcap reader lives in src/pcap.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { TimeoutError } from '../../src/errors.js'

export interface LoopbackCapture {
  file: string
  /** Stops tcpdump (flushing the file) and returns the captured bytes. */
  stop(): Promise<Uint8Array>
}

/** Starts `tcpdump -i lo` for the given TCP ports and resolves once it is listening. */
export async function startLoopbackCapture(ports: readonly number[], file: string): Promise<LoopbackCapture> {
  const filter = ports.map((port) => `tcp port ${port}`).join(' or ')
  const child = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '0', '-n', '-w', file, filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new TimeoutError(`tcpdump did not start listening within 10 s: ${stderr}`))
    }, 10_000)
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
      if (stderr.includes('listening on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`tcpdump exited with ${code}: ${stderr}`))
    })
  })
  return {
    file,
    async stop() {
      await stopChild(child)
      return new Uint8Array(readFileSync(file))
    },
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGINT')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
}

export interface TcpStream {
  clientPort: number
  serverPort: number
  /** Whether the client's SYN was captured: the streams start at a frame boundary. */
  fromStart: boolean
  /** Bytes the client sent, in order. */
  toServer: Uint8Array
  /** Bytes the server sent, in order. */
  toClient: Uint8Array
}

interface Segment {
  seq: number
  payload: Uint8Array
}

interface Direction {
  isn?: number
  segments: Segment[]
}

interface Connection {
  clientPort: number
  serverPort: number
  fromStart: boolean
  toServer: Direction
  toClient: Direction
}

/**
 * TCP streams of a classic pcap (loopback: Ethernet or Linux cooked link types), one per connection.
 * A client SYN on a port pair already seen starts a new connection: while a whole test suite runs,
 * ephemeral client ports are reused, and two connections' bytes must not be laid over each other.
 */
export function tcpStreams(pcap: Uint8Array, serverPorts: readonly number[]): TcpStream[] {
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength)
  const magic = view.getUint32(0, true)
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error('not a classic pcap file')
  }
  const linkType = view.getUint32(20, little) & 0x0fffffff
  const connections: Connection[] = []
  const current = new Map<string, Connection>()
  let at = 24
  while (at + 16 <= pcap.byteLength) {
    const captured = view.getUint32(at + 8, little)
    const packet = pcap.subarray(at + 16, at + 16 + captured)
    at += 16 + captured
    let ip: number
    if (linkType === 1) ip = 14
    else if (linkType === 113) ip = 16
    else if (linkType === 276) ip = 20
    else throw new Error(`link type ${linkType}`)
    const version = packet[ip]! >> 4
    let tcp: number
    let ipEnd: number
    if (version === 4) {
      if (packet[ip + 9] !== 6) continue
      tcp = ip + (packet[ip]! & 0x0f) * 4
      ipEnd = ip + ((packet[ip + 2]! << 8) | packet[ip + 3]!)
    } else if (version === 6) {
      if (packet[ip + 6] !== 6) continue
      tcp = ip + 40
      ipEnd = tcp + ((packet[ip + 4]! << 8) | packet[ip + 5]!)
    } else continue
    const p = new DataView(packet.buffer, packet.byteOffset, packet.byteLength)
    const src = p.getUint16(tcp)
    const dst = p.getUint16(tcp + 2)
    const seq = p.getUint32(tcp + 4)
    const flags = packet[tcp + 13]!
    const payload = packet.subarray(tcp + (packet[tcp + 12]! >> 4) * 4, Math.min(ipEnd, packet.byteLength))
    const toServer = serverPorts.includes(dst)
    if (!toServer && !serverPorts.includes(src)) continue
    const [clientPort, serverPort] = toServer ? [src, dst] : [dst, src]
    const key = `${clientPort}>${serverPort}`
    const syn = (flags & 0x02) !== 0
    const ack = (flags & 0x10) !== 0
    let connection = current.get(key)
    if (!connection || (syn && !ack && toServer && connection.toServer.isn !== seq)) {
      connection = {
        clientPort,
        serverPort,
        fromStart: syn && !ack && toServer,
        toServer: { segments: [] },
        toClient: { segments: [] },
      }
      connections.push(connection)
      current.set(key, connection)
    }
    const direction = toServer ? connection.toServer : connection.toClient
    if (syn) direction.isn = seq
    if (payload.byteLength > 0) direction.segments.push({ seq, payload })
  }
  return connections.map((c) => ({
    clientPort: c.clientPort,
    serverPort: c.serverPort,
    fromStart: c.fromStart,
    toServer: assemble(c.toServer),
    toClient: assemble(c.toClient),
  }))
}

function assemble(direction: Direction): Uint8Array {
  if (direction.segments.length === 0) return new Uint8Array(0)
  const base = direction.isn === undefined ? direction.segments[0]!.seq : (direction.isn + 1) >>> 0
  let size = 0
  for (const s of direction.segments) size = Math.max(size, ((s.seq - base) >>> 0) + s.payload.byteLength)
  const out = new Uint8Array(size)
  for (const s of direction.segments) out.set(s.payload, (s.seq - base) >>> 0)
  return out
}

/** Splits a byte stream into size-prefixed Kafka frames (a trailing partial frame is dropped). */
export function kafkaFrames(stream: Uint8Array): Uint8Array[] {
  const frames: Uint8Array[] = []
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength)
  let at = 0
  while (at + 4 <= stream.byteLength) {
    const size = view.getInt32(at)
    if (size < 0 || at + 4 + size > stream.byteLength) break
    frames.push(stream.subarray(at, at + 4 + size))
    at += 4 + size
  }
  return frames
}

export interface KafkaExchange {
  clientPort: number
  serverPort: number
  apiKey: number
  apiVersion: number
  correlationId: number
  request: Uint8Array
  response: Uint8Array | undefined
}

/**
 * Requests and their responses, paired per connection in order: a broker answers a connection's
 * requests in the order they came, so the next response belongs to the oldest request still waiting
 * — when its correlation id says so (a Produce with acks=0 gets none). Pairing by order rather than by
 * a map of correlation ids keeps clients that reuse one id (raw test clients do) paired right.
 * Only connections captured from their SYN: one that was open before tcpdump started may begin
 * mid-frame, and its "frames" would be noise (the product's reassembly resynchronises there; this
 * oracle does not try).
 */
export function kafkaExchanges(streams: readonly TcpStream[]): KafkaExchange[] {
  const out: KafkaExchange[] = []
  for (const stream of streams) {
    if (!stream.fromStart) continue
    const responses = kafkaFrames(stream.toClient)
    let next = 0
    for (const request of kafkaFrames(stream.toServer)) {
      const view = new DataView(request.buffer, request.byteOffset, request.byteLength)
      const correlationId = view.getInt32(8)
      const candidate = responses[next]
      const answered =
        candidate !== undefined &&
        candidate.byteLength >= 8 &&
        new DataView(candidate.buffer, candidate.byteOffset, candidate.byteLength).getInt32(4) ===
          correlationId
      if (answered) next++
      out.push({
        clientPort: stream.clientPort,
        serverPort: stream.serverPort,
        apiKey: view.getInt16(4),
        apiVersion: view.getInt16(6),
        correlationId,
        request,
        response: answered ? candidate : undefined,
      })
    }
  }
  return out
}
