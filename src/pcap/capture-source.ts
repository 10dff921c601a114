import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { NotFoundError, PermissionError } from '../errors.js'
import { isRetained } from './retained-buffers.js'

/** Anything that takes a capture chunk by chunk (the parser alone, or a whole pipeline). */
export interface ChunkSink {
  push(chunk: Buffer): void
  end(): void
}

/** Where a capture comes from: a file path, `-` for stdin, or any byte stream. */
export type CaptureSource = string | Readable

/**
 * Big reads keep the per-chunk overhead negligible; each chunk is a fresh buffer because packets and
 * frames handed out are views into it (see CapturedPacket.data).
 */
export const defaultChunkSize = 1024 * 1024

export interface FeedOptions {
  chunkSize?: number
  /** Called after every chunk with the bytes read so far (for progress and memory sampling). */
  onChunk?: (bytesRead: number) => void
  signal?: AbortSignal
  /**
   * Read the next chunks into buffers the sink is done with. Only for sinks that copy whatever they
   * keep beyond `push` and mark views they hand on (retained-buffers.ts), as KafkaCaptureSession does;
   * a plain CaptureParser hands out packet views, so it must not be fed this way.
   */
  reuseBuffers?: boolean
}

/** Reads the whole source into the parser, chunk by chunk, and ends it. */
export async function feedCapture(
  source: CaptureSource,
  parser: ChunkSink,
  options: FeedOptions = {},
): Promise<number> {
  if (typeof source === 'string' && source !== '-') return feedFile(source, parser, options)
  const stream = typeof source === 'string' ? process.stdin : source
  let total = 0
  for await (const chunk of stream) {
    options.signal?.throwIfAborted()
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Buffer)
    parser.push(buffer)
    total += buffer.length
    options.onChunk?.(total)
  }
  parser.end()
  return total
}

/** Reads kept in flight ahead of the parser, so reading and parsing overlap. */
const readAhead = 2

async function feedFile(path: string, parser: ChunkSink, options: FeedOptions): Promise<number> {
  const chunkSize = options.chunkSize ?? defaultChunkSize
  const handle = await openCapture(path)
  let total = 0
  let position = 0
  let eof = false
  // Buffers the pipeline is done with are read into again (fewer page faults, less garbage).
  const free: Buffer[] = []
  const read = () => {
    const buffer = free.pop() ?? Buffer.allocUnsafe(chunkSize)
    const at = position
    position += chunkSize
    return handle.read(buffer, 0, chunkSize, at).then(({ bytesRead }) => buffer.subarray(0, bytesRead))
  }
  const inFlight: Array<Promise<Buffer>> = []
  try {
    if ((await handle.stat()).isDirectory())
      throw new NotFoundError(`${path} is a directory, not a capture file`)
    for (let i = 0; i < readAhead; i++) inFlight.push(read())
    while (!eof) {
      options.signal?.throwIfAborted()
      const chunk = await inFlight.shift()!
      if (chunk.length < chunkSize) eof = true
      else inFlight.push(read())
      if (chunk.length === 0) break
      parser.push(chunk)
      total += chunk.length
      options.onChunk?.(total)
      if (options.reuseBuffers && !isRetained(chunk))
        free.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunkSize))
    }
  } finally {
    // Let reads still in flight finish before the handle closes under them.
    await Promise.allSettled(inFlight)
    await handle.close()
  }
  parser.end()
  return total
}

async function openCapture(path: string) {
  try {
    return await open(path, 'r')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') throw new NotFoundError(`capture file not found: ${path}`, { cause: error })
    if (code === 'EACCES' || code === 'EPERM')
      throw new PermissionError(`cannot read capture file ${path}`, {
        hint: 'check the file permissions (tcpdump writes its files as the tcpdump user)',
        cause: error,
      })
    if (code === 'EISDIR') throw new NotFoundError(`${path} is a directory, not a capture file`)
    throw error
  }
}
