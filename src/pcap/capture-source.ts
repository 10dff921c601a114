import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { NotFoundError, PermissionError } from '../errors.js'

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

async function feedFile(path: string, parser: ChunkSink, options: FeedOptions): Promise<number> {
  const chunkSize = options.chunkSize ?? defaultChunkSize
  const handle = await openCapture(path)
  let total = 0
  try {
    if ((await handle.stat()).isDirectory())
      throw new NotFoundError(`${path} is a directory, not a capture file`)
    for (;;) {
      options.signal?.throwIfAborted()
      const buffer = Buffer.allocUnsafe(chunkSize)
      const { bytesRead } = await handle.read(buffer, 0, chunkSize, null)
      if (bytesRead === 0) break
      parser.push(bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead))
      total += bytesRead
      options.onChunk?.(total)
    }
  } finally {
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
