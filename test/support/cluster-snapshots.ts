import type { BrokerView, ClusterSnapshot, ViewPartition } from '../../src/collect/cluster/snapshot.js'
import { readClusterSnapshot } from '../../src/collect/cluster/snapshot-schema.js'
import { readFixture } from './fixtures.js'

/**
 * Real snapshots recorded from a 3-broker 3.9 cluster by scripts/record-cluster-fixtures.ts (topics
 * `orders` 6 partitions and `events` 3 partitions, replication factor 3, min.insync.replicas 2), and
 * helpers to alter one broker's answer the way a stale broker's would differ.
 */
export function recorded(name: 'healthy' | 'broker-2-stopped'): ClusterSnapshot {
  return readClusterSnapshot(readFixture('cluster', `${name}.json`), name)
}

export function viewOf(snapshot: ClusterSnapshot, broker: number, round = 1): BrokerView {
  const view = snapshot.views.find((v) => v.brokerId === broker && v.round === round)
  if (!view) throw new Error(`no view of broker ${broker} in round ${round}`)
  return view
}

/** The partition as broker `broker` reported it, for altering in place. */
export function partitionIn(
  snapshot: ClusterSnapshot,
  broker: number,
  topic: string,
  partition: number,
  round = 1,
): ViewPartition {
  const found = viewOf(snapshot, broker, round)
    .metadata?.topics.find((t) => t.name === topic)
    ?.partitions.find((p) => p.partition === partition)
  if (!found) throw new Error(`broker ${broker} has no ${topic}-${partition}`)
  return found
}

/** Alters a partition in every broker's view (the cluster-wide truth changes). */
export function everywhere(
  snapshot: ClusterSnapshot,
  topic: string,
  partition: number,
  change: (p: ViewPartition) => void,
): void {
  for (const view of snapshot.views) {
    const p = view.metadata?.topics
      .find((t) => t.name === topic)
      ?.partitions.find((x) => x.partition === partition)
    if (p) change(p)
  }
}

/** Adds a second collection round: every view asked again, `alter` applied to the copies. */
export function withSecondRound(
  snapshot: ClusterSnapshot,
  alter: (round2: ClusterSnapshot) => void = () => {},
): ClusterSnapshot {
  const copies = snapshot.views.filter((v) => v.round === 1).map((v) => ({ ...structuredClone(v), round: 2 }))
  const next = { ...snapshot, views: [...snapshot.views, ...copies] }
  alter(next)
  return next
}

/** Resolves a JSON pointer (`/a/0/b`) inside a value. */
export function resolvePointer(value: unknown, pointer: string): unknown {
  let current: unknown = value
  for (const part of pointer.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[part]
  }
  return current
}
