import { Socket } from 'node:net'
import { ProtocolError, TimeoutError, UnreachableError } from '../../../src/errors.js'

/**
 * A deliberately tiny Kafka client for the test rig: one Metadata v1 request over a fresh socket.
 * Metadata v1 is served by every broker from 0.10 to 4.x, and it is all the rig needs to know that a
 * broker is up and sees its peers. The project's real codec lives in src/protocol; this exists so the
 * rig does not depend on the code it is used to test.
 */

export interface ProbeBroker {
  nodeId: number
  host: string
  port: number
  rack: string | null
}

export interface ProbePartition {
  errorCode: number
  partition: number
  leader: number
  replicas: number[]
  isr: number[]
}

export interface ProbeTopic {
  errorCode: number
  name: string
  internal: boolean
  partitions: ProbePartition[]
}

export interface ProbeMetadata {
  brokers: ProbeBroker[]
  controllerId: number
  topics: ProbeTopic[]
}

const metadataApiKey = 3
const metadataVersion = 1
const maxFrameBytes = 16 * 1024 * 1024

/**
 * Asks one broker for Metadata. `topics` undefined asks for every topic; an empty list asks for none
 * (brokers only, the cheapest probe). Bounded by `timeoutMs` from connect to the last byte.
 */
export function fetchMetadata(
  host: string,
  port: number,
  options: { topics?: readonly string[]; timeoutMs?: number } = {},
): Promise<ProbeMetadata> {
  const timeoutMs = options.timeoutMs ?? 5000
  const correlationId = 1
  const request = encodeMetadataRequest(correlationId, options.topics)
  return new Promise((resolve, reject) => {
    const socket = new Socket()
    const chunks: Buffer[] = []
    let received = 0
    let settled = false
    const finish = (error: Error | undefined, value?: ProbeMetadata) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      if (error) reject(error)
      else resolve(value as ProbeMetadata)
    }
    const timer = setTimeout(
      () => finish(new TimeoutError(`no Metadata answer from ${host}:${port} within ${timeoutMs} ms`)),
      timeoutMs,
    )
    socket.on('error', (error) =>
      finish(new UnreachableError(`cannot reach broker ${host}:${port}: ${error.message}`, { cause: error })),
    )
    socket.on('close', () => finish(new UnreachableError(`broker ${host}:${port} closed the connection`)))
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      received += chunk.length
      if (received < 4) return
      const frame = Buffer.concat(chunks)
      const size = frame.readInt32BE(0)
      if (size < 4 || size > maxFrameBytes) {
        finish(new ProtocolError(`implausible response size ${size} from ${host}:${port}`))
        return
      }
      if (frame.length < 4 + size) return
      try {
        const body = frame.subarray(4, 4 + size)
        if (body.readInt32BE(0) !== correlationId) throw new ProtocolError('correlation id mismatch')
        finish(undefined, decodeMetadataResponse(body.subarray(4)))
      } catch (error) {
        finish(error instanceof Error ? error : new Error(String(error)))
      }
    })
    socket.connect(port, host, () => socket.write(request))
  })
}

function encodeMetadataRequest(correlationId: number, topics: readonly string[] | undefined): Buffer {
  const clientId = Buffer.from('kafka-doctor-rig')
  const topicNames = (topics ?? []).map((topic) => Buffer.from(topic))
  const topicsBytes = topicNames.reduce((sum, name) => sum + 2 + name.length, 4)
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + topicsBytes)
  let offset = body.writeInt16BE(metadataApiKey, 0)
  offset = body.writeInt16BE(metadataVersion, offset)
  offset = body.writeInt32BE(correlationId, offset)
  offset = body.writeInt16BE(clientId.length, offset)
  offset += clientId.copy(body, offset)
  // In Metadata v1 a null array (-1) means every topic; an empty one means none.
  offset = body.writeInt32BE(topics === undefined ? -1 : topicNames.length, offset)
  for (const name of topicNames) {
    offset = body.writeInt16BE(name.length, offset)
    offset += name.copy(body, offset)
  }
  const size = Buffer.alloc(4)
  size.writeInt32BE(body.length, 0)
  return Buffer.concat([size, body])
}

/** Bounds-checked reads over one response body; any overrun is a ProtocolError. */
class BodyReader {
  private offset = 0
  constructor(private readonly bytes: Buffer) {}

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) {
      throw new ProtocolError(`Metadata response truncated at byte ${this.offset}`)
    }
  }
  int8(): number {
    this.need(1)
    const value = this.bytes.readInt8(this.offset)
    this.offset += 1
    return value
  }
  int16(): number {
    this.need(2)
    const value = this.bytes.readInt16BE(this.offset)
    this.offset += 2
    return value
  }
  int32(): number {
    this.need(4)
    const value = this.bytes.readInt32BE(this.offset)
    this.offset += 4
    return value
  }
  nullableString(): string | null {
    const length = this.int16()
    if (length < 0) return null
    this.need(length)
    const value = this.bytes.toString('utf8', this.offset, this.offset + length)
    this.offset += length
    return value
  }
  string(): string {
    return this.nullableString() ?? ''
  }
  array<T>(item: () => T): T[] {
    const count = this.int32()
    if (count < 0) return []
    if (count > this.bytes.length - this.offset) throw new ProtocolError(`implausible array length ${count}`)
    return Array.from({ length: count }, item)
  }
}

function decodeMetadataResponse(body: Buffer): ProbeMetadata {
  const reader = new BodyReader(body)
  const brokers = reader.array(() => ({
    nodeId: reader.int32(),
    host: reader.string(),
    port: reader.int32(),
    rack: reader.nullableString(),
  }))
  const controllerId = reader.int32()
  const topics = reader.array(() => ({
    errorCode: reader.int16(),
    name: reader.string(),
    internal: reader.int8() !== 0,
    partitions: reader.array(() => ({
      errorCode: reader.int16(),
      partition: reader.int32(),
      leader: reader.int32(),
      replicas: reader.array(() => reader.int32()),
      isr: reader.array(() => reader.int32()),
    })),
  }))
  return { brokers, controllerId, topics }
}
