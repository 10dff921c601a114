/**
 * JSON that survives Kafka's 64-bit integers. Offsets and ids are bigint inside the tool; on output a
 * bigint becomes a number when it is a safe integer and a decimal string otherwise, so consumers of
 * `--json` get plain numbers in every realistic case without ever silently losing precision.
 * Uint8Array values (record payloads, raw bytes) are never serialised as content: they become
 * `{ "bytes": N }` unless the caller explicitly asked to show payloads.
 */

export interface JsonOptions {
  /** Pretty-print with this indent (default 2). */
  indent?: number
  /** Emit byte arrays as base64 instead of their length (only with --show-payloads). */
  showPayloads?: boolean
}

export function jsonReplacer(showPayloads = false): (this: unknown, key: string, value: unknown) => unknown {
  return function replace(_key, value) {
    if (typeof value === 'bigint') {
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString()
    }
    if (value instanceof Uint8Array) {
      return showPayloads ? { base64: Buffer.from(value).toString('base64') } : { bytes: value.byteLength }
    }
    if (value instanceof Map) return Object.fromEntries(value)
    if (value instanceof Set) return [...value]
    return value
  }
}

export function toJson(value: unknown, options: JsonOptions = {}): string {
  return JSON.stringify(value, jsonReplacer(options.showPayloads ?? false), options.indent ?? 2)
}
