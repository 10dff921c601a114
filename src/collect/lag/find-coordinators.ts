import { ApiKey } from '../../protocol/generated/apis.js'
import { errorName } from '../../protocol/generated/errors.js'
import { type BrokerPool, failureText } from './broker-pool.js'

/**
 * Which broker coordinates each group. FindCoordinator v4+ (Kafka 3.0+) answers for many groups in
 * one request; older brokers get one request per group, all in flight at once. A failure is kept per
 * group (COORDINATOR_NOT_AVAILABLE while __consumer_offsets is being created, an ACL error …).
 */

const groupKeyType = 0
const batchedFrom = 4

export interface CoordinatorAnswer {
  nodeId: number | null
  error: string | null
}

export async function findCoordinators(
  pool: BrokerPool,
  groups: readonly string[],
  askBroker: number,
): Promise<Map<string, CoordinatorAnswer>> {
  const answers = new Map<string, CoordinatorAnswer>()
  if (groups.length === 0) return answers
  if (await pool.supports(askBroker, ApiKey.FindCoordinator, batchedFrom)) {
    // A failure of the one request propagates, so that the caller can ask another broker.
    const reply = await pool.send(
      askBroker,
      ApiKey.FindCoordinator,
      { key: '', keyType: groupKeyType, coordinatorKeys: [...groups] },
      { minVersion: batchedFrom },
    )
    for (const c of reply.body.coordinators) {
      answers.set(
        c.key,
        c.errorCode === 0 ? { nodeId: c.nodeId, error: null } : failed(c.errorCode, c.errorMessage),
      )
    }
  } else {
    await Promise.all(
      groups.map(async (group) => {
        try {
          const reply = await pool.send(
            askBroker,
            ApiKey.FindCoordinator,
            { key: group, keyType: groupKeyType, coordinatorKeys: [] },
            { maxVersion: batchedFrom - 1 },
          )
          const body = reply.body
          answers.set(
            group,
            body.errorCode === 0
              ? { nodeId: body.nodeId, error: null }
              : failed(body.errorCode, body.errorMessage),
          )
        } catch (error) {
          answers.set(group, { nodeId: null, error: failureText(error) })
        }
      }),
    )
  }
  for (const group of groups)
    if (!answers.has(group)) answers.set(group, { nodeId: null, error: 'no answer for this group' })
  return answers
}

function failed(code: number, message: string | null): CoordinatorAnswer {
  return { nodeId: null, error: message ? `${errorName(code)}: ${message}` : errorName(code) }
}
