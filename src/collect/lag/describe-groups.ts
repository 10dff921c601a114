import { ApiKey } from '../../protocol/generated/apis.js'
import { consumerProtocolAssignmentCodec } from '../../protocol/generated/data/consumer-protocol-assignment.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { ConsumerGroupDescribeResponseAssignment } from '../../protocol/generated/messages/consumer-group-describe.js'
import { Reader } from '../../protocol/reader.js'
import { type BrokerPool, failureText } from './broker-pool.js'
import type { GroupMember, GroupType, TopicPartitions } from './lag-snapshot.js'

/**
 * Group state, members and their assignments, one request per coordinator for all its groups:
 * DescribeGroups for classic groups (the assignment is the consumer protocol's bytes, decoded with
 * the generated ConsumerProtocolAssignment codec) and ConsumerGroupDescribe for KIP-848 groups
 * (assignments come as topic names and partitions). When the group type is not known (groups named on
 * the command line), both are asked at once where the broker serves ConsumerGroupDescribe, and the
 * answer that knows the group wins.
 */

export interface GroupDescription {
  type: GroupType
  protocolType: string | null
  state: string | null
  assignor: string | null
  groupEpoch?: number
  members: GroupMember[]
  error: string | null
}

const GROUP_ID_NOT_FOUND = 69

export async function describeGroups(
  pool: BrokerPool,
  coordinator: number,
  groups: readonly { group: string; type: GroupType }[],
): Promise<Map<string, GroupDescription>> {
  const result = new Map<string, GroupDescription>()
  if (groups.length === 0) return result
  const consumerDescribe = await pool.supports(coordinator, ApiKey.ConsumerGroupDescribe)
  const classicNames = groups.filter((g) => g.type !== 'consumer').map((g) => g.group)
  const consumerNames = consumerDescribe ? groups.filter((g) => g.type !== 'classic').map((g) => g.group) : []
  const [classic, consumer] = await Promise.all([
    describeClassic(pool, coordinator, classicNames),
    describeConsumer(pool, coordinator, consumerNames),
  ])
  for (const { group, type } of groups) {
    const a = classic.get(group)
    const b = consumer.get(group)
    result.set(group, pick(type, a, b) ?? { ...emptyDescription(), error: 'not described' })
  }
  return result
}

/** The answer that knows the group: a classic group is "not found" to ConsumerGroupDescribe and vice versa. */
function pick(
  type: GroupType,
  classic: GroupDescription | undefined,
  consumer: GroupDescription | undefined,
): GroupDescription | undefined {
  if (type === 'classic') return classic
  if (type === 'consumer') return consumer ?? classic
  const classicKnows = classic && classic.error === null && classic.state !== 'Dead'
  const consumerKnows = consumer && consumer.error === null && consumer.state !== 'Dead'
  if (consumerKnows && !classicKnows) return consumer
  if (classicKnows) return classic
  return classic ?? consumer
}

async function describeClassic(
  pool: BrokerPool,
  coordinator: number,
  groups: readonly string[],
): Promise<Map<string, GroupDescription>> {
  const result = new Map<string, GroupDescription>()
  if (groups.length === 0) return result
  try {
    const reply = await pool.send(coordinator, ApiKey.DescribeGroups, {
      groups: [...groups],
      includeAuthorizedOperations: false,
    })
    for (const g of reply.body.groups) {
      const consumerProtocol = g.protocolType === 'consumer'
      result.set(g.groupId, {
        // A group the coordinator does not know comes back as Dead (or GROUP_ID_NOT_FOUND on 4.x).
        type: g.errorCode === GROUP_ID_NOT_FOUND || g.groupState === 'Dead' ? 'unknown' : 'classic',
        protocolType: g.protocolType,
        state: g.groupState || null,
        assignor: g.protocolData || null,
        error: g.errorCode === 0 ? null : errorName(g.errorCode),
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          clientId: m.clientId,
          host: m.clientHost,
          ...decodeAssignment(m.memberAssignment, consumerProtocol),
        })),
      })
    }
  } catch (error) {
    for (const group of groups) result.set(group, { ...emptyDescription(), error: failureText(error) })
  }
  return result
}

async function describeConsumer(
  pool: BrokerPool,
  coordinator: number,
  groups: readonly string[],
): Promise<Map<string, GroupDescription>> {
  const result = new Map<string, GroupDescription>()
  if (groups.length === 0) return result
  try {
    const reply = await pool.send(coordinator, ApiKey.ConsumerGroupDescribe, {
      groupIds: [...groups],
      includeAuthorizedOperations: false,
    })
    for (const g of reply.body.groups) {
      result.set(g.groupId, {
        type: g.errorCode === 0 ? 'consumer' : 'unknown',
        protocolType: g.errorCode === 0 ? 'consumer' : null,
        state: g.groupState || null,
        assignor: g.assignorName || null,
        groupEpoch: g.groupEpoch,
        error: g.errorCode === 0 ? null : errorName(g.errorCode),
        members: g.members.map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.instanceId,
          clientId: m.clientId,
          host: m.clientHost,
          memberEpoch: m.memberEpoch,
          assignment: topicPartitions(m.assignment),
          targetAssignment: topicPartitions(m.targetAssignment),
        })),
      })
    }
  } catch (error) {
    for (const group of groups) result.set(group, { ...emptyDescription(), error: failureText(error) })
  }
  return result
}

/**
 * A classic member's assignment: int16 version, then the ConsumerProtocolAssignment fields. Newer
 * versions only append fields, so a version above what the codec knows is read as the highest it
 * knows. Empty bytes mean no assignment yet (a rebalance in progress).
 */
export function decodeAssignment(
  bytes: Uint8Array,
  consumerProtocol: boolean,
): { assignment: TopicPartitions[]; assignmentError?: string } {
  if (bytes.byteLength === 0) return { assignment: [] }
  if (!consumerProtocol) return { assignment: [], assignmentError: 'not the consumer protocol' }
  try {
    const reader = new Reader(bytes, { complete: true })
    const version = Math.min(reader.readInt16(), consumerProtocolAssignmentCodec.maxVersion)
    if (version < 0) return { assignment: [], assignmentError: `negative assignment version ${version}` }
    const decoded = consumerProtocolAssignmentCodec.decode(reader, version)
    return {
      assignment: decoded.assignedPartitions.map((tp) => ({
        topic: tp.topic,
        partitions: [...tp.partitions].sort((a, b) => a - b),
      })),
    }
  } catch (error) {
    return { assignment: [], assignmentError: `undecodable assignment: ${failureText(error)}` }
  }
}

function topicPartitions(assignment: ConsumerGroupDescribeResponseAssignment): TopicPartitions[] {
  return assignment.topicPartitions.map((tp) => ({
    topic: tp.topicName,
    partitions: [...tp.partitions].sort((a, b) => a - b),
  }))
}

function emptyDescription(): GroupDescription {
  return { type: 'unknown', protocolType: null, state: null, assignor: null, members: [], error: null }
}
