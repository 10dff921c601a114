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
  /** Bytes the client sent, in order. */
  toServer: Uint8Array
  /** Bytes the server sent, in order. */
  toClient: Uint8Array
}

interface Segment {
  seq: number
  payload: Uint8Array
}

/** TCP streams of a classic pcap (loopback: Ethernet or Linux cooked link types), keyed by connection. */
export function tcpStreams(pcap: Uint8Array, serverPorts: readonly number[]): TcpStream[] {
  const view = new DataView(pcap.buffer, pcap.byteOffset, pcap.byteLength)
  const magic = view.getUint32(0, true)
  const little = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  if (!little && view.getUint32(0, false) !== 0xa1b2c3d4 && view.getUint32(0, false) !== 0xa1b23c4d) {
    throw new Error('not a classic pcap file')
  }
  const linkType = view.getUint32(20, little) & 0x0fffffff
  const directions = new Map<string, { isn?: number; segments: Segment[] }>()
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
    const key = `${src}>${dst}`
    const direction = directions.get(key) ?? { segments: [] }
    directions.set(key, direction)
    if (flags & 0x02) direction.isn = seq
    if (payload.byteLength > 0) direction.segments.push({ seq, payload })
  }
  const streams: TcpStream[] = []
  for (const [key, direction] of directions) {
    const [src, dst] = key.split('>').map(Number) as [number, number]
    if (!serverPorts.includes(dst)) continue
    const back = directions.get(`${dst}>${src}`)
    streams.push({
      clientPort: src,
      serverPort: dst,
      toServer: assemble(direction),
      toClient: back ? assemble(back) : new Uint8Array(0),
    })
  }
  return streams
}

function assemble(direction: { isn?: number; segments: Segment[] }): Uint8Array {
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

/** Requests and their responses, paired by correlation id per connection. */
export function kafkaExchanges(streams: readonly TcpStream[]): KafkaExchange[] {
  const out: KafkaExchange[] = []
  for (const stream of streams) {
    const responses = new Map<number, Uint8Array>()
    for (const frame of kafkaFrames(stream.toClient))
      responses.set(new DataView(frame.buffer, frame.byteOffset).getInt32(4), frame)
    for (const request of kafkaFrames(stream.toServer)) {
      const view = new DataView(request.buffer, request.byteOffset, request.byteLength)
      const correlationId = view.getInt32(8)
      out.push({
        clientPort: stream.clientPort,
        serverPort: stream.serverPort,
        apiKey: view.getInt16(4),
        apiVersion: view.getInt16(6),
        correlationId,
        request,
        response: responses.get(correlationId),
      })
    }
  }
  return out
}
