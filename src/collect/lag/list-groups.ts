import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import { type BrokerPool, failureText } from './broker-pool.js'
import type { GroupType } from './lag-snapshot.js'

/**
 * Every consumer group in the cluster: ListGroups goes to every broker, because each broker lists
 * only the groups it coordinates. Like kafka-consumer-groups --all-groups (AdminClient
 * listConsumerGroups), it keeps classic groups whose protocol type is `consumer` or empty (groups that
 * only hold committed offsets) and KIP-848 `consumer` groups; Connect, share and streams groups are
 * left out.
 */

export interface ListedGroup {
  group: string
  coordinator: number
  type: GroupType
  protocolType: string
  state: string | null
}

export interface ListGroupsResult {
  groups: ListedGroup[]
  /** Brokers that could not answer: their groups are missing from the list. */
  failures: { broker: number; error: string }[]
}

export async function listConsumerGroups(pool: BrokerPool): Promise<ListGroupsResult> {
  const failures: ListGroupsResult['failures'] = []
  const byName = new Map<string, ListedGroup>()
  await Promise.all(
    [...pool.brokers.keys()].map(async (broker) => {
      try {
        const reply = await pool.send(broker, ApiKey.ListGroups, { statesFilter: [], typesFilter: [] })
        if (reply.body.errorCode !== 0) {
          failures.push({ broker, error: errorName(reply.body.errorCode) })
          return
        }
        for (const listed of reply.body.groups) {
          const type = groupTypeOf(listed.groupType, listed.protocolType)
          if (type === undefined) continue
          byName.set(listed.groupId, {
            group: listed.groupId,
            coordinator: broker,
            type,
            protocolType: listed.protocolType,
            state: reply.version >= 4 ? listed.groupState : null,
          })
        }
      } catch (error) {
        failures.push({ broker, error: failureText(error) })
      }
    }),
  )
  const groups = [...byName.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0))
  return { groups, failures: failures.sort((a, b) => a.broker - b.broker) }
}

/** undefined: not a consumer group (Connect, share, streams). */
function groupTypeOf(groupType: string, protocolType: string): GroupType | undefined {
  const type = groupType.toLowerCase()
  if (type === 'consumer') return 'consumer'
  if (type === '' || type === 'classic') {
    return protocolType === 'consumer' || protocolType === '' ? 'classic' : undefined
  }
  return undefined
}
