/**
 * Broker addresses inside answers, which the proxy points at its own listeners so that clients stay
 * behind it: Metadata and DescribeCluster broker lists, FindCoordinator's coordinator, and the
 * KIP-951 `NodeEndpoints` of Fetch / Produce / ShareFetch / ShareAcknowledge error answers.
 */
import { ApiKey } from '../protocol/generated/apis.js'
import type { DescribeClusterResponse } from '../protocol/generated/messages/describe-cluster.js'
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator.js'
import type { MetadataResponse } from '../protocol/generated/messages/metadata.js'

export interface Endpoint {
  nodeId: number
  host: string
  port: number
}

/** APIs whose answers always carry broker addresses. */
export const addressApis: ReadonlySet<number> = new Set([
  ApiKey.Metadata,
  ApiKey.FindCoordinator,
  ApiKey.DescribeCluster,
])

/** APIs whose error answers may carry KIP-951 node endpoints. */
export const nodeEndpointApis: ReadonlySet<number> = new Set([
  ApiKey.Fetch,
  ApiKey.Produce,
  ApiKey.ShareFetch,
  ApiKey.ShareAcknowledge,
])

interface WithNodeEndpoints {
  nodeEndpoints: Endpoint[]
}

/** DescribeCluster `endpointType` 2 lists controllers, which the proxy does not front. */
const controllerEndpoints = 2

/** Every broker endpoint an answer names (the proxy makes sure it has a listener for each). */
export function endpointsIn(apiKey: number, body: unknown): Endpoint[] {
  switch (apiKey) {
    case ApiKey.Metadata:
      return (body as MetadataResponse).brokers
    case ApiKey.DescribeCluster: {
      const response = body as DescribeClusterResponse
      if (response.endpointType === controllerEndpoints) return []
      return response.brokers.map((broker) => ({
        nodeId: broker.brokerId,
        host: broker.host,
        port: broker.port,
      }))
    }
    case ApiKey.FindCoordinator: {
      const response = body as FindCoordinatorResponse
      const all = [
        { nodeId: response.nodeId, host: response.host, port: response.port },
        ...response.coordinators,
      ]
      return all.filter((each) => each.nodeId >= 0 && each.host !== '')
    }
    default:
      return nodeEndpointApis.has(apiKey) ? (body as WithNodeEndpoints).nodeEndpoints : []
  }
}

/**
 * Points every endpoint of the answer at `addressOf(nodeId)`; returns how many were changed (0: the
 * answer holds no addresses and need not be re-encoded).
 */
export function rewriteAddresses(
  apiKey: number,
  body: unknown,
  addressOf: (nodeId: number) => { host: string; port: number } | undefined,
): number {
  let changed = 0
  const rewrite = (endpoint: { nodeId?: number; brokerId?: number; host: string; port: number }) => {
    const nodeId = endpoint.nodeId ?? endpoint.brokerId ?? -1
    if (nodeId < 0 || endpoint.host === '') return
    const target = addressOf(nodeId)
    if (!target) return
    if (endpoint.host !== target.host || endpoint.port !== target.port) {
      endpoint.host = target.host
      endpoint.port = target.port
      changed++
    }
  }
  switch (apiKey) {
    case ApiKey.Metadata:
      for (const broker of (body as MetadataResponse).brokers) rewrite(broker)
      break
    case ApiKey.DescribeCluster: {
      const response = body as DescribeClusterResponse
      if (response.endpointType !== controllerEndpoints)
        for (const broker of response.brokers) rewrite(broker)
      break
    }
    case ApiKey.FindCoordinator: {
      const response = body as FindCoordinatorResponse
      rewrite(response)
      for (const coordinator of response.coordinators) rewrite(coordinator)
      break
    }
    default:
      if (nodeEndpointApis.has(apiKey))
        for (const endpoint of (body as WithNodeEndpoints).nodeEndpoints) rewrite(endpoint)
  }
  return changed
}
