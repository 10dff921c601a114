/**
 * Read buffers can be reused for the next read only if nothing handed out still points into them.
 * Inside the pipeline everything that outlives a chunk is copied (held segments, partial records,
 * frames spanning segments), except frames emitted as views into a single segment: those mark their
 * buffer here, and the file reader does not reuse a marked buffer.
 */
const retained = new WeakSet<ArrayBufferLike>()

/** Marks the memory behind `view` as referenced beyond the current chunk; returns the view. */
export function retainView(view: Buffer): Buffer {
  retained.add(view.buffer)
  return view
}

export function isRetained(buffer: Buffer): boolean {
  return retained.has(buffer.buffer)
}
