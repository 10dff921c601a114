/**
 * Synthesises Kafka messages from the generated schema (src/protocol/generated/schema.ts): every field
 * valid at the version gets a seeded random, non-default value (nulls where nullable, nested arrays,
 * tagged fields set, unknown tagged fields added); fields the version lacks hold their spec default,
 * exactly what a decoder fills in. Also converts messages to the JSON shape of Kafka's own
 * *JsonConverter classes, for the Java oracle.
 */
import type { RawTaggedField } from '../../src/protocol/codec-support.js'
import type { FieldSchema, MessageSchema } from '../../src/protocol/generated/schema.js'

export type Value = unknown
type Obj = Record<string, Value>

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

export function has(mask: number, version: number): boolean {
  return ((mask >>> version) & 1) === 1
}

/** mulberry32: small, seeded, good enough to spread values over their ranges. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface SynthOptions {
  /** Add unknown tagged fields to flexible structs (not representable in Kafka's JSON). */
  unknownTags: boolean
  /** Probability of null where a version allows it. */
  nullChance: number
  maxArray: number
}

const defaults: SynthOptions = { unknownTags: true, nullChance: 0.25, maxArray: 3 }

export function defaultValue(field: FieldSchema): Value {
  const d = field.default
  if (d === 'null' || field.type === 'records') return null
  if (field.type.startsWith('[]')) return []
  switch (field.type) {
    case 'bool':
      return d === 'true'
    case 'int64':
      return d === undefined || d === '' ? 0n : BigInt(d)
    case 'string':
      return d ?? ''
    case 'uuid':
      return ZERO_UUID
    case 'bytes':
      return new Uint8Array(0)
    case 'struct':
      return defaultStruct(field.fields ?? [])
    default:
      return d === undefined || d === '' ? 0 : Number(d)
  }
}

export function defaultStruct(fields: readonly FieldSchema[]): Obj {
  const out: Obj = {}
  for (const f of fields) out[f.property] = defaultValue(f)
  return out
}

class Synth {
  constructor(
    private readonly random: () => number,
    private readonly flexible: number,
    private readonly version: number,
    private readonly options: SynthOptions,
  ) {}

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1))
  }

  primitive(type: string, notEqual?: Value): Value {
    for (let attempt = 0; attempt < 20; attempt++) {
      const value = this.primitiveOnce(type)
      if (notEqual === undefined || !sameValue(value, notEqual)) return value
    }
    throw new Error(`could not synthesise a non-default ${type}`)
  }

  private primitiveOnce(type: string): Value {
    switch (type) {
      case 'bool':
        return this.random() < 0.5
      case 'int8':
        return this.int(-128, 127)
      case 'int16':
        return this.int(-32768, 32767)
      case 'uint16':
        return this.int(0, 65535)
      case 'int32':
        return this.int(-2147483648, 2147483647)
      case 'uint32':
        return this.int(0, 4294967295)
      case 'int64':
        return BigInt.asIntN(64, (BigInt(this.int(0, 2 ** 32 - 1)) << 32n) | BigInt(this.int(0, 2 ** 32 - 1)))
      case 'float64':
        return (this.random() - 0.5) * 10 ** this.int(0, 12) || 1.5
      case 'string': {
        const alphabet = 'abcdefghijklmnopqrstuvwxyz-._0123456789ÄéΩ漢😀'
        const chars = Array.from(alphabet)
        let s = ''
        const length = this.int(0, 12)
        for (let i = 0; i < length; i++) s += chars[this.int(0, chars.length - 1)]
        return s
      }
      case 'uuid': {
        const bytes = new Uint8Array(16)
        for (let i = 0; i < 16; i++) bytes[i] = this.int(0, 255)
        return Buffer.from(bytes).toString('base64url')
      }
      case 'bytes':
      case 'records': {
        const bytes = new Uint8Array(this.int(0, 24))
        for (let i = 0; i < bytes.length; i++) bytes[i] = this.int(0, 255)
        return bytes
      }
      default:
        throw new Error(`unknown type ${type}`)
    }
  }

  struct(fields: readonly FieldSchema[]): Obj {
    const v = this.version
    const out: Obj = {}
    for (const f of fields) {
      if (!has(f.versions, v)) {
        out[f.property] = defaultValue(f)
        continue
      }
      const tagged = has(f.taggedVersions, v)
      const nullable = has(f.nullableVersions, v)
      // Tagged fields get a value that differs from the default so that they are really on the wire.
      if (nullable && !(tagged && f.default === 'null') && this.random() < this.options.nullChance) {
        out[f.property] = null
        continue
      }
      out[f.property] = this.value(f, tagged)
    }
    if (has(this.flexible, v) && this.options.unknownTags && this.random() < 0.3) {
      const tags: RawTaggedField[] = []
      let tag = 1000 + this.int(0, 5)
      for (let i = this.int(1, 2); i > 0; i--) {
        tags.push({ tag, data: this.primitive('bytes') as Uint8Array })
        tag += this.int(1, 100)
      }
      out.unknownTaggedFields = tags
    }
    return out
  }

  value(f: FieldSchema, tagged: boolean): Value {
    if (f.type === 'struct') return this.struct(f.fields ?? [])
    if (f.type.startsWith('[]')) {
      const element = f.type.slice(2)
      const length = this.int(tagged ? 1 : 0, this.options.maxArray)
      const items: Value[] = []
      for (let i = 0; i < length; i++) {
        items.push(element === 'struct' ? this.struct(f.fields ?? []) : this.primitive(element))
      }
      return items
    }
    const def = defaultValue(f)
    if (tagged && (f.type === 'bytes' || f.type === 'records')) {
      const bytes = this.primitive(f.type) as Uint8Array
      return bytes.byteLength === 0 ? Uint8Array.of(7) : bytes
    }
    return this.primitive(f.type, tagged ? def : undefined)
  }
}

function sameValue(a: Value, b: Value): boolean {
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b) === 0
  return a === b
}

/** A message of `schema` at `version` with random values in every field that version has. */
export function synthesize(
  schema: MessageSchema,
  version: number,
  seed: number,
  options: Partial<SynthOptions> = {},
): Obj {
  const synth = new Synth(seededRandom(seed * 7919 + version), schema.flexibleVersions, version, {
    ...defaults,
    ...options,
  })
  return synth.struct(schema.fields)
}

// ---- Kafka JSON (as its *JsonConverter classes read and write it) ------------------------------

/** JSON text in the shape of Kafka's JsonConverter for `message` at `version` (int64 as exact numbers). */
export function toKafkaJson(fields: readonly FieldSchema[], message: Obj, version: number): string {
  return writeJson(kafkaJsonValue(fields, message, version))
}

function kafkaJsonValue(fields: readonly FieldSchema[], message: Obj, version: number): Obj {
  const out: Obj = {}
  for (const f of fields) {
    if (!has(f.versions, version)) continue
    const value = message[f.property]
    out[f.property] = jsonOf(f, value, version)
  }
  return out
}

function jsonOf(f: FieldSchema, value: Value, version: number): Value {
  if (value === null) return null
  if (f.type === 'struct') return kafkaJsonValue(f.fields ?? [], value as Obj, version)
  if (f.type === '[]struct')
    return (value as Obj[]).map((item) => kafkaJsonValue(f.fields ?? [], item, version))
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64')
  return value
}

function writeJson(value: Value): string {
  if (value === null) return 'null'
  if (typeof value === 'bigint') return value.toString()
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : JSON.stringify(value)
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value)
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`
  const entries = Object.entries(value as Obj).map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`)
  return `{${entries.join(',')}}`
}

/**
 * Compares a decoded Kafka JsonConverter tree (all numbers as strings, see the Java oracle) with our
 * message, field by field for the fields the version has. Returns the differences (empty = equal).
 */
export function compareWithKafkaJson(
  fields: readonly FieldSchema[],
  kafka: Value,
  ours: Obj,
  version: number,
  path: string,
): string[] {
  const problems: string[] = []
  if (kafka === null || typeof kafka !== 'object') return [`${path}: Kafka gave ${JSON.stringify(kafka)}`]
  const k = kafka as Obj
  for (const f of fields) {
    if (!has(f.versions, version)) continue
    const p = `${path}.${f.property}`
    if (!(f.property in k)) {
      // Kafka's converter leaves out tagged fields at their default.
      if (has(f.taggedVersions, version)) continue
      problems.push(`${p}: missing in Kafka's JSON`)
      continue
    }
    problems.push(...compareValue(f, k[f.property], ours[f.property], version, p))
  }
  return problems
}

function compareValue(f: FieldSchema, kafka: Value, ours: Value, version: number, path: string): string[] {
  if (kafka === null || ours === null) {
    return kafka === null && ours === null
      ? []
      : [`${path}: Kafka ${JSON.stringify(kafka)} vs ours ${String(ours)}`]
  }
  if (f.type === 'struct') return compareWithKafkaJson(f.fields ?? [], kafka, ours as Obj, version, path)
  if (f.type.startsWith('[]')) {
    const kl = kafka as Value[]
    const ol = ours as Value[]
    if (!Array.isArray(kl) || kl.length !== ol.length)
      return [`${path}: array length ${kl.length} vs ${ol.length}`]
    const element: FieldSchema = { ...f, type: f.type.slice(2) }
    return kl.flatMap((item, i) => compareValue(element, item, ol[i], version, `${path}[${i}]`))
  }
  const same = (() => {
    switch (f.type) {
      case 'int64':
        return BigInt(kafka as string) === ours
      case 'float64':
        return Number(kafka) === ours
      case 'bool':
        return kafka === ours || String(kafka) === String(ours)
      case 'bytes':
        return kafka === Buffer.from(ours as Uint8Array).toString('base64')
      case 'records':
        // Kafka's converter prints a record set only when it parses as batches; ours are random bytes.
        return true
      case 'string':
      case 'uuid':
        return kafka === ours
      default:
        return Number(kafka) === ours
    }
  })()
  return same ? [] : [`${path}: Kafka ${JSON.stringify(kafka)} vs ours ${String(ours)}`]
}
