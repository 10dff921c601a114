import { ProtocolError } from '../errors.js'

/**
 * Splits a TCP byte stream into Kafka frames (4-byte size + content) without copying more than it
 * must: each frame is handed out with its size prefix, exactly as it arrived, so that a proxy can
 * forward it unchanged, and a client can read the correlation id behind it.
 */
export class FrameSplitter {
  readonly #maxFrameBytes: number
  #chunks: Buffer[] = []
  #buffered = 0

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.#buffered
  }

  /** Adds bytes and returns every frame now complete (size prefix included). */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk)
    this.#buffered += chunk.byteLength
    const frames: Buffer[] = []
    while (this.#buffered >= 4) {
      const head = this.#peek(4)
      const size = head.readInt32BE(0)
      if (size < 0 || size > this.#maxFrameBytes) {
        throw new ProtocolError(`a frame of ${size} bytes: not Kafka protocol (or larger than allowed)`)
      }
      if (this.#buffered < 4 + size) break
      frames.push(this.#take(4 + size))
    }
    return frames
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0]
    if (first && first.byteLength >= n) return first
    const merged = Buffer.concat(this.#chunks)
    this.#chunks = [merged]
    return merged
  }

  #take(n: number): Buffer {
    const head = this.#peek(n)
    const taken = head.subarray(0, n)
    const rest = head.subarray(n)
    if (rest.byteLength === 0) this.#chunks.shift()
    else this.#chunks[0] = rest
    this.#buffered -= n
    return taken
  }
}
