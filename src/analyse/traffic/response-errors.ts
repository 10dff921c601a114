/**
 * Every non-zero error code in a decoded response, with the topic and partition it concerns, found by
 * walking the body generically: one walker serves all ~90 api keys, since Kafka's messages name these
 * fields consistently (`errorCode`; topics as `name`/`topic`/`topicId`; partitions as
 * `partitionIndex`/`partition`, or `index` inside a topic in Produce answers). Record data (byte
 * arrays) is never entered.
 */
import { zeroTopicId } from '../../pcap/kafka-decoder.js'

export interface ResponseError {
  code: number
  /** Topic name, or `id:<uuid>` when the answer carried only a topic id. */
  topic: string | undefined
  partition: number | undefined
  /** The group an answer entry was about (OffsetFetch v8+, DescribeGroups …). */
  group: string | undefined
}

interface Scope {
  topic: string | undefined
  partition: number | undefined
  group: string | undefined
}

const rootScope: Scope = { topic: undefined, partition: undefined, group: undefined }

/** Calls `onError` for each non-zero `errorCode` in `body`. */
export function forEachResponseError(body: unknown, onError: (error: ResponseError) => void): void {
  walk(body, rootScope, onError, 0)
}

/** The topic key of an entry: its name, else `id:<uuid>` (resolved to a name later if Metadata said). */
export function topicKey(name: string | null | undefined, topicId: string | undefined): string | undefined {
  if (name) return name
  if (topicId && topicId !== zeroTopicId) return `id:${topicId}`
  return undefined
}

function walk(value: unknown, scope: Scope, onError: (error: ResponseError) => void, depth: number): void {
  if (depth > 12 || value === null || typeof value !== 'object' || value instanceof Uint8Array) return
  if (Array.isArray(value)) {
    for (const item of value) walk(item, scope, onError, depth + 1)
    return
  }
  const record = value as Record<string, unknown>
  const inner = scopeOf(record, scope)
  const code = record.errorCode
  if (typeof code === 'number' && code !== 0)
    onError({ code, topic: inner.topic, partition: inner.partition, group: inner.group })
  for (const key in record) {
    if (key === 'unknownTaggedFields') continue
    const child = record[key]
    if (child !== null && typeof child === 'object') walk(child, inner, onError, depth + 1)
  }
}

function scopeOf(record: Record<string, unknown>, scope: Scope): Scope {
  let { topic, partition, group } = scope
  const hasPartitions = Array.isArray(record.partitions) || Array.isArray(record.partitionResponses)
  const name =
    typeof record.topic === 'string'
      ? record.topic
      : hasPartitions && typeof record.name === 'string'
        ? record.name
        : undefined
  const id = typeof record.topicId === 'string' ? record.topicId : undefined
  const key = name !== undefined || id !== undefined ? topicKey(name, id) : undefined
  if (key !== undefined) {
    topic = key
    partition = undefined
  }
  if (typeof record.partitionIndex === 'number') partition = record.partitionIndex
  else if (typeof record.partition === 'number') partition = record.partition
  else if (scope.topic !== undefined && typeof record.index === 'number') partition = record.index
  if (typeof record.groupId === 'string') group = record.groupId
  if (topic === scope.topic && partition === scope.partition && group === scope.group) return scope
  return { topic, partition, group }
}
