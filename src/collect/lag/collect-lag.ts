import type { ConnectionOptions as TlsOptions } from 'node:tls'
import { UsageError } from '../../errors.js'
import { type BrokerAddress, parseBootstrapServers } from '../../net/address.js'
import { BrokerPool } from './broker-pool.js'
import { describeGroups } from './describe-groups.js'
import { fetchCommittedOffsets } from './fetch-committed.js'
import { findCoordinators } from './find-coordinators.js'
import { investigateReplicas, type Suspect } from './investigate-replicas.js'
import {
  type GroupEvidence,
  type GroupType,
  type LagSnapshot,
  lagSnapshotSchema,
  type PartitionEnds,
  partitionKey,
} from './lag-snapshot.js'
import { listConsumerGroups } from './list-groups.js'
import { listPartitionOffsets, type PartitionRef, topicLayouts } from './list-partition-offsets.js'

/**
 * Collects one lag snapshot with requests batched by broker, in an order that rules out the sampling
 * race other tools suffer from:
 *
 *  1. which groups: ListGroups on every broker (`allGroups`; the broker that lists a group is its
 *     coordinator) or FindCoordinator for the named groups, batched (v4+);
 *  2. per coordinator, in parallel: OffsetFetch for all its groups (v8+ multi-group) and
 *     DescribeGroups / ConsumerGroupDescribe;
 *  3. Metadata for the topics involved, then ListOffsets per leader (HW, LSO, log start) — the end
 *     offsets are read AFTER the committed offsets, so a commit can never look ahead of an HW that
 *     was read before it (the race Burrow, KMinion and most exporters paper over by clamping to 0);
 *  4. partitions whose committed offset is still above the HW: Metadata again and the end offsets read
 *     again from the (possibly new) leader, then every replica's broker asked what it holds
 *     (investigate-replicas.ts).
 *
 * A broker that fails leaves its part empty with the reason; the rest is returned.
 */

export interface LagTargetOptions {
  /** Groups to describe; ignored with `allGroups`. */
  groups?: readonly string[]
  /** Every consumer group of the cluster (ListGroups on every broker). */
  allGroups?: boolean
  /** Only these topics (exact names). */
  topics?: readonly string[]
  /** Ask the replicas about partitions with committed offsets above the HW (default true). */
  investigate?: boolean
}

export interface LagConnectOptions {
  /** `host:port,host:port` or parsed addresses. */
  bootstrap: string | readonly BrokerAddress[]
  /** Bound on every request and connection (default 10 s). */
  timeoutMs?: number
  clientId?: string
  tls?: TlsOptions
}

export type CollectLagOptions = LagTargetOptions &
  LagConnectOptions & { onProgress?: (message: string) => void }

/** A connection to the cluster that can take many snapshots (a watch) and counts every request. */
export class LagCollector {
  readonly pool: BrokerPool

  private constructor(pool: BrokerPool) {
    this.pool = pool
  }

  static async connect(options: LagConnectOptions): Promise<LagCollector> {
    const bootstrap =
      typeof options.bootstrap === 'string' ? parseBootstrapServers(options.bootstrap) : options.bootstrap
    const pool = await BrokerPool.connect({
      bootstrap,
      timeoutMs: options.timeoutMs ?? 10_000,
      ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
    })
    return new LagCollector(pool)
  }

  async snapshot(
    target: LagTargetOptions,
    onProgress: (message: string) => void = () => {},
  ): Promise<LagSnapshot> {
    return takeSnapshot(this.pool, target, onProgress)
  }

  close(): Promise<void> {
    return this.pool.close()
  }
}

/** Connects, takes one snapshot, and closes. */
export async function collectLag(options: CollectLagOptions): Promise<LagSnapshot> {
  const collector = await LagCollector.connect(options)
  try {
    return await collector.snapshot(options, options.onProgress)
  } finally {
    await collector.close()
  }
}

async function takeSnapshot(
  pool: BrokerPool,
  target: LagTargetOptions,
  onProgress: (message: string) => void,
): Promise<LagSnapshot> {
  const started = Date.now()
  pool.forgetFailures()
  const before = pool.stats
  const warnings: string[] = []
  const allGroups = target.allGroups ?? false
  const named = [...new Set(target.groups ?? [])]
  if (!allGroups && named.length === 0) {
    throw new UsageError('no group to describe', { hint: 'give --group GROUP (repeatable) or --all-groups' })
  }
  const topicFilter = target.topics && target.topics.length > 0 ? new Set(target.topics) : null

  // 1. Groups and their coordinators.
  const groups = new Map<string, GroupEvidence>()
  const evidence = (group: string, type: GroupType): GroupEvidence => ({
    group,
    coordinator: null,
    coordinatorError: null,
    type,
    protocolType: null,
    state: null,
    assignor: null,
    describeError: null,
    offsetsError: null,
    members: [],
    committed: [],
  })
  // Refresh the broker list: a watch may outlive broker changes (the first snapshot has it fresh).
  if (pool.stats.total > 1) await pool.metadata([])
  if (allGroups) {
    onProgress('listing groups on every broker')
    const listed = await listConsumerGroups(pool)
    for (const f of listed.failures) warnings.push(`broker ${f.broker} could not list its groups: ${f.error}`)
    for (const g of listed.groups) {
      const e = evidence(g.group, g.type)
      e.coordinator = g.coordinator
      e.protocolType = g.protocolType
      e.state = g.state
      groups.set(g.group, e)
    }
  } else {
    onProgress(`finding the coordinators of ${named.length} group(s)`)
    for (const group of named) groups.set(group, evidence(group, 'unknown'))
    // COORDINATOR_NOT_AVAILABLE / _LOAD_IN_PROGRESS are passing states (e.g. __consumer_offsets being
    // created or moved): ask again a few times, briefly, for the groups that got them.
    let pending = named
    for (let attempt = 0; attempt < 4 && pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250 * attempt))
      const answers = await askAnyBroker(pool, (broker) => findCoordinators(pool, pending, broker))
      for (const [group, answer] of answers) {
        const e = groups.get(group)
        if (!e) continue
        e.coordinator = answer.nodeId
        e.coordinatorError = answer.error
      }
      pending = pending.filter((g) =>
        /^COORDINATOR_(NOT_AVAILABLE|LOAD_IN_PROGRESS)/.test(groups.get(g)?.coordinatorError ?? ''),
      )
    }
  }

  // 2. Committed offsets and descriptions, per coordinator.
  const byCoordinator = new Map<number, GroupEvidence[]>()
  for (const e of groups.values()) {
    if (e.coordinator === null) continue
    const list = byCoordinator.get(e.coordinator)
    if (list) list.push(e)
    else byCoordinator.set(e.coordinator, [e])
  }
  onProgress(
    `reading committed offsets and members of ${groups.size} group(s) from ${byCoordinator.size} coordinator(s)`,
  )
  await Promise.all(
    [...byCoordinator].map(async ([coordinator, list]) => {
      const names = list.map((e) => e.group)
      const [offsets, descriptions] = await Promise.all([
        fetchCommittedOffsets(pool, coordinator, names),
        describeGroups(
          pool,
          coordinator,
          list.map((e) => ({ group: e.group, type: e.type })),
        ),
      ])
      for (const e of list) {
        const o = offsets.get(e.group)
        if (o) {
          e.committed = o.committed
          e.offsetsError = o.error
        }
        const d = descriptions.get(e.group)
        if (d) {
          if (d.type !== 'unknown') e.type = d.type
          e.protocolType = d.protocolType ?? e.protocolType
          e.state = d.state ?? e.state
          e.assignor = d.assignor
          if (d.groupEpoch !== undefined) e.groupEpoch = d.groupEpoch
          e.members = d.members
          e.describeError = d.error
        }
      }
    }),
  )
  for (const e of groups.values()) {
    if (topicFilter) e.committed = e.committed.filter((c) => topicFilter.has(c.topic))
    e.committed.sort((a, b) => compareRefs(a, b))
  }

  // 3. Metadata for the topics involved, then the end offsets of all their partitions.
  const topics = new Set<string>()
  for (const e of groups.values()) {
    for (const c of e.committed) topics.add(c.topic)
    for (const m of e.members) for (const a of m.assignment) topics.add(a.topic)
  }
  if (topicFilter) for (const t of [...topics]) if (!topicFilter.has(t)) topics.delete(t)
  const topicNames = [...topics].sort()
  let partitions: PartitionEnds[] = []
  let rereads: PartitionEnds[] = []
  let investigations: LagSnapshot['investigations'] = []
  if (topicNames.length > 0) {
    onProgress(`reading end offsets of ${topicNames.length} topic(s)`)
    const layouts = topicLayouts(await pool.metadata(topicNames))
    const wanted = new Map<string, PartitionRef>()
    for (const topic of topicNames) {
      for (const partition of layouts.get(topic)?.partitions.keys() ?? []) {
        wanted.set(partitionKey(topic, partition), { topic, partition })
      }
    }
    for (const e of groups.values()) {
      for (const c of e.committed)
        wanted.set(partitionKey(c.topic, c.partition), { topic: c.topic, partition: c.partition })
    }
    const refs = [...wanted.values()].sort(compareRefs)
    partitions = await listPartitionOffsets(pool, layouts, refs)

    // 4. Commits above the HW: read again with fresh metadata, then ask the replicas.
    const above = committedAboveEnd(groups.values(), partitions)
    if (above.size > 0) {
      onProgress(`${above.size} partition(s) with a commit above the high watermark: reading again`)
      const again = [...above.values()].map((a) => ({ topic: a.topic, partition: a.partition }))
      const freshLayouts = topicLayouts(await pool.metadata([...new Set(again.map((r) => r.topic))]))
      rereads = await listPartitionOffsets(pool, freshLayouts, again)
      const still = committedAboveEnd(groups.values(), rereads)
      if ((target.investigate ?? true) && still.size > 0) {
        onProgress(`asking every replica about ${still.size} partition(s)`)
        const suspects: Suspect[] = rereads
          .filter((r) => still.has(partitionKey(r.topic, r.partition)))
          .map((ends) => ({
            ends,
            committedEpochs: still.get(partitionKey(ends.topic, ends.partition))?.epochs ?? [],
          }))
        investigations = await investigateReplicas(pool, suspects)
      }
    }
  }

  const after = pool.stats
  let timeMs = partitions.length > 0 ? 0 : Date.now()
  for (const p of partitions) if (p.readAtMs > timeMs) timeMs = p.readAtMs
  return {
    schema: lagSnapshotSchema,
    takenAt: new Date(started).toISOString(),
    timeMs,
    durationMs: Date.now() - started,
    allGroups,
    topicFilter: topicFilter ? [...topicFilter].sort() : null,
    groups: [...groups.values()].sort((a, b) => (a.group < b.group ? -1 : a.group > b.group ? 1 : 0)),
    partitions,
    rereads,
    investigations,
    brokers: [...pool.brokers.values()]
      .map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack }))
      .sort((a, b) => a.nodeId - b.nodeId),
    requests: statsSince(before, after),
    unreachable: pool.unreachable,
    warnings,
  }
}

/** Partitions where some group's committed offset is above the HW that was read, with the commits' epochs. */
function committedAboveEnd(
  groups: Iterable<GroupEvidence>,
  ends: readonly PartitionEnds[],
): Map<string, { topic: string; partition: number; epochs: number[] }> {
  const byKey = new Map(ends.map((e) => [partitionKey(e.topic, e.partition), e]))
  const above = new Map<string, { topic: string; partition: number; epochs: number[] }>()
  for (const g of groups) {
    for (const c of g.committed) {
      const key = partitionKey(c.topic, c.partition)
      const end = byKey.get(key)
      if (!end || c.offset === null || end.highWatermark === null || c.offset <= end.highWatermark) continue
      const entry = above.get(key) ?? { topic: c.topic, partition: c.partition, epochs: [] }
      if (c.leaderEpoch !== null && !entry.epochs.includes(c.leaderEpoch)) entry.epochs.push(c.leaderEpoch)
      above.set(key, entry)
    }
  }
  return above
}

/** Tries brokers in id order until one answers (the bootstrap's broker list may name a dead one). */
async function askAnyBroker<T>(pool: BrokerPool, ask: (broker: number) => Promise<T>): Promise<T> {
  const brokers = [...pool.brokers.keys()].sort((a, b) => a - b)
  let lastError: unknown
  for (const broker of brokers) {
    try {
      await pool.connectionTo(broker)
      return await ask(broker)
    } catch (error) {
      lastError = error
    }
  }
  throw lastError ?? new UsageError('the cluster metadata names no broker')
}

function statsSince(before: BrokerPool['stats'], after: BrokerPool['stats']): BrokerPool['stats'] {
  const diff = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(
      Object.entries(b)
        .map(([k, v]) => [k, v - (a[k] ?? 0)] as const)
        .filter(([, v]) => v > 0),
    )
  return {
    total: after.total - before.total,
    byApi: diff(before.byApi, after.byApi),
    byBroker: diff(before.byBroker, after.byBroker),
    connections: after.connections - before.connections,
  }
}

function compareRefs(a: PartitionRef, b: PartitionRef): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition
}
