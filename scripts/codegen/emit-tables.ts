/**
 * The generated tables beside the message modules: the API table and typed codec map (apis.ts), the
 * Kafka error-code table (errors.ts) and the merged schema as data (schema.ts).
 */
import type { FieldModel, MessageModel } from './merge.js'
import { highest, lowest } from './spec.js'

export interface ApiEntry {
  key: number
  name: string
  module: string
  codec: string
  request: MessageModel
  response: MessageModel
}

export function emitApis(header: string, entries: ApiEntry[]): string {
  const lines: string[] = [header, "import type { ApiCodec } from '../codec-support.js'"]
  for (const e of entries) {
    lines.push(
      `import { ${e.codec}, type ${e.request.name}, type ${e.response.name} } from './messages/${e.module}.js'`,
    )
  }
  lines.push('', '/** Kafka api keys by name. */', 'export const ApiKey = {')
  for (const e of entries) lines.push(`  ${e.name}: ${e.key},`)
  lines.push(
    '} as const',
    'export type ApiKey = (typeof ApiKey)[keyof typeof ApiKey]',
    'export type ApiName = keyof typeof ApiKey',
    '',
  )
  lines.push(
    'export interface ApiInfo {',
    '  readonly key: ApiKey',
    '  readonly name: ApiName',
    '  readonly minVersion: number',
    '  readonly maxVersion: number',
    '  /** First flexible (compact, tagged fields) version, null if none. */',
    '  readonly firstFlexibleVersion: number | null',
    "  /** Who serves the API: 'broker', 'controller', 'zkBroker' (3.9 only). */",
    '  readonly listeners: readonly string[]',
    '  /** The newest version is still under development in the newer release (brokers may not enable it). */',
    '  readonly latestVersionUnstable: boolean',
    '  /** Versions the definitions mark deprecated. */',
    '  readonly deprecatedVersions: readonly number[]',
    '  /** Versions only the older release defines (removed by KIP-896 in Kafka 4). */',
    '  readonly olderReleaseVersions: readonly number[]',
    '}',
    '',
    'export const apis: readonly ApiInfo[] = [',
  )
  for (const e of entries) {
    const m = e.request
    const firstFlexible = m.flexible === 0 ? 'null' : String(lowest(m.flexible))
    lines.push(
      `  { key: ${e.key}, name: '${e.name}', minVersion: ${lowest(m.versions)}, maxVersion: ${highest(m.versions)}, firstFlexibleVersion: ${firstFlexible}, listeners: ${JSON.stringify(m.listeners).replaceAll('"', "'")}, latestVersionUnstable: ${m.latestVersionUnstable || e.response.latestVersionUnstable}, deprecatedVersions: [${versionList(m.deprecated)}], olderReleaseVersions: [${versionList(m.fromOlder)}] },`,
    )
  }
  lines.push(']', '')
  lines.push(
    '/** Request and response types by api key, for typed send/receive. */',
    'export interface ApiMessages {',
  )
  for (const e of entries)
    lines.push(`  ${e.key}: { request: ${e.request.name}; response: ${e.response.name} }`)
  lines.push('}', '')
  lines.push(
    "export type RequestOf<K extends ApiKey> = ApiMessages[K]['request']",
    "export type ResponseOf<K extends ApiKey> = ApiMessages[K]['response']",
    '',
    'const codecs: { readonly [K in ApiKey]: ApiCodec<RequestOf<K>, ResponseOf<K>> } = {',
  )
  for (const e of entries) lines.push(`  ${e.key}: ${e.codec},`)
  lines.push('}', '')
  lines.push(
    'const infoByKey = new Map<number, ApiInfo>(apis.map((api) => [api.key, api]))',
    '',
    '/** The codec of a known api key, typed by the key. */',
    'export function codecFor<K extends ApiKey>(key: K): ApiCodec<RequestOf<K>, ResponseOf<K>> {',
    '  return codecs[key]',
    '}',
    '',
    '/** The codec of any api key seen on the wire, or undefined when this build does not know it. */',
    'export function findCodec(key: number): ApiCodec<unknown, unknown> | undefined {',
    '  return infoByKey.has(key) ? (codecs[key as ApiKey] as ApiCodec<unknown, unknown>) : undefined',
    '}',
    '',
    'export function apiInfo(key: number): ApiInfo | undefined {',
    '  return infoByKey.get(key)',
    '}',
    '',
    '/** The API name for a key, or `Unknown(<key>)`. */',
    'export function apiName(key: number): string {',
    "  return infoByKey.get(key)?.name ?? 'Unknown(' + key + ')'",
    '}',
    '',
  )
  return lines.join('\n')
}

function versionList(mask: number): string {
  const out: number[] = []
  for (let v = 0; v <= 30; v++) if ((mask >>> v) & 1) out.push(v)
  return out.join(', ')
}

export interface ErrorRow {
  code: number
  name: string
  retriable: boolean
  invalidMetadata: boolean
  exception: string
  message: string
  /** Set when only the older release knows the code. */
  onlyIn?: string
}

export function parseErrorTable(tsv: string): ErrorRow[] {
  return tsv
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [code, name, retriable, invalidMetadata, exception, message] = line.split('\t')
      if (code === undefined || name === undefined) throw new Error(`bad error table line: ${line}`)
      return {
        code: Number(code),
        name,
        retriable: retriable === 'true',
        invalidMetadata: invalidMetadata === 'true',
        exception: exception ?? '',
        message: message ?? '',
      }
    })
}

export function emitErrors(header: string, rows: ErrorRow[]): string {
  const lines = [
    header,
    '/** One Kafka error code as the Errors enum of kafka-clients defines it. */',
    'export interface KafkaErrorInfo {',
    '  readonly code: number',
    '  readonly name: string',
    '  /** The client retries it (its exception is a RetriableException). */',
    '  readonly retriable: boolean',
    '  /** The client refreshes metadata on it (InvalidMetadataException): NOT_LEADER_OR_FOLLOWER and kin. */',
    '  readonly invalidMetadata: boolean',
    '  /** The Java exception class, empty for NONE. */',
    '  readonly exception: string',
    "  /** Kafka's default message. */",
    '  readonly message: string',
    '  /** Set when only this older release defines the code. */',
    '  readonly onlyIn?: string',
    '}',
    '',
    'export const kafkaErrors: readonly KafkaErrorInfo[] = [',
  ]
  for (const r of rows) {
    const only = r.onlyIn ? `, onlyIn: ${JSON.stringify(r.onlyIn)}` : ''
    lines.push(
      `  { code: ${r.code}, name: ${JSON.stringify(r.name)}, retriable: ${r.retriable}, invalidMetadata: ${r.invalidMetadata}, exception: ${JSON.stringify(r.exception)}, message: ${JSON.stringify(r.message)}${only} },`,
    )
  }
  lines.push(
    ']',
    '',
    '/** Error codes by name, e.g. `ErrorCode.NOT_LEADER_OR_FOLLOWER` (6). */',
    'export const ErrorCode = {',
  )
  for (const r of rows) lines.push(`  ${r.name}: ${r.code},`)
  lines.push(
    '} as const',
    '',
    'const byCode = new Map<number, KafkaErrorInfo>(kafkaErrors.map((e) => [e.code, e]))',
    '',
    '/** Everything known about an error code, or undefined for a code this build does not know. */',
    'export function errorInfo(code: number): KafkaErrorInfo | undefined {',
    '  return byCode.get(code)',
    '}',
    '',
    '/** The error name for a code (`NONE` for 0), or `UNKNOWN_ERROR_CODE_<code>`. */',
    'export function errorName(code: number): string {',
    "  return byCode.get(code)?.name ?? 'UNKNOWN_ERROR_CODE_' + code",
    '}',
    '',
  )
  return lines.join('\n')
}

function fieldSchema(field: FieldModel): string {
  const type = field.kind === 'array' ? `[]${field.element}` : field.kind === 'struct' ? `struct` : field.kind
  const parts = [
    `name: '${field.name}'`,
    `property: '${field.property}'`,
    `type: '${type}'`,
    `versions: ${field.versions}`,
    `nullableVersions: ${field.nullable}`,
    `taggedVersions: ${field.tagged}`,
  ]
  if (field.tag !== undefined) parts.push(`tag: ${field.tag}`)
  if (field.default !== undefined) parts.push(`default: ${JSON.stringify(field.default)}`)
  if (field.neverCompact) parts.push('neverCompact: true')
  if (field.struct) {
    parts.push(`struct: '${field.struct.typeName}'`)
    parts.push(`fields: [${field.struct.fields.map(fieldSchema).join(', ')}]`)
  }
  return `{ ${parts.join(', ')} }`
}

export function emitSchema(header: string, messages: MessageModel[]): string {
  const lines = [
    header,
    '/**',
    ' * The merged message definitions as data: for tools that walk messages generically (tests that',
    ' * synthesise every field, displays of decoded frames). Version sets are bitmasks: bit v = version v.',
    ' */',
    'export interface FieldSchema {',
    '  readonly name: string',
    '  readonly property: string',
    "  /** A primitive ('int32', 'string', 'records' …), 'struct', or '[]' + element ('[]int32', '[]struct'). */",
    '  readonly type: string',
    '  readonly versions: number',
    '  readonly nullableVersions: number',
    '  readonly taggedVersions: number',
    '  readonly tag?: number',
    '  readonly default?: string',
    '  /** Never compact-encoded, even in flexible versions (the request header client id). */',
    '  readonly neverCompact?: boolean',
    '  readonly struct?: string',
    '  readonly fields?: readonly FieldSchema[]',
    '}',
    '',
    'export interface MessageSchema {',
    '  readonly name: string',
    "  readonly kind: 'request' | 'response' | 'data'",
    '  readonly apiKey: number | null',
    '  readonly versions: number',
    '  readonly flexibleVersions: number',
    '  readonly fields: readonly FieldSchema[]',
    '}',
    '',
    'export const messageSchemas: readonly MessageSchema[] = [',
  ]
  for (const m of messages) {
    lines.push(
      `  { name: '${m.name}', kind: '${m.kind}', apiKey: ${m.apiKey ?? 'null'}, versions: ${m.versions}, flexibleVersions: ${m.flexible}, fields: [${m.root.fields.map(fieldSchema).join(', ')}] },`,
    )
  }
  lines.push(']', '')
  return lines.join('\n')
}
