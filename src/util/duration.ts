import { UsageError } from '../errors.js'

const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * Parses durations the way operators type them: `500ms`, `5s`, `1.5m`, `2h`. A bare number takes
 * `bareUnit` — milliseconds for Kafka-style `--timeout`, seconds for `--interval`/`--duration`.
 */
export function parseDuration(text: string, bareUnit: 'ms' | 's' = 's', flag = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text)
  if (!match) throw new UsageError(`invalid ${flag} '${text}'`, { hint: 'use e.g. 500ms, 5s, 2m' })
  const value = Number(match[1])
  const unit = match[2] ?? bareUnit
  return Math.round(value * (unitMs[unit] ?? 1000))
}

/** Parses sizes such as `500MB`, `100M`, `2GB`, `4096` (bytes). */
export function parseSize(text: string, flag = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text)
  if (!match) throw new UsageError(`invalid ${flag} '${text}'`, { hint: 'use e.g. 100MB, 2GB' })
  const value = Number(match[1])
  const unit = (match[2] ?? 'b').toLowerCase()
  const factor = unit.startsWith('k')
    ? 1024
    : unit.startsWith('m')
      ? 1024 ** 2
      : unit.startsWith('g')
        ? 1024 ** 3
        : 1
  return Math.round(value * factor)
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`
  return `${(ms / 60_000).toFixed(1)}m`
}
