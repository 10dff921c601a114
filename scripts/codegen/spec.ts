/**
 * Kafka's JSON message definitions (`common/message/*.json` in kafka-clients), parsed into a typed
 * model. The files are JSON with `//` line comments.
 */
import { readFileSync } from 'node:fs'
import { unzipSync } from 'fflate'

export interface SpecField {
  name: string
  type: string
  versions: string
  nullableVersions?: string
  taggedVersions?: string
  tag?: number
  default?: string | number | boolean
  flexibleVersions?: string
  ignorable?: boolean
  about?: string
  fields?: SpecField[]
}

export interface SpecStruct {
  name: string
  versions?: string
  fields: SpecField[]
}

export interface SpecMessage {
  apiKey?: number
  type: 'request' | 'response' | 'header' | 'data' | 'metadata' | 'coordinator-key' | 'coordinator-value'
  name: string
  validVersions: string
  flexibleVersions: string
  deprecatedVersions?: string
  latestVersionUnstable?: boolean
  listeners?: string[]
  fields: SpecField[]
  commonStructs?: SpecStruct[]
}

/** Removes `//` comments outside string literals. */
export function stripJsonComments(text: string): string {
  let out = ''
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      out += c
      if (c === '\\') {
        out += text[i + 1] ?? ''
        i++
      } else if (c === '"') {
        inString = false
      }
    } else if (c === '"') {
      inString = true
      out += c
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++
      out += '\n'
    } else {
      out += c
    }
  }
  return out
}

/** Reads every `common/message/*.json` in a kafka-clients jar. */
export function readSpecsFromJar(jarPath: string): SpecMessage[] {
  const entries = unzipSync(readFileSync(jarPath), {
    filter: (file) => file.name.startsWith('common/message/') && file.name.endsWith('.json'),
  })
  const specs: SpecMessage[] = []
  for (const [name, data] of Object.entries(entries).sort(([a], [b]) => a.localeCompare(b))) {
    try {
      specs.push(JSON.parse(stripJsonComments(Buffer.from(data).toString('utf8'))) as SpecMessage)
    } catch (error) {
      throw new Error(`${jarPath}!${name}: ${(error as Error).message}`)
    }
  }
  return specs
}

/** A set of versions as a bitmask: bit v set = version v. Kafka versions stay below 31. */
export type VersionMask = number

export const MAX_VERSION = 30

/** Parses "3+", "0-4", "5", "none" into a mask (open ranges end at MAX_VERSION). */
export function parseVersions(spec: string | undefined): VersionMask {
  if (spec === undefined || spec === 'none' || spec === '') return 0
  const plus = /^(\d+)\+$/.exec(spec)
  if (plus) return rangeMask(Number(plus[1]), MAX_VERSION)
  const range = /^(\d+)-(\d+)$/.exec(spec)
  if (range) return rangeMask(Number(range[1]), Number(range[2]))
  if (/^\d+$/.test(spec)) return rangeMask(Number(spec), Number(spec))
  throw new Error(`unparseable version range '${spec}'`)
}

export function rangeMask(from: number, to: number): VersionMask {
  if (from > to) return 0
  if (to > MAX_VERSION) throw new Error(`version ${to} beyond ${MAX_VERSION}`)
  let mask = 0
  for (let v = from; v <= to; v++) mask |= 1 << v
  return mask >>> 0
}

export function hasVersion(mask: VersionMask, version: number): boolean {
  return ((mask >>> version) & 1) === 1
}

export function versionsOf(mask: VersionMask): number[] {
  const out: number[] = []
  for (let v = 0; v <= MAX_VERSION; v++) if (hasVersion(mask, v)) out.push(v)
  return out
}

export function lowest(mask: VersionMask): number {
  for (let v = 0; v <= MAX_VERSION; v++) if (hasVersion(mask, v)) return v
  return -1
}

export function highest(mask: VersionMask): number {
  for (let v = MAX_VERSION; v >= 0; v--) if (hasVersion(mask, v)) return v
  return -1
}

/** "0-4", "3+", "1,3-5" for comments (ranges ending at `top` print as open). */
export function describeVersions(mask: VersionMask, top: number): string {
  const parts: string[] = []
  let v = 0
  while (v <= MAX_VERSION) {
    if (!hasVersion(mask, v)) {
      v++
      continue
    }
    let end = v
    while (end + 1 <= MAX_VERSION && hasVersion(mask, end + 1)) end++
    parts.push(end >= top ? `${v}+` : v === end ? `${v}` : `${v}-${end}`)
    v = end + 1
  }
  return parts.length === 0 ? 'none' : parts.join(',')
}
