/**
 * tshark's Kafka dissector as the reference for decoded fields: every Kafka PDU it finds, with the
 * header fields and — when it dissected the body without complaint — the error codes, topic names and
 * partition ids. Wireshark 4.0 knows old versions only (e.g. Fetch ≤ 11, Metadata ≤ 9); for newer ones
 * it "assumes" its highest version and misreads the body, and it says so in an expert message. Those
 * PDUs count as header-only here, and make the list of what only kafka-doctor decodes.
 */
import { type FieldSchema, messageSchemas } from '../../src/protocol/generated/schema.js'
import { tsharkFields } from './tshark.js'

export interface TsharkPdu {
  frame: number
  clientPort: number
  brokerPort: number
  request: boolean
  apiKey: number | undefined
  apiVersion: number | undefined
  correlationId: number
  /** tshark dissected the body without an expert complaint and the packet held only this PDU. */
  bodyDecoded: boolean
  /** Why not, when not: the expert messages. */
  problems: string[]
  errors: number[]
  topics: string[]
  partitions: number[]
}

const complaint = /Unsupported|Unknown .*API key|Malformed|does not end|Request missing|Undecoded|exception/i

export async function tsharkKafkaPdus(file: string, ports: readonly number[]): Promise<TsharkPdu[]> {
  const rows = await tsharkFields(
    file,
    [
      'frame.number',
      'tcp.srcport',
      'tcp.dstport',
      'kafka.len',
      'kafka.api_key',
      'kafka.api_version',
      'kafka.correlation_id',
      'kafka.error',
      'kafka.topic_name',
      'kafka.partition_id',
      '_ws.expert.message',
    ],
    { kafkaPorts: ports, filter: 'kafka' },
  )
  const pdus: TsharkPdu[] = []
  for (const [
    frame = '',
    src = '',
    dst = '',
    lens = '',
    keys = '',
    versions = '',
    ids = '',
    errors = '',
    topics = '',
    partitions = '',
    experts = '',
  ] of rows) {
    const request = ports.includes(Number(dst))
    const count = lens.split(',').filter(Boolean).length
    const list = (text: string) => (text === '' ? [] : text.split(','))
    const correlationIds = list(ids).map(Number)
    const apiKeys = list(keys).map(Number)
    const apiVersions = list(versions).map(Number)
    const problems = list(experts).filter((m) => complaint.test(m))
    for (let i = 0; i < count; i++) {
      const single = count === 1
      pdus.push({
        frame: Number(frame),
        clientPort: Number(request ? src : dst),
        brokerPort: Number(request ? dst : src),
        request,
        // Several PDUs in one packet: only requests carry one api key/version each for sure.
        apiKey: single || request ? apiKeys[i] : undefined,
        apiVersion: request ? apiVersions[i] : undefined,
        correlationId: correlationIds[i] ?? Number.NaN,
        bodyDecoded: single && problems.length === 0,
        problems,
        errors: single ? list(errors).map(Number) : [],
        topics: single ? list(topics) : [],
        partitions: single ? list(partitions).map(Number) : [],
      })
    }
  }
  return pdus
}

export interface OurPdu {
  clientPort: number
  brokerPort: number
  request: boolean
  apiKey: number | undefined
  apiVersion: number | undefined
  correlationId: number | undefined
  /** Decoded body (request or response), when the codec decoded it. */
  body: unknown
  /** The capture saw the connection open (SYN). */
  fromStart: boolean
}

/** APIs whose bodies name topics and partitions directly (not inside opaque group assignments). */
const topicApis = new Set([0, 1, 2, 3, 8, 9, 23])

export interface Comparison {
  compared: number
  bodiesCompared: number
  disagreements: string[]
  /** PDUs tshark did not decode in full, by api key and version, with its reason. */
  onlyOurs: Map<string, { count: number; reason: string }>
  /** PDUs of tshark that we have no frame for. */
  missing: string[]
  /**
   * PDUs on connections the capture joined midway (opened before it started, e.g. by tests running
   * at the same time): tshark has no resynchronisation and misreads those, so they are not compared.
   */
  midStream: number
}

/** Compares every PDU tshark shows with ours, field by field. */
export function compareWithTshark(
  tshark: readonly TsharkPdu[],
  ours: readonly OurPdu[],
  apiName: (k: number) => string,
): Comparison {
  const index = new Map<string, OurPdu[]>()
  for (const pdu of ours) {
    const key = `${pdu.clientPort}|${pdu.brokerPort}|${pdu.request}|${pdu.correlationId}`
    const list = index.get(key) ?? []
    list.push(pdu)
    index.set(key, list)
  }
  const fromStart = new Set(ours.filter((p) => p.fromStart).map((p) => `${p.clientPort}|${p.brokerPort}`))
  const result: Comparison = {
    compared: 0,
    bodiesCompared: 0,
    disagreements: [],
    onlyOurs: new Map(),
    missing: [],
    midStream: 0,
  }
  for (const t of tshark) {
    if (!fromStart.has(`${t.clientPort}|${t.brokerPort}`)) {
      result.midStream++
      continue
    }
    const key = `${t.clientPort}|${t.brokerPort}|${t.request}|${t.correlationId}`
    const mine = index.get(key)?.shift()
    const where = `frame ${t.frame} ${t.request ? 'request' : 'response'} corr ${t.correlationId}`
    if (!mine) {
      result.missing.push(where)
      continue
    }
    result.compared++
    if (t.apiKey !== undefined && t.apiKey !== mine.apiKey)
      result.disagreements.push(`${where}: api key tshark ${t.apiKey}, ours ${mine.apiKey}`)
    if (t.apiVersion !== undefined && t.apiVersion !== mine.apiVersion)
      result.disagreements.push(`${where}: version tshark ${t.apiVersion}, ours ${mine.apiVersion}`)
    if (!t.bodyDecoded) {
      const label = `${mine.apiKey} ${apiName(mine.apiKey ?? -1)} v${mine.apiVersion} ${t.request ? 'request' : 'response'}`
      const entry = result.onlyOurs.get(label) ?? {
        count: 0,
        reason: t.problems[0] ?? 'several PDUs in one packet',
      }
      entry.count++
      result.onlyOurs.set(label, entry)
      continue
    }
    if (mine.body === undefined) {
      result.disagreements.push(`${where}: tshark decoded the body, we did not`)
      continue
    }
    result.bodiesCompared++
    const fields = bodyFields(
      mine.body,
      mine.apiKey ?? -1,
      mine.apiVersion ?? 0,
      t.request ? 'request' : 'response',
    )
    const same = (a: readonly unknown[], b: readonly unknown[]) =>
      JSON.stringify([...a].map(String).sort()) === JSON.stringify([...b].map(String).sort())
    if (!same(t.errors, fields.errors))
      result.disagreements.push(`${where}: errors tshark [${t.errors}], ours [${fields.errors}]`)
    if (mine.apiKey !== undefined && topicApis.has(mine.apiKey)) {
      if (!same([...new Set(t.topics)], [...new Set(fields.topics)]))
        result.disagreements.push(`${where}: topics tshark [${t.topics}], ours [${fields.topics}]`)
      if (!same(t.partitions, fields.partitions))
        result.disagreements.push(
          `${where}: partitions tshark [${t.partitions}], ours [${fields.partitions}]`,
        )
    }
  }
  return result
}

/**
 * Every errorCode, topic name and partition index of a decoded body, walking the message schema so
 * that only fields the version carries on the wire count (the decoder fills absent ones with their
 * defaults) and tagged fields (which tshark 4.0 does not interpret) are left out.
 */
export function bodyFields(
  body: unknown,
  apiKey: number,
  version: number,
  kind: 'request' | 'response',
): { errors: number[]; topics: string[]; partitions: number[] } {
  const out = { errors: [] as number[], topics: [] as string[], partitions: [] as number[] }
  const schema = messageSchemas.find((m) => m.apiKey === apiKey && m.kind === kind)
  if (!schema) return out
  const bit = 2 ** version
  const has = (mask: number) => Math.floor(mask / bit) % 2 === 1
  const walk = (value: unknown, fields: readonly FieldSchema[], parentArray: string) => {
    if (value === null || typeof value !== 'object') return
    const record = value as Record<string, unknown>
    for (const field of fields) {
      if (!has(field.versions) || has(field.taggedVersions)) continue
      const v = record[field.property]
      if (field.property === 'errorCode' && typeof v === 'number') out.errors.push(v)
      if (/^(topics|topicData|responses|topicResponses|forgottenTopicsData)$/.test(parentArray)) {
        if ((field.property === 'name' || field.property === 'topic') && typeof v === 'string')
          out.topics.push(v)
      }
      if (
        /partition/i.test(parentArray) &&
        /^(partitionIndex|partition|index)$/.test(field.property) &&
        typeof v === 'number'
      )
        out.partitions.push(v)
      if (field.type === '[]int32' && field.property === 'partitions' && Array.isArray(v))
        out.partitions.push(...(v as number[]))
      if (field.fields && Array.isArray(v)) for (const item of v) walk(item, field.fields, field.property)
      else if (field.fields && v && typeof v === 'object') walk(v, field.fields, parentArray)
    }
  }
  walk(body, schema.fields, '')
  return out
}
