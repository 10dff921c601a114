/**
 * Mutations for fuzzing the capture pipeline: what real damage looks like (bit rot, truncation,
 * splices of other captures, corrupted length fields, reordered records) applied to real captures.
 * Deterministic: input i of a run is a function of (seed, i), so any failure can be replayed.
 */

/** mulberry32: small, fast, good enough to pick mutations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const interesting32 = [
  0, 1, 4, 8, 16, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xffffffff, 0xfffffff0,
]
const interesting8 = [0, 1, 0x7f, 0x80, 0xff]

export interface Mutation {
  input: Buffer
  /** Names of the mutations applied, for the report. */
  applied: string[]
  /** Chunk size the input is fed in. */
  chunkSize: number
}

/**
 * Picks a seed capture and applies 1–4 mutations. `seeds` are whole capture files; `recordOffsets`
 * gives, per seed, the byte offsets of its records (for length-field and reorder mutations).
 */
export function mutate(
  seeds: readonly Buffer[],
  recordOffsets: readonly number[][],
  seed: number,
  iteration: number,
): Mutation {
  const random = rng((seed ^ Math.imul(iteration + 1, 0x9e3779b1)) >>> 0)
  const int = (n: number) => Math.floor(random() * n)
  const which = int(seeds.length)
  let input = Buffer.from(seeds[which]!)
  const records = recordOffsets[which]!
  const applied: string[] = []
  const count = 1 + int(4)
  for (let m = 0; m < count && input.length > 0; m++) {
    const kind = int(10)
    switch (kind) {
      case 0: {
        const flips = 1 + int(8)
        for (let f = 0; f < flips; f++) {
          const at = int(input.length)
          input[at] = input[at]! ^ (1 << int(8))
        }
        applied.push(`flip${flips}`)
        break
      }
      case 1: {
        const at = int(input.length)
        input[at] = interesting8[int(interesting8.length)]!
        applied.push('byte')
        break
      }
      case 2: {
        // A record's length field (pcap incl_len at +8, pcapng block length at +4) or a random int32.
        const value = interesting32[int(interesting32.length)]!
        const base = records.length > 0 && random() < 0.7 ? records[int(records.length)]! : int(input.length)
        const at = Math.min(base + (random() < 0.5 ? 8 : 4), input.length - 4)
        if (at >= 0)
          random() < 0.5 ? input.writeUInt32LE(value >>> 0, at) : input.writeUInt32BE(value >>> 0, at)
        applied.push('length')
        break
      }
      case 3: {
        input = input.subarray(0, int(input.length))
        applied.push('truncate')
        break
      }
      case 4: {
        // Splice a range of another capture in.
        const other = seeds[int(seeds.length)]!
        const from = int(other.length)
        const piece = other.subarray(from, from + int(4096))
        const at = int(input.length)
        input = Buffer.concat([
          input.subarray(0, at),
          piece,
          input.subarray(at + (random() < 0.5 ? piece.length : 0)),
        ])
        applied.push('splice')
        break
      }
      case 5: {
        const at = int(input.length)
        const n = int(Math.min(2048, input.length - at))
        input = Buffer.concat([input.subarray(0, at), input.subarray(at + n)])
        applied.push('delete')
        break
      }
      case 6: {
        const at = int(input.length)
        const n = int(Math.min(2048, input.length - at))
        input = Buffer.concat([input.subarray(0, at + n), input.subarray(at, at + n), input.subarray(at + n)])
        applied.push('duplicate')
        break
      }
      case 7: {
        // Swap two whole records (a reordered capture).
        if (records.length < 3) break
        const i = 1 + int(records.length - 2)
        const a = records[i]!
        const b = records[i + 1]!
        const c = i + 2 < records.length ? records[i + 2]! : input.length
        if (c > input.length || b >= c) break
        input = Buffer.concat([
          input.subarray(0, a),
          input.subarray(b, c),
          input.subarray(a, b),
          input.subarray(c),
        ])
        applied.push('reorder')
        break
      }
      case 8: {
        // Overwrite a run with random bytes.
        const at = int(input.length)
        const n = Math.min(1 + int(64), input.length - at)
        for (let k = 0; k < n; k++) input[at + k] = int(256)
        applied.push('random-run')
        break
      }
      default: {
        // A Kafka-ish size prefix: a random int32 written big-endian somewhere inside the data.
        if (input.length < 4) break
        const at = int(input.length - 3)
        input.writeInt32BE(random() < 0.5 ? int(1 << 20) : -1 - int(1000), at)
        applied.push('kafka-size')
      }
    }
  }
  const chunkSizes = [1, 7, 64, 1000, 4096, 65536, 1 << 20]
  return { input, applied, chunkSize: chunkSizes[int(chunkSizes.length)]! }
}
