/**
 * Parsers for the text Kafka's own tools print, so tests can compare kafka-doctor with the reference
 * tools field by field.
 */

export interface DescribedPartition {
  topic: string
  partition: number
  /** -1 when the tool prints `none`. */
  leader: number
  replicas: number[]
  isr: number[]
}

const ids = (text: string | undefined): number[] =>
  (text ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map(Number)

/** The partition lines of `kafka-topics --describe` (3.x and 4.x formats). */
export function parseTopicsDescribe(stdout: string): DescribedPartition[] {
  const partitions: DescribedPartition[] = []
  for (const line of stdout.split('\n')) {
    const match =
      /Topic:\s*(\S+)\s+Partition:\s*(\d+)\s+Leader:\s*(\S+)\s+Replicas:\s*([\d,]*)\s+Isr:\s*([\d,]*)/.exec(
        line,
      )
    if (!match) continue
    partitions.push({
      topic: match[1] ?? '',
      partition: Number(match[2]),
      leader: match[3] === 'none' ? -1 : Number(match[3]),
      replicas: ids(match[4]),
      isr: ids(match[5]),
    })
  }
  return partitions
}

export interface DescribedGroupPartition {
  group: string
  topic: string
  partition: number
  /** undefined when the tool prints `-` (no committed offset). */
  currentOffset: bigint | undefined
  logEndOffset: bigint | undefined
  lag: bigint | undefined
  consumerId: string
}

const offset = (text: string | undefined): bigint | undefined =>
  text === undefined || text === '-' ? undefined : BigInt(text)

/** The table printed by `kafka-consumer-groups --describe --group G` (one or more groups). */
export function parseConsumerGroupsDescribe(stdout: string): DescribedGroupPartition[] {
  const rows: DescribedGroupPartition[] = []
  let columns: string[] | undefined
  for (const line of stdout.split('\n')) {
    const cells = line.trim().split(/\s+/)
    if (cells[0] === 'GROUP') {
      columns = cells
      continue
    }
    if (!columns || cells.length < 4) continue
    const cell = (name: string) => {
      const index = columns?.indexOf(name) ?? -1
      return index >= 0 ? cells[index] : undefined
    }
    const partition = cell('PARTITION')
    if (partition === undefined || !/^\d+$/.test(partition)) continue
    rows.push({
      group: cell('GROUP') ?? '',
      topic: cell('TOPIC') ?? '',
      partition: Number(partition),
      currentOffset: offset(cell('CURRENT-OFFSET')),
      logEndOffset: offset(cell('LOG-END-OFFSET')),
      lag: offset(cell('LAG')),
      consumerId: cell('CONSUMER-ID') ?? '-',
    })
  }
  return rows
}
