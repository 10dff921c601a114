import { CollectError } from '../../src/errors.js'
import { runProducerPatient } from './patients.js'

/** A string is a value without a key; a null value is a tombstone. */
export type ProducedRecord = string | { key?: string | null; value: string | null }

export interface ProduceSummary {
  count: number
  /** Offset of the last record written per partition, keyed `topic-partition`. */
  lastOffsets: Record<string, number>
}

export interface ProduceOptions {
  bootstrap: string
  topic: string
  records: readonly ProducedRecord[]
  partition?: number
  timeoutMs?: number
  /** kafka-clients version of the producer (default `current`). */
  clientVersion?: string
}

/**
 * Produces records with the producer patient (acks=all, so they are committed when this returns) and
 * reports where they landed.
 */
export async function produceRecords(options: ProduceOptions): Promise<ProduceSummary> {
  const producer = await runProducerPatient({
    bootstrap: options.bootstrap,
    topic: options.topic,
    records: options.records.map((record) => (typeof record === 'string' ? { value: record } : record)),
    ...(options.partition === undefined ? {} : { partition: options.partition }),
    ...(options.clientVersion === undefined ? {} : { clientVersion: options.clientVersion }),
  })
  const { done, exit } = await producer.result({ timeoutMs: options.timeoutMs ?? 60_000 })
  if (exit.code !== 0 || done.acked !== options.records.length) {
    throw new CollectError(
      `producing to ${options.topic} failed: ${String(done.acked)} of ${options.records.length} acknowledged`,
      {
        hint: 'see stderr below',
        stderr: producer.stderrTail(),
      },
    )
  }
  return { count: options.records.length, lastOffsets: done.lastOffsets as Record<string, number> }
}
