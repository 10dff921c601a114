import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import { type BrokerPool, failureText } from './broker-pool.js'
import type { CommittedOffset } from './lag-snapshot.js'

/**
 * Committed offsets of many groups with as few requests as the brokers allow: OffsetFetch v8+
 * (Kafka 3.0+) takes every group a coordinator owns in one request; older brokers get one request
 * per group, all in flight together. Every topic is asked for (topics = null), as
 * kafka-consumer-groups does, so partitions of topics the group no longer reads show up too.
 *
 * OffsetFetch v10 (Kafka 4.1+) names topics by id only; the collector stays at v9, which every broker
 * that has v10 also serves, so that answers carry topic names.
 */

const multiGroupFrom = 8
const highestWithTopicNames = 9

export interface GroupOffsets {
  committed: CommittedOffset[]
  error: string | null
}

export async function fetchCommittedOffsets(
  pool: BrokerPool,
  coordinator: number,
  groups: readonly string[],
): Promise<Map<string, GroupOffsets>> {
  const result = new Map<string, GroupOffsets>()
  if (groups.length === 0) return result
  if (await pool.supports(coordinator, ApiKey.OffsetFetch, multiGroupFrom)) {
    try {
      const reply = await pool.send(
        coordinator,
        ApiKey.OffsetFetch,
        {
          groupId: '',
          topics: null,
          groups: groups.map((groupId) => ({ groupId, memberId: null, memberEpoch: -1, topics: null })),
          requireStable: false,
        },
        { minVersion: multiGroupFrom, maxVersion: highestWithTopicNames },
      )
      for (const group of reply.body.groups) {
        const committed: CommittedOffset[] = []
        for (const topic of group.topics) {
          for (const p of topic.partitions) {
            committed.push(
              committedOffset(
                topic.name,
                p.partitionIndex,
                p.committedOffset,
                p.committedLeaderEpoch,
                p.errorCode,
              ),
            )
          }
        }
        result.set(group.groupId, {
          committed,
          error: group.errorCode === 0 ? null : errorName(group.errorCode),
        })
      }
    } catch (error) {
      for (const group of groups) result.set(group, { committed: [], error: failureText(error) })
    }
  } else {
    await Promise.all(
      groups.map(async (groupId) => {
        try {
          const reply = await pool.send(
            coordinator,
            ApiKey.OffsetFetch,
            { groupId, topics: null, groups: [], requireStable: false },
            // v2 is the first that accepts topics = null (all topics).
            { minVersion: 2, maxVersion: multiGroupFrom - 1 },
          )
          const committed: CommittedOffset[] = []
          for (const topic of reply.body.topics) {
            for (const p of topic.partitions) {
              committed.push(
                committedOffset(
                  topic.name,
                  p.partitionIndex,
                  p.committedOffset,
                  p.committedLeaderEpoch,
                  p.errorCode,
                ),
              )
            }
          }
          result.set(groupId, {
            committed,
            error: reply.body.errorCode === 0 ? null : errorName(reply.body.errorCode),
          })
        } catch (error) {
          result.set(groupId, { committed: [], error: failureText(error) })
        }
      }),
    )
  }
  for (const group of groups)
    if (!result.has(group)) result.set(group, { committed: [], error: 'no answer for this group' })
  return result
}

function committedOffset(
  topic: string,
  partition: number,
  offset: bigint,
  leaderEpoch: number,
  errorCode: number,
): CommittedOffset {
  return {
    topic,
    partition,
    offset: offset < 0n ? null : offset,
    leaderEpoch: leaderEpoch < 0 ? null : leaderEpoch,
    error: errorCode === 0 ? null : errorName(errorCode),
  }
}
