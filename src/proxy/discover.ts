import { UnreachableError } from '../errors.js'
import { Transport } from '../net/transport.js'
import { decodeResponseFrame, encodeRequestFrame } from '../protocol/frame.js'
import { ApiKey, codecFor } from '../protocol/generated/apis.js'
import type { MetadataResponse } from '../protocol/generated/messages/metadata.js'

export interface DiscoveredCluster {
  clusterId: string | null
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[]
  topics: DiscoveredTopic[]
}

export interface DiscoveredTopic {
  name: string
  topicId: string
  partitions: { partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[] }[]
}

const defaultClientId = 'kafka-doctor-proxy'

/**
 * Asks the first bootstrap server that answers for the cluster's brokers and topics (ApiVersions v0,
 * which every broker answers, then the newest Metadata version both sides speak).
 */
export async function discoverCluster(
  servers: readonly { host: string; port: number }[],
  timeoutMs: number,
  options: { topics?: readonly string[]; clientId?: string } = {},
): Promise<DiscoveredCluster> {
  const clientId = options.clientId ?? defaultClientId
  const failures: string[] = []
  for (const server of servers) {
    let transport: Transport | undefined
    try {
      transport = await Transport.connect({
        ...server,
        connectTimeoutMs: timeoutMs,
        requestTimeoutMs: timeoutMs,
      })
      const versionsFrame = encodeRequestFrame(
        { apiKey: ApiKey.ApiVersions, apiVersion: 0, correlationId: 1, clientId },
        codecFor(ApiKey.ApiVersions).defaultRequest(),
      )
      const versions = decodeResponseFrame(
        await transport.request(1, versionsFrame.subarray(4)),
        ApiKey.ApiVersions,
        0,
        { sizePrefixed: false },
      ).body
      const offered = versions.apiKeys.find((api) => api.apiKey === ApiKey.Metadata)
      const codec = codecFor(ApiKey.Metadata)
      const version = Math.min(offered?.maxVersion ?? 1, codec.maxVersion)
      const request = {
        ...codec.defaultRequest(),
        topics: options.topics
          ? options.topics.map((name) => ({ name, topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }))
          : version >= 1
            ? null
            : [],
      }
      const frame = encodeRequestFrame(
        { apiKey: ApiKey.Metadata, apiVersion: version, correlationId: 2, clientId },
        request,
      )
      const metadata: MetadataResponse = decodeResponseFrame(
        await transport.request(2, frame.subarray(4)),
        ApiKey.Metadata,
        version,
        { sizePrefixed: false },
      ).body
      return {
        clusterId: metadata.clusterId,
        brokers: metadata.brokers.map(({ nodeId, host, port, rack }) => ({ nodeId, host, port, rack })),
        topics: metadata.topics.flatMap((topic) =>
          topic.name
            ? [
                {
                  name: topic.name,
                  topicId: topic.topicId,
                  partitions: topic.partitions.map((p) => ({
                    partition: p.partitionIndex,
                    leader: p.leaderId,
                    leaderEpoch: p.leaderEpoch,
                    replicas: p.replicaNodes,
                    isr: p.isrNodes,
                  })),
                },
              ]
            : [],
        ),
      }
    } catch (error) {
      failures.push(
        `${server.host}:${server.port}: ${error instanceof Error ? error.message : String(error)}`,
      )
    } finally {
      await transport?.close()
    }
  }
  throw new UnreachableError(`no bootstrap server answered Metadata (${failures.join('; ')})`, {
    hint: 'check --bootstrap-server and that the brokers are up',
  })
}
