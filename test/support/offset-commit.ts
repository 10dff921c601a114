/**
 * A test fixture that commits offsets with a raw OffsetCommit request, as a "simple" (memberless)
 * consumer group does: generation -1, no member id. It exists for tests that must commit within a
 * second or two (while a broker is frozen), where starting a JVM with an AdminClient takes too long.
 * kafka-doctor itself never sends OffsetCommit — its connections refuse to (src/net/read-only.ts) —
 * so this fixture speaks to the broker through the transport directly.
 */

import { Transport } from '../../src/net/transport.js'
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js'
import { ApiKey } from '../../src/protocol/generated/apis.js'
import { errorName } from '../../src/protocol/generated/errors.js'

export interface RawCommit {
  topic: string
  partition: number
  offset: bigint
  leaderEpoch?: number
}

/** Commits to the group's coordinator (`host:port`); throws with the error names if any partition failed. */
export async function commitOffsetsRaw(
  coordinator: { host: string; port: number },
  group: string,
  commits: readonly RawCommit[],
): Promise<void> {
  const transport = await Transport.connect({
    ...coordinator,
    connectTimeoutMs: 5000,
    requestTimeoutMs: 5000,
  })
  try {
    const version = 8
    const byTopic = new Map<string, RawCommit[]>()
    for (const c of commits) byTopic.set(c.topic, [...(byTopic.get(c.topic) ?? []), c])
    const frame = encodeRequestFrame(
      {
        apiKey: ApiKey.OffsetCommit,
        apiVersion: version,
        correlationId: 1,
        clientId: 'kafka-doctor-test-fixture',
      },
      {
        groupId: group,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
          partitions: list.map((c) => ({
            partitionIndex: c.partition,
            committedOffset: c.offset,
            commitTimestamp: -1n,
            committedLeaderEpoch: c.leaderEpoch ?? -1,
            committedMetadata: '',
          })),
        })),
      },
    ).subarray(4)
    const response = await transport.request(1, frame)
    const { body } = decodeResponseFrame(response, ApiKey.OffsetCommit, version, { sizePrefixed: false })
    const errors = body.topics.flatMap((t) =>
      t.partitions
        .filter((p) => p.errorCode !== 0)
        .map((p) => `${t.name}-${p.partitionIndex}: ${errorName(p.errorCode)}`),
    )
    if (errors.length > 0) throw new Error(`OffsetCommit for ${group} failed: ${errors.join(', ')}`)
  } finally {
    await transport.close()
  }
}
