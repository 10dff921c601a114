import type { ViewPartition } from '../../collect/cluster/snapshot.js'
import type { AnsweredView } from './views.js'

/**
 * Which view of a partition is right when brokers disagree — the rule, in order:
 *
 * 1. **Highest leader epoch wins.** Only the controller assigns leader epochs and they only grow, so a
 *    broker reporting an older epoch has provably not applied the latest leadership change: it is the
 *    stale one, however many brokers share its view (a majority can be stale too).
 * 2. **Among the views at the highest epoch, the majority wins.** ISR changes do not bump the leader
 *    epoch, so two brokers at the same epoch can still disagree about the ISR (or, after a bug, about
 *    the leader); the value most brokers report is taken as the cluster's.
 * 3. **A tie is reported as a tie.** With no majority (e.g. two brokers answering, one each way) there
 *    is no way to tell from Metadata alone; the bootstrap broker's value (else the lowest broker id's)
 *    is shown as the reference and every other value is marked `tie`, not `minority`.
 *
 * ISR and offline replicas are compared as sets (order means nothing); replicas in order (the first is
 * the preferred leader).
 */

export const partitionFields = ['leader', 'leaderEpoch', 'replicas', 'isr', 'offlineReplicas'] as const
export type PartitionField = (typeof partitionFields)[number]

export interface PartitionValue {
  leader: number
  leaderEpoch: number
  replicas: number[]
  isr: number[]
  offlineReplicas: number[]
  errorCode: number
}

export type ConsensusRule = 'unanimous' | 'highest-epoch' | 'majority' | 'tie'
export type DissentReason = 'older-epoch' | 'minority' | 'tie'

export interface Dissent {
  broker: number
  value: PartitionValue
  differs: PartitionField[]
  reason: DissentReason
}

export interface PartitionConsensus {
  topic: string
  partition: number
  agreed: PartitionValue
  /** Brokers whose view is the agreed value. */
  agreeing: number[]
  rule: ConsensusRule
  dissenters: Dissent[]
  /** Brokers that answered and know the topic but not this partition (a stale partition count). */
  missingOn: number[]
}

/** Brokers that answered but do not know a topic other brokers know. */
export interface TopicPresence {
  topic: string
  knownBy: number[]
  missingOn: number[]
}

export interface ConsensusOptions {
  /** Whose value is the reference on a tie (the bootstrap broker). */
  preferBroker?: number | null
}

/** The agreed value of every partition any answering broker knows, with the brokers that differ. */
export function partitionConsensus(
  views: readonly AnsweredView[],
  options: ConsensusOptions = {},
): { partitions: PartitionConsensus[]; topics: TopicPresence[] } {
  type Entry = { broker: number; value: PartitionValue }
  const byTopic = new Map<string, Map<number, Entry[]>>()
  const knownBy = new Map<string, number[]>()
  for (const view of views) {
    for (const topic of view.metadata.topics) {
      if (topic.errorCode !== 0) continue
      knownBy.set(topic.name, [...(knownBy.get(topic.name) ?? []), view.brokerId])
      const partitions = byTopic.get(topic.name) ?? new Map<number, Entry[]>()
      byTopic.set(topic.name, partitions)
      for (const p of topic.partitions) {
        const entries = partitions.get(p.partition) ?? []
        entries.push({ broker: view.brokerId, value: partitionValue(p) })
        partitions.set(p.partition, entries)
      }
    }
  }
  const answering = views.map((v) => v.brokerId)
  const topics: TopicPresence[] = []
  const partitions: PartitionConsensus[] = []
  for (const name of [...byTopic.keys()].sort()) {
    const known = knownBy.get(name) ?? []
    topics.push({ topic: name, knownBy: known, missingOn: answering.filter((b) => !known.includes(b)) })
    const byPartition = byTopic.get(name) ?? new Map<number, Entry[]>()
    for (const index of [...byPartition.keys()].sort((a, b) => a - b)) {
      const entries = byPartition.get(index) ?? []
      const reporting = entries.map((e) => e.broker)
      partitions.push({
        topic: name,
        partition: index,
        ...agree(entries, options.preferBroker ?? null),
        missingOn: known.filter((b) => !reporting.includes(b)),
      })
    }
  }
  return { partitions, topics }
}

function agree(
  entries: readonly { broker: number; value: PartitionValue }[],
  preferBroker: number | null,
): Pick<PartitionConsensus, 'agreed' | 'agreeing' | 'rule' | 'dissenters'> {
  const maxEpoch = Math.max(...entries.map((e) => e.value.leaderEpoch))
  const groups = new Map<string, { value: PartitionValue; brokers: number[] }>()
  for (const entry of entries) {
    if (entry.value.leaderEpoch !== maxEpoch) continue
    const key = valueKey(entry.value)
    const group = groups.get(key) ?? { value: entry.value, brokers: [] }
    group.brokers.push(entry.broker)
    groups.set(key, group)
  }
  const ranked = [...groups.values()].sort(
    (a, b) => b.brokers.length - a.brokers.length || Math.min(...a.brokers) - Math.min(...b.brokers),
  )
  const top = ranked[0] as { value: PartitionValue; brokers: number[] }
  const tied = ranked.filter((g) => g.brokers.length === top.brokers.length)
  const chosen =
    tied.length > 1
      ? (tied.find((g) => preferBroker !== null && g.brokers.includes(preferBroker)) ?? top)
      : top
  const olderEpochs = entries.some((e) => e.value.leaderEpoch !== maxEpoch)
  const rule: ConsensusRule =
    tied.length > 1 ? 'tie' : ranked.length > 1 ? 'majority' : olderEpochs ? 'highest-epoch' : 'unanimous'
  const chosenKey = valueKey(chosen.value)
  const dissenters: Dissent[] = entries
    .filter((e) => valueKey(e.value) !== chosenKey)
    .map((e) => ({
      broker: e.broker,
      value: e.value,
      differs: differences(e.value, chosen.value),
      reason: e.value.leaderEpoch < maxEpoch ? 'older-epoch' : tied.length > 1 ? 'tie' : 'minority',
    }))
  return { agreed: chosen.value, agreeing: [...chosen.brokers].sort((a, b) => a - b), rule, dissenters }
}

function partitionValue(p: ViewPartition): PartitionValue {
  return {
    leader: p.leader,
    leaderEpoch: p.leaderEpoch,
    replicas: [...p.replicas],
    isr: [...p.isr],
    offlineReplicas: [...p.offlineReplicas],
    errorCode: p.errorCode,
  }
}

const asSet = (ids: readonly number[]) => [...ids].sort((a, b) => a - b).join(',')

function valueKey(v: PartitionValue): string {
  return `${v.leader}|${v.leaderEpoch}|${v.replicas.join(',')}|${asSet(v.isr)}|${asSet(v.offlineReplicas)}`
}

export function differences(a: PartitionValue, b: PartitionValue): PartitionField[] {
  const fields: PartitionField[] = []
  if (a.leader !== b.leader) fields.push('leader')
  if (a.leaderEpoch !== b.leaderEpoch) fields.push('leaderEpoch')
  if (a.replicas.join(',') !== b.replicas.join(',')) fields.push('replicas')
  if (asSet(a.isr) !== asSet(b.isr)) fields.push('isr')
  if (asSet(a.offlineReplicas) !== asSet(b.offlineReplicas)) fields.push('offlineReplicas')
  return fields
}

/** The most common value of `pick` over the views, with the brokers that report something else. */
export function majorityOf<T>(
  views: readonly AnsweredView[],
  pick: (view: AnsweredView) => T,
  key: (value: T) => string = (value) => JSON.stringify(value),
): { value: T; agreeing: number[]; dissenters: { broker: number; value: T }[] } | undefined {
  const groups = new Map<string, { value: T; brokers: number[] }>()
  for (const view of views) {
    const value = pick(view)
    const k = key(value)
    const group = groups.get(k) ?? { value, brokers: [] }
    group.brokers.push(view.brokerId)
    groups.set(k, group)
  }
  const ranked = [...groups.values()].sort(
    (a, b) => b.brokers.length - a.brokers.length || Math.min(...a.brokers) - Math.min(...b.brokers),
  )
  const top = ranked[0]
  if (!top) return undefined
  return {
    value: top.value,
    agreeing: top.brokers,
    dissenters: ranked.slice(1).flatMap((g) => g.brokers.map((broker) => ({ broker, value: g.value }))),
  }
}
