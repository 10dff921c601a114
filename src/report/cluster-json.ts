import type { ClusterAnalysis } from '../analyse/cluster/types.js'
import type { ClusterSnapshot } from '../collect/cluster/snapshot.js'

/**
 * The `--json` document of `kafka-doctor cluster`: the analysis at the top level (clusterId,
 * controller, quorum, brokers, partitions, divergence, findings), every broker's own answer as
 * `perBrokerViews`, and how it was collected (requests, timings, bootstrap attempts) under
 * `collection`. Serialise with `toJson` (bigint-safe).
 */
export function clusterJson(analysis: ClusterAnalysis, snapshot: ClusterSnapshot) {
  const { views, quorum: _quorum, ...collection } = snapshot
  return {
    kind: 'kafka-doctor/cluster-report',
    schemaVersion: 1,
    clusterId: analysis.clusterId,
    mode: analysis.mode,
    controller: analysis.controller,
    quorum: analysis.quorum,
    brokers: analysis.brokers,
    topics: analysis.topics,
    partitions: analysis.partitions,
    divergence: analysis.divergence,
    findings: analysis.findings,
    summary: analysis.summary,
    perBrokerViews: views,
    collection,
  }
}
