import { setTimeout as sleep } from 'node:timers/promises'
import { UnreachableError } from '../../errors.js'
import type { BrokerAddress } from '../../net/address.js'
import type { BrokerConnection } from '../../net/connection.js'
import { ApiKey } from '../../protocol/generated/apis.js'
import type { MetadataResponse } from '../../protocol/generated/messages/metadata.js'
import { mapConcurrent } from '../../util/concurrency.js'
import { toolVersion } from '../../version.js'
import { addressKey, BrokerPool, collectErrorOf, outcomeOf } from './broker-pool.js'
import { describeConfigs } from './configs.js'
import { describeCluster } from './describe-cluster.js'
import { collectView, requestMetadata, toViewMetadata, type ViewTarget } from './metadata-view.js'
import { describeQuorum } from './quorum.js'
import {
  type BootstrapAttempt,
  type BrokerView,
  type ClusterSnapshot,
  clusterSnapshotKind,
  clusterSnapshotVersion,
  type ViewMetadata,
} from './snapshot.js'
import { viewsAgree } from './views-agree.js'

/**
 * Collects a cluster snapshot: the bootstrap servers are tried all at once (the first to answer
 * Metadata names the brokers), then EVERY registered broker is asked for its own Metadata in
 * parallel, while the bootstrap broker is asked for the KRaft quorum, DescribeCluster and the topics'
 * min.insync.replicas. When the brokers' answers differ, every broker is asked once more after a short
 * pause, so that the analysis can tell a persistent disagreement from an election in flight.
 *
 * Every connect and request is bounded by `timeoutMs`; a broker that is down or slow becomes a view
 * with outcome `unreachable`/`timeout` and the run goes on. Only when no bootstrap server answers does
 * it throw (UnreachableError), within about one timeout.
 */

export interface CollectClusterOptions {
  bootstrap: readonly BrokerAddress[]
  /** Topic names to look at; null or absent for every topic. */
  topics?: readonly string[] | null
  /** Bound on each connect and each request, ms (default 10 s). */
  timeoutMs?: number
  clientId?: string
  /** Brokers asked at the same time (default 16). */
  maxParallel?: number
  /** Pause before asking every broker again when they disagree; 0 asks only once (default 1000 ms). */
  recheckDelayMs?: number
  /** Progress lines for a terminal. */
  onProgress?: (message: string) => void
}

interface BootstrapAnswer {
  address: BrokerAddress
  connection: BrokerConnection
  version: number
  body: MetadataResponse
  requestedAt: string
  durationMs: number
}

export async function collectClusterSnapshot(options: CollectClusterOptions): Promise<ClusterSnapshot> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const topics = options.topics && options.topics.length > 0 ? [...options.topics] : null
  const maxParallel = options.maxParallel ?? 16
  const recheckDelayMs = options.recheckDelayMs ?? 1000
  const progress = options.onProgress ?? (() => {})
  const startedAt = new Date()
  const pool = new BrokerPool({
    timeoutMs,
    ...(options.clientId !== undefined ? { clientId: options.clientId } : {}),
  })
  const warnings: string[] = []
  try {
    progress(`asking ${options.bootstrap.map(addressKey).join(', ')} for metadata`)
    const attempts = options.bootstrap.map((address) => askBootstrap(pool, address, topics))
    let winner: BootstrapAnswer
    try {
      winner = await Promise.any(attempts)
    } catch {
      const settled = await Promise.allSettled(attempts)
      const reasons = settled.map((s, i) =>
        s.status === 'rejected'
          ? `${addressKey(options.bootstrap[i] as BrokerAddress)}: ${shortReason(s.reason)}`
          : '',
      )
      throw new UnreachableError(`no bootstrap server answered (${reasons.filter(Boolean).join('; ')})`, {
        hint: 'check --bootstrap-server and that the brokers are up',
      })
    }

    const registered = toViewMetadata(winner.version, winner.body).brokers
    const bootstrapBroker = brokerAt(registered, winner.address)
    const mode = winner.connection.supports(ApiKey.DescribeQuorum) ? 'kraft' : 'zookeeper'
    const knownTopics = winner.body.topics.filter((t) => t.errorCode === 0 && t.name).map((t) => t.name ?? '')
    const attemptsByAddress = new Map(options.bootstrap.map((a, i) => [addressKey(a), attempts[i]]))

    progress(`asking ${registered.length} brokers for their own metadata`)
    const sideRequests = Promise.all([
      describeQuorum(pool, winner.connection, bootstrapBroker),
      describeCluster(pool, winner.connection, bootstrapBroker),
      describeConfigs(pool, winner.connection, bootstrapBroker, knownTopics),
    ])

    // Round 1: every broker the bootstrap answer names, reusing the bootstrap answers already in hand;
    // then any broker that only other brokers name (the bootstrap broker may itself be the stale one).
    const asked = new Set<number>()
    const views: BrokerView[] = []
    let targets: ViewTarget[] = registered.map((b) => ({ brokerId: b.id, host: b.host, port: b.port }))
    while (targets.length > 0) {
      for (const target of targets) asked.add(target.brokerId)
      const wave = await mapConcurrent(targets, maxParallel, (target) => {
        const attempt = attemptsByAddress.get(addressKey(target))
        return attempt ? viewFromBootstrap(attempt, target) : collectView(pool, target, topics, 1)
      })
      views.push(...wave)
      targets = newBrokers(wave, asked)
    }

    const answered = (round: BrokerView[]) =>
      round.flatMap((v) => (v.metadata ? [v.metadata] : ([] as ViewMetadata[])))
    if (recheckDelayMs > 0 && !viewsAgree(answered(views))) {
      progress(`brokers disagree: asking every broker again in ${recheckDelayMs} ms`)
      await sleep(recheckDelayMs)
      const round2 = await mapConcurrent(
        views.map((v) => ({ brokerId: v.brokerId, host: v.host, port: v.port })),
        maxParallel,
        (target) => collectView(pool, target, topics, 2),
      )
      views.push(...round2)
    }

    const [quorum, cluster, configs] = await sideRequests
    const bootstrap = await bootstrapAttempts(options.bootstrap, attempts, registered)
    for (const record of pool.records) {
      if (record.brokerId === null) record.brokerId = brokerIdAt(registered, record.address)
    }
    for (const view of views) {
      if (view.outcome !== 'ok')
        warnings.push(
          `broker ${view.brokerId} (${view.host}:${view.port}): ${view.error?.message ?? view.outcome}`,
        )
    }
    const finishedAt = new Date()
    return {
      kind: clusterSnapshotKind,
      schemaVersion: clusterSnapshotVersion,
      tool: { name: 'kafka-doctor', version: toolVersion },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      timeoutMs,
      topicsRequested: topics,
      bootstrap,
      bootstrapBroker,
      ...(bootstrapBroker === null
        ? {
            bootstrapView: {
              address: addressKey(winner.address),
              requestedAt: winner.requestedAt,
              durationMs: winner.durationMs,
              metadata: toViewMetadata(winner.version, winner.body),
            },
          }
        : {}),
      mode,
      describeCluster: cluster,
      quorum,
      configs,
      views: views.sort((a, b) => a.round - b.round || a.brokerId - b.brokerId),
      requests: pool.records,
      warnings: [...new Set(warnings)],
    }
  } finally {
    await pool.close()
  }
}

async function askBootstrap(
  pool: BrokerPool,
  address: BrokerAddress,
  topics: readonly string[] | null,
): Promise<BootstrapAnswer> {
  const requestedAt = new Date().toISOString()
  const started = pool.elapsedMs()
  const connection = await pool.open(address, null)
  const reply = await requestMetadata(pool, connection, null, topics)
  const durationMs = Math.round((pool.elapsedMs() - started) * 10) / 10
  return { address, connection, version: reply.version, body: reply.body, requestedAt, durationMs }
}

/** A broker that was also a bootstrap address: its bootstrap answer is its round-1 view. */
async function viewFromBootstrap(attempt: Promise<BootstrapAnswer>, target: ViewTarget): Promise<BrokerView> {
  const base = { brokerId: target.brokerId, host: target.host, port: target.port, round: 1 }
  try {
    const answer = await attempt
    return {
      ...base,
      requestedAt: answer.requestedAt,
      durationMs: answer.durationMs,
      outcome: 'ok',
      metadata: toViewMetadata(answer.version, answer.body),
    }
  } catch (error) {
    // The bootstrap attempt to this address failed (it was started before its node id was known).
    return {
      ...base,
      requestedAt: new Date().toISOString(),
      durationMs: 0,
      outcome: outcomeOf(error),
      error: collectErrorOf(error),
    }
  }
}

/** Brokers named in the answers that were not asked yet. */
function newBrokers(wave: readonly BrokerView[], asked: ReadonlySet<number>): ViewTarget[] {
  const found = new Map<number, ViewTarget>()
  for (const view of wave) {
    for (const b of view.metadata?.brokers ?? []) {
      if (!asked.has(b.id) && !found.has(b.id))
        found.set(b.id, { brokerId: b.id, host: b.host, port: b.port })
    }
  }
  return [...found.values()]
}

async function bootstrapAttempts(
  addresses: readonly BrokerAddress[],
  attempts: readonly Promise<BootstrapAnswer>[],
  registered: ViewMetadata['brokers'],
): Promise<BootstrapAttempt[]> {
  const settled = await Promise.allSettled(attempts)
  return settled.map((s, i) => {
    const address = addresses[i] as BrokerAddress
    const base = { address: addressKey(address), brokerId: brokerAt(registered, address) }
    return s.status === 'fulfilled'
      ? { ...base, outcome: 'ok' as const }
      : { ...base, outcome: outcomeOf(s.reason), error: collectErrorOf(s.reason) }
  })
}

function brokerAt(registered: ViewMetadata['brokers'], address: BrokerAddress): number | null {
  return brokerIdAt(registered, addressKey(address))
}

function brokerIdAt(registered: ViewMetadata['brokers'], key: string): number | null {
  return registered.find((b) => addressKey(b) === key)?.id ?? null
}

function shortReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message.replace(/^cannot connect to \S+: /, '')
  return String(reason)
}
