import { ApiKey } from '../protocol/generated/apis.js'

/**
 * The APIs kafka-doctor may send to a cluster. The tool diagnoses; it must never change what it looks
 * at, so everything that writes, joins a group, commits an offset or alters configuration is absent
 * from this list and refused by the connection before a byte leaves the process.
 */
export const readOnlyApis: ReadonlySet<number> = new Set<number>([
  ApiKey.ApiVersions,
  ApiKey.Metadata,
  ApiKey.ListOffsets,
  ApiKey.OffsetFetch,
  ApiKey.FindCoordinator,
  ApiKey.DescribeGroups,
  ApiKey.ListGroups,
  ApiKey.DescribeConfigs,
  ApiKey.DescribeCluster,
  ApiKey.DescribeQuorum,
  ApiKey.DescribeLogDirs,
  ApiKey.DescribeTopicPartitions,
  ApiKey.ConsumerGroupDescribe,
  ApiKey.DescribeProducers,
  ApiKey.DescribeTransactions,
  ApiKey.ListTransactions,
  ApiKey.OffsetForLeaderEpoch,
  ApiKey.DescribeAcls,
  ApiKey.SaslHandshake,
  ApiKey.SaslAuthenticate,
])

export function isReadOnlyApi(apiKey: number): boolean {
  return readOnlyApis.has(apiKey)
}
