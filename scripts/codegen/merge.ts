/**
 * Merges two releases' definitions of one message (e.g. Kafka 3.9's and 4.4's FetchRequest) into one
 * model that covers every version of both. Per version the newer definition wins where it is valid,
 * the older one fills the versions the newer release dropped (KIP-896). Fields are matched by name;
 * a field's version masks are the versions in which the chosen definition has it, so each version
 * reads and writes exactly what its own release's definition says. Conflicts that one TypeScript type
 * cannot carry (same name, different type, default or tag) stop generation.
 */
import {
  hasVersion,
  highest,
  lowest,
  parseVersions,
  type SpecField,
  type SpecMessage,
  type SpecStruct,
  type VersionMask,
  versionsOf,
} from './spec.js'

export const primitiveTypes = [
  'bool',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint16',
  'uint32',
  'float64',
  'string',
  'uuid',
  'bytes',
  'records',
] as const
export type PrimitiveType = (typeof primitiveTypes)[number]

export interface FieldModel {
  /** Kafka's PascalCase name. */
  name: string
  /** camelCase property name (Kafka's own JSON converter uses the same). */
  property: string
  kind: PrimitiveType | 'struct' | 'array'
  /** Element type of an array. */
  element?: PrimitiveType | 'struct'
  /** The struct of a struct field or of an array of structs. */
  struct?: StructModel
  /** Versions in which the field is on the wire (as a regular or a tagged field). */
  versions: VersionMask
  nullable: VersionMask
  tagged: VersionMask
  tag?: number
  /** Field-level "flexibleVersions": "none": never compact, even in flexible versions. */
  neverCompact: boolean
  /** The spec's default, as written (undefined = the type's default). */
  default: string | undefined
  about: string
}

export interface StructModel {
  kafkaName: string
  /** TypeScript interface name, assigned by the emitter. */
  typeName: string
  fields: FieldModel[]
  /** Versions in which this struct can be on the wire (its parents' versions). */
  context: VersionMask
}

export interface MessageModel {
  kind: 'request' | 'response' | 'data'
  name: string
  apiKey: number | undefined
  versions: VersionMask
  flexible: VersionMask
  deprecated: VersionMask
  /** Versions taken from the older release's definition. */
  fromOlder: VersionMask
  listeners: string[]
  latestVersionUnstable: boolean
  root: StructModel
}

interface Side {
  fields: SpecField[]
  common: Map<string, SpecStruct>
  /** Versions decided by this side, restricted to where the enclosing struct is present. */
  mask: VersionMask
  label: string
}

export class MergeConflict extends Error {}

export function mergeMessage(older: SpecMessage | undefined, newer: SpecMessage | undefined): MessageModel {
  const base = newer ?? older
  if (!base) throw new Error('mergeMessage needs at least one definition')
  const newValid = newer ? parseVersions(newer.validVersions) : 0
  const oldValid = older ? parseVersions(older.validVersions) & ~newValid : 0
  const versions = (newValid | oldValid) >>> 0
  const where = `${base.name}`
  if (versions === 0) throw new MergeConflict(`${where}: no valid versions in either release`)
  const flexible =
    ((newer ? parseVersions(newer.flexibleVersions) & newValid : 0) |
      (older ? parseVersions(older.flexibleVersions) & oldValid : 0)) >>>
    0
  const deprecated =
    ((newer ? parseVersions(newer.deprecatedVersions) & newValid : 0) |
      (older ? parseVersions(older.deprecatedVersions) & oldValid : 0)) >>>
    0
  if (older && newer && older.apiKey !== newer.apiKey) {
    throw new MergeConflict(
      `${where}: api key ${older.apiKey} in the older release, ${newer.apiKey} in the newer`,
    )
  }
  const sides: Side[] = []
  if (older && oldValid)
    sides.push({
      fields: older.fields,
      common: commonOf(older),
      mask: oldValid,
      label: `older ${older.name}`,
    })
  if (newer && newValid)
    sides.push({
      fields: newer.fields,
      common: commonOf(newer),
      mask: newValid,
      label: `newer ${newer.name}`,
    })
  const root: StructModel = {
    kafkaName: base.name,
    typeName: base.name,
    fields: mergeFields(sides, where),
    context: versions,
  }
  return {
    kind: base.type === 'request' || base.type === 'response' ? base.type : 'data',
    name: base.name,
    apiKey: base.apiKey,
    versions,
    flexible,
    deprecated,
    fromOlder: oldValid,
    listeners: newer?.listeners ?? older?.listeners ?? [],
    latestVersionUnstable: newer?.latestVersionUnstable ?? false,
    root,
  }
}

function commonOf(spec: SpecMessage): Map<string, SpecStruct> {
  return new Map((spec.commonStructs ?? []).map((s) => [s.name, s]))
}

interface Occurrence {
  side: Side
  field: SpecField
  mask: VersionMask
}

function mergeFields(sides: Side[], where: string): FieldModel[] {
  // Each side's fields restricted to the versions that side decides; fields with none are irrelevant.
  const lists: Occurrence[][] = sides.map((side) =>
    side.fields
      .map((field) => ({ side, field, mask: (parseVersions(field.versions) & side.mask) >>> 0 }))
      .filter((o) => o.mask !== 0),
  )
  const order = mergeOrder(
    lists.map((list) => list.map((o) => o.field.name)),
    where,
  )
  return order.map((name) => {
    const occurrences = lists.flatMap((list) => list.filter((o) => o.field.name === name))
    return mergeField(occurrences, `${where}.${name}`)
  })
}

/**
 * One order for fields of several definitions that keeps each definition's wire order. Names shared
 * by definitions must come in the same relative order; names unique to one definition are only on
 * the wire in that definition's versions, so their place among the other's unique names is free.
 */
export function mergeOrder(lists: string[][], where: string): string[] {
  if (lists.length === 0) return []
  let merged = [...lists[0]!]
  for (const list of lists.slice(1)) {
    const shared = list.filter((name) => merged.includes(name))
    const sharedInMerged = merged.filter((name) => shared.includes(name))
    if (shared.join() !== sharedInMerged.join()) {
      throw new MergeConflict(
        `${where}: fields ${shared.join(',')} are ordered differently in the two releases`,
      )
    }
    const result: string[] = []
    let i = 0
    let j = 0
    while (i < merged.length || j < list.length) {
      // Emit everything that is not shared from both lists up to the next shared name.
      while (i < merged.length && !shared.includes(merged[i]!)) result.push(merged[i++]!)
      while (j < list.length && !shared.includes(list[j]!)) result.push(list[j++]!)
      if (i < merged.length && j < list.length) {
        result.push(merged[i]!)
        i++
        j++
      }
    }
    merged = result
  }
  if (new Set(merged).size !== merged.length) throw new MergeConflict(`${where}: duplicate field names`)
  return merged
}

function mergeField(occurrences: Occurrence[], where: string): FieldModel {
  const first = occurrences[0]!
  const shape = shapeOf(first.field.type)
  let versions = 0
  let nullable = 0
  let tagged = 0
  let tag: number | undefined
  for (const o of occurrences) {
    const other = shapeOf(o.field.type)
    if (other.kind !== shape.kind || other.element !== shape.element) {
      throw new MergeConflict(`${where}: type ${first.field.type} vs ${o.field.type}`)
    }
    if (normalizeDefault(o.field.default) !== normalizeDefault(first.field.default)) {
      throw new MergeConflict(`${where}: default ${first.field.default} vs ${o.field.default}`)
    }
    if ((o.field.flexibleVersions === 'none') !== (first.field.flexibleVersions === 'none')) {
      throw new MergeConflict(`${where}: field-level flexibleVersions differ`)
    }
    const oTagged = (parseVersions(o.field.taggedVersions) & o.mask) >>> 0
    if (oTagged !== 0) {
      if (oTagged !== o.mask) throw new MergeConflict(`${where}: tagged in only some of its versions`)
      if (tag !== undefined && tag !== o.field.tag)
        throw new MergeConflict(`${where}: tag ${tag} vs ${o.field.tag}`)
      tag = o.field.tag
    }
    versions |= o.mask
    nullable |= parseVersions(o.field.nullableVersions) & o.mask
    tagged |= oTagged
  }
  if (tagged !== 0 && tagged !== versions)
    throw new MergeConflict(`${where}: tagged in one release, not the other`)
  const model: FieldModel = {
    name: first.field.name,
    property: camelCase(first.field.name),
    kind: shape.kind,
    versions: versions >>> 0,
    nullable: nullable >>> 0,
    tagged: tagged >>> 0,
    neverCompact: first.field.flexibleVersions === 'none',
    default: normalizeDefault(first.field.default),
    about: (occurrences[occurrences.length - 1]!.field.about ?? '').trim(),
  }
  if (shape.element) model.element = shape.element
  if (tag !== undefined) model.tag = tag
  if (shape.kind === 'struct' || shape.element === 'struct') {
    const childSides: Side[] = occurrences.map((o) => {
      const def = structDefinition(o.side, o.field, where)
      return { fields: def.fields, common: o.side.common, mask: o.mask, label: o.side.label }
    })
    // The newer release's struct name wins (names never reach the wire).
    const kafkaName = structTypeName(occurrences[occurrences.length - 1]!.field.type)
    model.struct = {
      kafkaName,
      typeName: kafkaName,
      fields: mergeFields(childSides, where),
      context: model.versions,
    }
  }
  return model
}

function structDefinition(side: Side, field: SpecField, where: string): { fields: SpecField[] } {
  if (field.fields) return { fields: field.fields }
  const common = side.common.get(structTypeName(field.type))
  if (!common) throw new MergeConflict(`${where}: struct ${field.type} not defined in the ${side.label}`)
  return common
}

function structTypeName(type: string): string {
  return type.startsWith('[]') ? type.slice(2) : type
}

function shapeOf(type: string): { kind: FieldModel['kind']; element?: PrimitiveType | 'struct' } {
  if (type.startsWith('[]')) {
    const element = type.slice(2)
    return { kind: 'array', element: isPrimitive(element) ? element : 'struct' }
  }
  return isPrimitive(type) ? { kind: type } : { kind: 'struct' }
}

function isPrimitive(type: string): type is PrimitiveType {
  return (primitiveTypes as readonly string[]).includes(type)
}

function normalizeDefault(value: string | number | boolean | undefined): string | undefined {
  return value === undefined ? undefined : String(value).trim()
}

export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1)
}

/** Versions of `mask` as a list, for messages. */
export function listVersions(mask: VersionMask): string {
  const vs = versionsOf(mask)
  return vs.length === 0 ? 'none' : `${lowest(mask)}-${highest(mask)}`
}

export { hasVersion }
