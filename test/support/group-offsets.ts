/**
 * Commits consumer-group offsets with Kafka's own AdminClient (test/support/java/GroupOffsets.java):
 * the way tests set up groups with exactly known commits — including offsets no consumer could
 * commit, such as one above the high watermark. The groups must have no active members. Fixtures may
 * write to the cluster; kafka-doctor itself never does.
 */
import { runKafkaJava } from './kafka-java.js'

export interface GroupCommit {
  group: string
  topic: string
  partition: number
  offset: bigint | number
  /** The leader epoch to record with the offset; none (-1) when omitted, as admin tools do. */
  leaderEpoch?: number
}

export async function commitGroupOffsets(
  bootstrap: string,
  commits: readonly GroupCommit[],
  options: { kafkaVersion?: string; timeoutMs?: number } = {},
): Promise<void> {
  const input = commits
    .map((c) =>
      [c.group, c.topic, c.partition, c.offset, ...(c.leaderEpoch === undefined ? [] : [c.leaderEpoch])].join(
        ' ',
      ),
    )
    .join('\n')
  const out = await runKafkaJava(
    options.kafkaVersion ?? '3.9.1',
    'GroupOffsets',
    [bootstrap],
    `${input}\n`,
    options.timeoutMs,
  )
  if (!out.startsWith('committed ')) throw new Error(`GroupOffsets printed '${out.trim()}'`)
}
