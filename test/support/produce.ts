import { runKafkaTool } from '../../scripts/kafka/run-tool.js'
import { resolveBrokerVersion } from '../../scripts/kafka/versions.js'
import { UsageError } from '../../src/errors.js'

/** A string is a value without a key. */
export type ProducedRecord = string | { key?: string | null; value: string }

export interface ProduceSummary {
  count: number
}

export interface ProduceOptions {
  bootstrap: string
  topic: string
  records: readonly ProducedRecord[]
  partition?: number
  timeoutMs?: number
}

/**
 * Produces records with Kafka's console producer (acks=all, so they are committed when this returns).
 */
export async function produceRecords(options: ProduceOptions): Promise<ProduceSummary> {
  if (options.partition !== undefined) {
    throw new UsageError('producing to a chosen partition needs the producer patient')
  }
  const keyed = options.records.some((record) => typeof record !== 'string' && record.key != null)
  const lines = options.records.map((record) => {
    if (typeof record === 'string') return keyed ? `\t${record}` : record
    if (record.value.includes('\n') || (record.key ?? '').includes('\t')) {
      throw new UsageError('console-producer records cannot hold newlines or tabs in keys')
    }
    return keyed ? `${record.key ?? ''}\t${record.value}` : record.value
  })
  const args = [
    '--bootstrap-server',
    options.bootstrap,
    '--topic',
    options.topic,
    '--producer-property',
    'acks=all',
    ...(keyed ? ['--property', 'parse.key=true', '--property', 'key.separator=\t'] : []),
  ]
  const result = await runKafkaTool('kafka-console-producer', args, {
    version: resolveBrokerVersion(undefined),
    input: `${lines.join('\n')}\n`,
    timeoutMs: options.timeoutMs ?? 60_000,
  })
  if (result.code !== 0) {
    throw new UsageError(`console producer failed (exit ${result.code})`, {
      hint: result.stderr.trim().slice(-300),
    })
  }
  return { count: lines.length }
}
