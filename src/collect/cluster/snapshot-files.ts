import type { BrokerView, ClusterSnapshot } from './snapshot.js'

/**
 * How a cluster snapshot is laid out in an evidence bundle: one file per broker view (per round), the
 * quorum, the configs and DescribeCluster apart, the rest in `cluster/snapshot.json`. Findings point
 * into these files (EvidenceRef.source), so the names are defined here, once.
 */

export const clusterFiles = {
  snapshot: 'cluster/snapshot.json',
  quorum: 'cluster/quorum.json',
  configs: 'cluster/configs.json',
  describeCluster: 'cluster/describe-cluster.json',
  /** A broker's view; broker id -1 is the answer of a bootstrap address that is no registered broker. */
  view: (view: Pick<BrokerView, 'brokerId' | 'round'>) =>
    view.brokerId < 0
      ? 'cluster/views/bootstrap.json'
      : `cluster/views/broker-${view.brokerId}-round-${view.round}.json`,
} as const

/** The snapshot split into bundle files (path → value to serialise with `toJson`). */
export function snapshotFiles(snapshot: ClusterSnapshot): Map<string, unknown> {
  const { views, quorum, configs, describeCluster, bootstrapView, ...rest } = snapshot
  const files = new Map<string, unknown>([
    [clusterFiles.snapshot, { ...rest, views: views.map((v) => clusterFiles.view(v)) }],
    [clusterFiles.quorum, quorum],
    [clusterFiles.configs, configs],
    [clusterFiles.describeCluster, describeCluster],
  ])
  for (const view of views) files.set(clusterFiles.view(view), view)
  if (bootstrapView) files.set(clusterFiles.view({ brokerId: -1, round: 1 }), bootstrapView)
  return files
}
