import type { BrokerView, ClusterSnapshot, ViewMetadata } from '../../collect/cluster/snapshot.js'
import { clusterFiles } from '../../collect/cluster/snapshot-files.js'
import type { EvidenceRef } from '../finding.js'

/**
 * Picking the views the analysis compares, and pointing back at them. The latest round is what the
 * brokers say now; the round before it tells a persistent disagreement from one already resolved.
 */

export interface AnsweredView extends BrokerView {
  metadata: ViewMetadata
}

export function answered(view: BrokerView): view is AnsweredView {
  return view.outcome === 'ok' && view.metadata !== undefined
}

export function lastRound(snapshot: ClusterSnapshot): number {
  return snapshot.views.reduce((max, v) => Math.max(max, v.round), 0)
}

/** Each broker's view in `round` (default: the last), whatever its outcome. */
export function viewsOfRound(snapshot: ClusterSnapshot, round = lastRound(snapshot)): BrokerView[] {
  return snapshot.views.filter((v) => v.round === round)
}

/**
 * The latest view of every broker that was asked: its view in the last round it was asked in. (A
 * broker is asked again in round 2 only when round 1 showed a disagreement, and then every broker is.)
 */
export function latestViews(snapshot: ClusterSnapshot): BrokerView[] {
  const latest = new Map<number, BrokerView>()
  for (const view of snapshot.views) {
    const seen = latest.get(view.brokerId)
    if (!seen || view.round >= seen.round) latest.set(view.brokerId, view)
  }
  return [...latest.values()].sort((a, b) => a.brokerId - b.brokerId)
}

/**
 * The views the brokers are compared on: every answer of the last round; when no broker answered at
 * its advertised address, the bootstrap address's answer (broker id -1), so that the cluster's state
 * is still reported.
 */
export function comparedViews(snapshot: ClusterSnapshot): AnsweredView[] {
  const round = lastRound(snapshot)
  const views = viewsOfRound(snapshot, round).filter(answered)
  const fallback = snapshot.bootstrapView
  if (views.length > 0 || !fallback) return views
  const [host = '', port = '0'] = fallback.address.split(/:(?=\d+$)/)
  return [
    {
      brokerId: -1,
      host,
      port: Number(port),
      round: Math.max(1, round),
      requestedAt: fallback.requestedAt,
      durationMs: fallback.durationMs,
      outcome: 'ok',
      metadata: fallback.metadata,
    },
  ]
}

/** Where a broker view lives in an evidence bundle (one file per broker and round). */
export function viewSource(view: Pick<BrokerView, 'brokerId' | 'round'>): string {
  return clusterFiles.view(view)
}

/** Evidence: what `view` said about a partition (a JSON pointer into the view file). */
export function partitionEvidence(view: AnsweredView, topic: string, partition: number): EvidenceRef {
  const t = view.metadata.topics.findIndex((each) => each.name === topic)
  const found = view.metadata.topics[t]
  const p = found?.partitions.findIndex((each) => each.partition === partition) ?? -1
  const value = found?.partitions[p]
  return {
    source: viewSource(view),
    at:
      t < 0 ? `/metadata/topics` : p < 0 ? `/metadata/topics/${t}` : `/metadata/topics/${t}/partitions/${p}`,
    observed: value
      ? {
          broker: view.brokerId,
          leader: value.leader,
          leaderEpoch: value.leaderEpoch,
          replicas: value.replicas,
          isr: value.isr,
          offlineReplicas: value.offlineReplicas,
        }
      : { broker: view.brokerId, known: false },
  }
}
