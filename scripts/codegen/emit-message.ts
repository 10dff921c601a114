/**
 * Emits TypeScript for merged messages: one interface per struct, and straight-line read/write
 * functions with version checks (no closures or schema interpretation at run time: this is the pcap
 * decoder's hot path).
 */
import { FALSE, guard, indent, pick, pickLines, TRUE, type Tri, tri, versionCondition } from './conditions.js'
import {
  type FieldModel,
  MergeConflict,
  type MessageModel,
  mergeOrder,
  type PrimitiveType,
  type StructModel,
} from './merge.js'
import { describeVersions, highest, lowest, type VersionMask, versionsOf } from './spec.js'

export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA'

/** Kafka's fixed wire sizes; variable types have their own minimums below. */
const fixedSize: Partial<Record<PrimitiveType, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
}

const readerMethod: Record<Exclude<PrimitiveType, 'string' | 'bytes' | 'records'>, string> = {
  bool: 'readBool',
  int8: 'readInt8',
  int16: 'readInt16',
  uint16: 'readUint16',
  int32: 'readInt32',
  uint32: 'readUint32',
  int64: 'readInt64',
  float64: 'readFloat64',
  uuid: 'readUuid',
}

/** A group of messages emitted into one module (an API's request and response, or one data type). */
export interface ModuleStructs {
  /** Every struct, keyed by its TypeScript name, in emission order. */
  structs: StructModel[]
}

/**
 * Gives every struct of a message its TypeScript name and folds repeated uses of one Kafka struct
 * (commonStructs) into one model whose masks cover all its uses.
 */
export function nameStructs(message: MessageModel, taken: Set<string>): StructModel[] {
  const canonical = new Map<string, StructModel>()
  const ordered: StructModel[] = []
  message.root.typeName = message.name
  if (taken.has(message.name)) throw new MergeConflict(`type name ${message.name} used twice`)
  taken.add(message.name)
  ordered.push(message.root)

  const visit = (struct: StructModel): void => {
    for (const field of struct.fields) {
      if (!field.struct) continue
      field.struct = canonicalize(field.struct, `${struct.kafkaName}.${field.name}`)
    }
  }
  const canonicalize = (struct: StructModel, where: string): StructModel => {
    const existing = canonical.get(struct.kafkaName)
    if (existing && existing !== struct) {
      foldInto(existing, struct, where)
      return existing
    }
    if (!existing) {
      canonical.set(struct.kafkaName, struct)
      const name = struct.kafkaName.startsWith(message.name)
        ? struct.kafkaName
        : message.name + struct.kafkaName
      if (taken.has(name)) throw new MergeConflict(`${where}: type name ${name} used twice`)
      taken.add(name)
      struct.typeName = name
      ordered.push(struct)
      visit(struct)
    }
    return struct
  }
  const foldInto = (target: StructModel, extra: StructModel, where: string): void => {
    // The same Kafka struct used in several places: each use kept only the fields of its versions,
    // so unite them by name in the struct's own order and widen the version masks.
    const order = mergeOrder([target.fields.map((f) => f.name), extra.fields.map((f) => f.name)], where)
    target.context = (target.context | extra.context) >>> 0
    const fields: FieldModel[] = []
    for (const name of order) {
      const into = target.fields.find((f) => f.name === name)
      const field = extra.fields.find((f) => f.name === name)
      if (!into) {
        if (field?.struct) field.struct = canonicalize(field.struct, `${where}.${name}`)
        fields.push(field!)
        continue
      }
      fields.push(into)
      if (!field) continue
      if (
        into.kind !== field.kind ||
        into.element !== field.element ||
        into.tag !== field.tag ||
        into.default !== field.default
      ) {
        throw new MergeConflict(`${where}.${name}: struct ${extra.kafkaName} differs between its uses`)
      }
      into.versions = (into.versions | field.versions) >>> 0
      into.nullable = (into.nullable | field.nullable) >>> 0
      into.tagged = (into.tagged | field.tagged) >>> 0
      if (field.struct && into.struct) {
        const child = canonical.get(field.struct.kafkaName)
        if (child && child !== field.struct) foldInto(child, field.struct, `${where}.${name}`)
      }
    }
    target.fields = fields
  }
  visit(message.root)
  return ordered
}

// ---- types --------------------------------------------------------------------------------------

function baseType(field: FieldModel): string {
  switch (field.kind) {
    case 'bool':
      return 'boolean'
    case 'int64':
      return 'bigint'
    case 'string':
    case 'uuid':
      return 'string'
    case 'bytes':
    case 'records':
      return 'Uint8Array'
    case 'struct':
      return field.struct!.typeName
    case 'array':
      return `${elementType(field)}[]`
    default:
      return 'number'
  }
}

function elementType(field: FieldModel): string {
  switch (field.element) {
    case 'struct':
      return field.struct!.typeName
    case 'int64':
      return 'bigint'
    case 'string':
    case 'uuid':
      return 'string'
    case 'bool':
      return 'boolean'
    default:
      return 'number'
  }
}

/** The field's TypeScript type: `| null` where any version allows null, or the default is null. */
export function fieldType(field: FieldModel): string {
  return mayBeNull(field) ? `${baseType(field)} | null` : baseType(field)
}

function mayBeNull(field: FieldModel): boolean {
  return field.nullable !== 0 || field.default === 'null' || field.kind === 'records'
}

export function defaultExpression(field: FieldModel): string {
  const d = field.default
  if (d === 'null' || field.kind === 'records') return 'null'
  switch (field.kind) {
    case 'bool':
      return d === 'true' ? 'true' : 'false'
    case 'int64':
      return `${d === undefined || d === '' ? 0n : BigInt(d)}n`
    case 'float64':
    case 'int8':
    case 'int16':
    case 'int32':
    case 'uint16':
    case 'uint32': {
      const n = d === undefined || d === '' ? 0 : Number(d)
      if (!Number.isFinite(n)) throw new MergeConflict(`${field.name}: default '${d}' is not a number`)
      return String(n)
    }
    case 'string':
      return JSON.stringify(d ?? '').replaceAll('"', "'")
    case 'uuid':
      if (d !== undefined && d !== '' && d !== ZERO_UUID)
        throw new MergeConflict(`${field.name}: uuid default ${d}`)
      return `'${ZERO_UUID}'`
    case 'bytes':
      return 'new Uint8Array(0)'
    case 'array':
      return '[]'
    case 'struct':
      return `default${field.struct!.typeName}()`
  }
  throw new MergeConflict(`${field.name}: no default for ${field.kind}`)
}

// ---- minimum sizes (bound array lengths by the bytes left) -----------------------------------

function fieldMinSize(field: FieldModel, version: number, flexible: VersionMask): number {
  const compact = !field.neverCompact && ((flexible >>> version) & 1) === 1
  const fixed = field.kind === 'array' || field.kind === 'struct' ? undefined : fixedSize[field.kind]
  if (fixed !== undefined) return fixed
  switch (field.kind) {
    case 'string':
      return compact ? 1 : 2
    case 'bytes':
    case 'records':
    case 'array':
      return compact ? 1 : 4
    case 'struct':
      return ((field.nullable >>> version) & 1) === 1 ? 1 : structMinSize(field.struct!, version, flexible)
    default:
      return 1
  }
}

export function structMinSize(struct: StructModel, version: number, flexible: VersionMask): number {
  let size = ((flexible >>> version) & 1) === 1 ? 1 : 0
  for (const field of struct.fields) {
    if (((field.versions >>> version) & 1) === 0 || ((field.tagged >>> version) & 1) === 1) continue
    size += fieldMinSize(field, version, flexible)
  }
  return size
}

function elementMinSize(field: FieldModel, flexible: VersionMask): number {
  let min = Number.POSITIVE_INFINITY
  for (const v of versionsOf(field.versions)) {
    const compact = ((flexible >>> v) & 1) === 1 || ((field.tagged >>> v) & 1) === 1
    let size: number
    if (field.element === 'struct') size = structMinSize(field.struct!, v, flexible)
    else if (field.element === 'string') size = compact ? 1 : 2
    else size = fixedSize[field.element!] ?? 1
    min = Math.min(min, size)
  }
  return Math.max(1, Number.isFinite(min) ? min : 1)
}

// ---- emission ----------------------------------------------------------------------------------

interface Ctx {
  message: MessageModel
  struct: StructModel
  /** Versions this struct's functions can see. */
  within: VersionMask
  /** The `flexible` condition inside this struct's functions. */
  flexibleCondition: string
}

function comment(text: string): string {
  return text.replaceAll('*/', '*\\/')
}

export function emitInterface(struct: StructModel, message: MessageModel): string[] {
  const lines: string[] = []
  const top = highest(message.versions)
  const doc =
    struct === message.root
      ? `${message.name}, versions ${describeVersions(message.versions, top)}${message.flexible ? `, flexible ${describeVersions(message.flexible, top)}` : ''}.`
      : `${struct.kafkaName} of ${message.name} (versions ${describeVersions(struct.context, top)}).`
  lines.push(`/** ${comment(doc)} */`)
  lines.push(`export interface ${struct.typeName} {`)
  for (const field of struct.fields) {
    const notes = [`versions ${describeVersions(field.versions, top)}`]
    if (field.nullable) notes.push(`nullable ${describeVersions(field.nullable, top)}`)
    if (field.tagged) notes.push(`tagged (tag ${field.tag})`)
    const about = field.about ? `${comment(field.about)} ` : ''
    lines.push(`  /** ${about}(${notes.join('; ')}) */`)
    lines.push(`  ${field.property}: ${fieldType(field)}`)
  }
  if ((struct.context & message.flexible) !== 0) {
    lines.push(
      '  /** Tagged fields not known to this build (or not at this version), re-encoded as they came. */',
    )
    lines.push('  unknownTaggedFields?: RawTaggedField[]')
  }
  lines.push('}')
  return lines
}

export function emitDefault(struct: StructModel, exported: boolean): string[] {
  const props = struct.fields.map((f) => `    ${f.property}: ${defaultExpression(f)},`)
  return [
    `${exported ? 'export ' : ''}function default${struct.typeName}(): ${struct.typeName} {`,
    '  return {',
    ...props,
    '  }',
    '}',
  ]
}

function makeCtx(message: MessageModel, struct: StructModel): Ctx {
  const within = struct.context
  return { message, struct, within, flexibleCondition: versionCondition(message.flexible, within) }
}

function variable(field: FieldModel): string {
  return `_${field.property}`
}

/** Whether each version of `field` uses compact encoding. */
function compactTri(ctx: Ctx, field: FieldModel, tagged: boolean): Tri {
  if (tagged) return 'yes'
  if (field.neverCompact) return 'no'
  return tri(ctx.message.flexible, field.versions, 'flexible')
}

function nullableTri(field: FieldModel, within: VersionMask): Tri {
  return tri(field.nullable, within)
}

function readValue(ctx: Ctx, field: FieldModel, tagged: boolean): string {
  const within = tagged ? field.tagged : field.versions & ~field.tagged
  const compact = compactTri(ctx, field, tagged)
  const nullable = nullableTri(field, within)
  switch (field.kind) {
    case 'string':
      return pick(
        compact,
        pick(nullable, 'r.readCompactNullableString()', 'r.readCompactString()'),
        pick(nullable, 'r.readNullableString()', 'r.readString()'),
      )
    case 'bytes':
    case 'records':
      return pick(
        compact,
        pick(nullable, 'r.readCompactNullableBytes()', 'r.readCompactBytes()'),
        pick(nullable, 'r.readNullableBytes()', 'r.readBytes()'),
      )
    case 'struct': {
      const read = `read${field.struct!.typeName}(r, v)`
      return pick(nullable, `(r.readInt8() < 0 ? null : ${read})`, read)
    }
    case 'array':
      throw new Error('arrays are read by readArray')
    default:
      return `r.${readerMethod[field.kind]}()`
  }
}

function readElement(field: FieldModel, compact: Tri): string {
  switch (field.element) {
    case 'struct':
      return `read${field.struct!.typeName}(r, v)`
    case 'string':
      return pick(compact, 'r.readCompactString()', 'r.readString()')
    case 'bytes':
    case 'records':
      return pick(compact, 'r.readCompactBytes()', 'r.readBytes()')
    default:
      return `r.${readerMethod[field.element!]}()`
  }
}

/** Statements that read `field` into `target` (already declared). */
function readInto(ctx: Ctx, field: FieldModel, target: string, tagged: boolean): string[] {
  if (field.kind !== 'array') return [`${target} = ${readValue(ctx, field, tagged)}`]
  const within = tagged ? field.tagged : field.versions & ~field.tagged
  const compact = compactTri(ctx, field, tagged)
  const nullable = nullableTri(field, within)
  const min = elementMinSize(field, ctx.message.flexible)
  const length = pick(
    compact,
    pick(nullable, `r.readCompactNullableArrayLength(${min})`, `r.readCompactArrayLength(${min})`),
    pick(nullable, `r.readNullableArrayLength(${min})`, `r.readArrayLength(${min})`),
  )
  const fill = [
    `const items: ${elementType(field)}[] = []`,
    `for (let i = 0; i < n; i++) items.push(${readElement(field, compact)})`,
    `${target} = items`,
  ]
  if (nullable === 'no') return ['{', `  const n = ${length}`, ...indent(fill), '}']
  return [
    '{',
    `  const n = ${length}`,
    `  if (n < 0) ${target} = null`,
    '  else {',
    ...indent(fill, '    '),
    '  }',
    '}',
  ]
}

export function emitRead(ctx: Ctx): string[] {
  const { struct } = ctx
  const body: string[] = []
  const flexibleAny = (ctx.within & ctx.message.flexible) !== 0
  for (const field of struct.fields) {
    const name = variable(field)
    const type = fieldType(field)
    const regular = (field.versions & ~field.tagged) >>> 0
    const present = versionCondition(regular, ctx.within)
    if (regular === 0) {
      body.push(`let ${name}: ${type} = ${defaultExpression(field)}`)
      continue
    }
    if (present === TRUE && field.kind !== 'array') {
      body.push(`const ${name}: ${type} = ${readValue(ctx, field, false)}`)
      continue
    }
    if (present === TRUE) {
      body.push(`let ${name}: ${type}`)
      body.push(...readInto(ctx, field, name, false))
      continue
    }
    if (field.kind !== 'array') {
      body.push(
        `const ${name}: ${type} = ${present} ? ${readValue(ctx, field, false)} : ${defaultExpression(field)}`,
      )
      continue
    }
    body.push(`let ${name}: ${type}`)
    body.push(
      `if (${present}) {`,
      ...indent(readInto(ctx, field, name, false)),
      `} else ${name} = ${defaultExpression(field)}`,
    )
  }
  const tagged = struct.fields.filter((f) => f.tagged !== 0).sort((a, b) => a.tag! - b.tag!)
  if (flexibleAny) {
    body.push('let unknownTaggedFields: RawTaggedField[] | undefined')
    const section: string[] = [
      'const tagCount = r.readUnsignedVarint()',
      'for (let t = 0; t < tagCount; t++) {',
      '  const tag = r.readUnsignedVarint()',
      '  const size = r.readUnsignedVarint()',
    ]
    let first = true
    for (const field of tagged) {
      const when = versionCondition(field.tagged, ctx.within & ctx.message.flexible)
      const test = when === TRUE ? `tag === ${field.tag}` : `tag === ${field.tag} && ${when}`
      section.push(`  ${first ? 'if' : '} else if'} (${test}) {`)
      section.push('    const window = r.enterTagged(size)')
      section.push(...indent(readInto(ctx, field, variable(field), true), '    '))
      section.push(`    r.leaveTagged(window, ${field.tag})`)
      first = false
    }
    const unknown = ';(unknownTaggedFields ??= []).push({ tag, data: r.readRaw(size) })'
    if (first) section.push(`  ${unknown}`)
    else section.push('  } else {', `    ${unknown}`, '  }')
    section.push('}')
    body.push(...guard(versionCondition(ctx.message.flexible, ctx.within), section))
  }
  body.push(`const result: ${struct.typeName} = {`)
  for (const field of struct.fields) body.push(`  ${field.property}: ${variable(field)},`)
  body.push('}')
  if (flexibleAny)
    body.push('if (unknownTaggedFields !== undefined) result.unknownTaggedFields = unknownTaggedFields')
  body.push('return result')
  // Tagged-only fields are assigned in the tag loop: declare them with let (done above via regular === 0).
  return fn(
    `read${struct.typeName}`,
    ['r: Reader', 'v: number'],
    struct.typeName,
    body,
    ctx.flexibleCondition,
  )
}

function fn(
  name: string,
  params: string[],
  returns: string,
  lines: string[],
  flexibleCondition: string,
): string[] {
  // Declare `flexible` only where a field's encoding depends on it (noUnusedLocals).
  const body = /\bflexible\b/.test(lines.join('\n'))
    ? [`const flexible = ${flexibleCondition}`, ...lines]
    : lines
  const text = body.join('\n')
  const used = params.map((p) => {
    const id = p.split(':')[0]!
    return new RegExp(`\\b${id}\\b`).test(text) ? p : `_${p}`
  })
  return [`function ${name}(${used.join(', ')}): ${returns} {`, ...indent(body), '}']
}

// ---- writing ------------------------------------------------------------------------------------

function nonNull(field: FieldModel, value: string, ctx: Ctx): string {
  return mayBeNull(field)
    ? `(${value} ?? nullNotAllowed('${ctx.struct.typeName}.${field.property}', v))`
    : value
}

function writeValue(ctx: Ctx, field: FieldModel, value: string, tagged: boolean): string[] {
  const within = tagged ? field.tagged : field.versions & ~field.tagged
  const compact = compactTri(ctx, field, tagged)
  const nullable = nullableTri(field, within)
  const strict = nonNull(field, value, ctx)
  switch (field.kind) {
    case 'string':
      return pickLines(
        compact,
        pickLines(nullable, [`w.writeCompactNullableString(${value})`], [`w.writeCompactString(${strict})`]),
        pickLines(nullable, [`w.writeNullableString(${value})`], [`w.writeString(${strict})`]),
      )
    case 'bytes':
    case 'records':
      return pickLines(
        compact,
        pickLines(nullable, [`w.writeCompactNullableBytes(${value})`], [`w.writeCompactBytes(${strict})`]),
        pickLines(nullable, [`w.writeNullableBytes(${value})`], [`w.writeBytes(${strict})`]),
      )
    case 'struct': {
      const write = `write${field.struct!.typeName}(w, v, ${value})`
      if (!mayBeNull(field)) return [write]
      const nullMarker = pickLines(
        nullable,
        ['w.writeInt8(-1)'],
        [`nullNotAllowed('${ctx.struct.typeName}.${field.property}', v)`],
      )
      const presentMarker = pickLines(nullable, ['w.writeInt8(1)'], [])
      return [
        `if (${value} === null) {`,
        ...indent(nullMarker),
        '} else {',
        ...indent([...presentMarker, write]),
        '}',
      ]
    }
    case 'array': {
      const nullLines = pickLines(
        nullable,
        pickLines(compact, ['w.writeUnsignedVarint(0)'], ['w.writeInt32(-1)']),
        [`nullNotAllowed('${ctx.struct.typeName}.${field.property}', v)`],
      )
      const lengthLines = pickLines(
        compact,
        ['w.writeUnsignedVarint(items.length + 1)'],
        ['w.writeInt32(items.length)'],
      )
      const loop = [`for (let i = 0; i < items.length; i++) ${writeElement(field, compact, 'items[i]!')}`]
      const lines = ['{', `  const items = ${value}`]
      if (mayBeNull(field)) {
        lines.push('  if (items === null) {', ...indent(nullLines, '    '), '  } else {')
        lines.push(...indent([...lengthLines, ...loop], '    '), '  }')
      } else {
        lines.push(...indent([...lengthLines, ...loop]))
      }
      lines.push('}')
      return lines
    }
    case 'bool':
      return [`w.writeBool(${value})`]
    case 'int8':
      return [`w.writeInt8(${value})`]
    case 'int16':
      return [`w.writeInt16(${value})`]
    case 'uint16':
      return [`w.writeUint16(${value})`]
    case 'int32':
      return [`w.writeInt32(${value})`]
    case 'uint32':
      return [`w.writeUint32(${value})`]
    case 'int64':
      return [`w.writeInt64(${value})`]
    case 'float64':
      return [`w.writeFloat64(${value})`]
    case 'uuid':
      return [`w.writeUuid(${value})`]
  }
}

function writeElement(field: FieldModel, compact: Tri, value: string): string {
  switch (field.element) {
    case 'struct':
      return `write${field.struct!.typeName}(w, v, ${value})`
    case 'string':
      return pick(compact, `w.writeCompactString(${value})`, `w.writeString(${value})`)
    case 'bool':
      return `w.writeBool(${value})`
    case 'int8':
      return `w.writeInt8(${value})`
    case 'int16':
      return `w.writeInt16(${value})`
    case 'uint16':
      return `w.writeUint16(${value})`
    case 'int32':
      return `w.writeInt32(${value})`
    case 'uint32':
      return `w.writeUint32(${value})`
    case 'int64':
      return `w.writeInt64(${value})`
    case 'float64':
      return `w.writeFloat64(${value})`
    case 'uuid':
      return `w.writeUuid(${value})`
    default:
      throw new Error(`array of ${field.element}`)
  }
}

/** Expression true when a tagged field's value differs from its default (only then is it written). */
export function nonDefaultTest(field: FieldModel, value: string): string {
  const d = defaultExpression(field)
  switch (field.kind) {
    case 'bytes':
      if (d === 'null') return `${value} !== null`
      return mayBeNull(field)
        ? `(${value} === null || ${value}.byteLength !== 0)`
        : `${value}.byteLength !== 0`
    case 'records':
      return `${value} !== null`
    case 'array':
      if (d === 'null') return `${value} !== null`
      return mayBeNull(field) ? `(${value} === null || ${value}.length !== 0)` : `${value}.length !== 0`
    case 'struct':
      if (d === 'null') return `${value} !== null`
      return mayBeNull(field)
        ? `(${value} === null || !isDefault${field.struct!.typeName}(${value}))`
        : `!isDefault${field.struct!.typeName}(${value})`
    default:
      return `${value} !== ${d}`
  }
}

/** Structs whose default must be recognised (tagged struct fields with a non-null default). */
export function structsNeedingIsDefault(structs: StructModel[]): Set<StructModel> {
  const needed = new Set<StructModel>()
  const add = (s: StructModel): void => {
    if (needed.has(s)) return
    needed.add(s)
    for (const f of s.fields)
      if (f.kind === 'struct' && f.struct && defaultExpression(f) !== 'null') add(f.struct)
  }
  for (const s of structs) {
    for (const f of s.fields) {
      if (f.tagged !== 0 && f.kind === 'struct' && f.struct && defaultExpression(f) !== 'null') add(f.struct)
    }
  }
  return needed
}

export function emitIsDefault(struct: StructModel): string[] {
  const tests = struct.fields.map((f) => nonDefaultTest(f, `x.${f.property}`))
  tests.push('(x.unknownTaggedFields !== undefined && x.unknownTaggedFields.length !== 0)')
  return [
    `function isDefault${struct.typeName}(x: ${struct.typeName}): boolean {`,
    `  return !(${tests.join(' ||\n    ')})`,
    '}',
  ]
}

export function emitWrite(ctx: Ctx): string[] {
  const { struct } = ctx
  const body: string[] = []
  for (const field of struct.fields) {
    const regular = (field.versions & ~field.tagged) >>> 0
    if (regular === 0) continue
    const present = versionCondition(regular, ctx.within)
    body.push(...guard(present, writeValue(ctx, field, `x.${field.property}`, false)))
  }
  const flexibleWithin = (ctx.within & ctx.message.flexible) >>> 0
  if (flexibleWithin !== 0) {
    const tagged = struct.fields.filter((f) => f.tagged !== 0).sort((a, b) => a.tag! - b.tag!)
    const section: string[] = ['const unknown = x.unknownTaggedFields']
    if (tagged.length === 0) {
      section.push('if (unknown === undefined) w.writeUnsignedVarint(0)')
      section.push(
        'else {',
        '  w.writeUnsignedVarint(unknown.length)',
        '  writeRawTaggedFields(w, unknown, 0, Infinity)',
        '}',
      )
    } else {
      section.push('let tagCount = unknown === undefined ? 0 : unknown.length')
      for (const field of tagged) {
        const when = versionCondition(field.tagged, flexibleWithin)
        const test = nonDefaultTest(field, `x.${field.property}`)
        section.push(`const has${field.tag} = ${when === TRUE ? test : `${when} && ${test}`}`)
        section.push(`if (has${field.tag}) tagCount++`)
      }
      section.push('w.writeUnsignedVarint(tagCount)', 'let u = 0')
      for (const field of tagged) {
        const size = field.kind !== 'array' && field.kind !== 'struct' ? fixedSize[field.kind] : undefined
        const value = writeValue(ctx, field, `x.${field.property}`, true)
        const inner = [
          `u = writeRawTaggedFields(w, unknown, u, ${field.tag})`,
          `w.writeUnsignedVarint(${field.tag})`,
        ]
        if (size !== undefined) inner.push(`w.writeUnsignedVarint(${size})`, ...value)
        else inner.push('const start = w.offset', ...value, 'w.insertUnsignedVarint(start, w.offset - start)')
        section.push(`if (has${field.tag}) {`, ...indent(inner), '}')
      }
      section.push('writeRawTaggedFields(w, unknown, u, Infinity)')
    }
    body.push(...guard(versionCondition(ctx.message.flexible, ctx.within), section))
  }
  return fn(
    `write${struct.typeName}`,
    ['w: Writer', 'v: number', `x: ${struct.typeName}`],
    'void',
    body,
    ctx.flexibleCondition,
  )
}

export interface EmittedMessage {
  declarations: string[]
  functions: string[]
}

/** Interfaces, defaults and codec functions for one merged message (its structs already named). */
export function emitMessage(message: MessageModel, structs: StructModel[]): EmittedMessage {
  const declarations: string[] = []
  const functions: string[] = []
  const isDefaultNeeded = structsNeedingIsDefault(structs)
  for (const struct of structs) {
    declarations.push(...emitInterface(struct, message), '')
  }
  for (const struct of structs) {
    const ctx = makeCtx(message, struct)
    functions.push(...emitDefault(struct, true), '')
    if (isDefaultNeeded.has(struct)) functions.push(...emitIsDefault(struct), '')
    functions.push(...emitRead(ctx), '')
    functions.push(...emitWrite(ctx), '')
  }
  return { declarations, functions }
}

export function versionSummary(message: MessageModel): string {
  return `${lowest(message.versions)}-${highest(message.versions)}`
}

export { FALSE }
