/**
 * The rules' effect on decoded answers. Each function edits the body in place and reports every change
 * through `env.changed`; it returns how many changes it made (0 → the original bytes are forwarded).
 * What an injected error looks like follows what a broker itself sends with that error: Fetch with
 * HW/LSO/log start -1 and no records, ListOffsets with offset -1, Produce with base offset -1.
 */
import { ApiKey } from '../protocol/generated/apis.js'
import { errorName } from '../protocol/generated/errors.js'
import type { DescribeTopicPartitionsResponse } from '../protocol/generated/messages/describe-topic-partitions.js'
import type { FetchResponse, FetchResponsePartitionData } from '../protocol/generated/messages/fetch.js'
import type { FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator.js'
import type { HeartbeatResponse } from '../protocol/generated/messages/heartbeat.js'
import type { JoinGroupResponse } from '../protocol/generated/messages/join-group.js'
import type {
  ListOffsetsResponse,
  ListOffsetsResponseListOffsetsPartitionResponse,
} from '../protocol/generated/messages/list-offsets.js'
import type { MetadataResponse } from '../protocol/generated/messages/metadata.js'
import type { OffsetCommitResponse } from '../protocol/generated/messages/offset-commit.js'
import type { OffsetFetchResponse } from '../protocol/generated/messages/offset-fetch.js'
import type { ProduceResponse } from '../protocol/generated/messages/produce.js'
import type { Endpoint } from './rewrite-addresses.js'
import { coversPartition, type RuleSet, type RuleState } from './rule-set.js'
import {
  type CoordinatorErrorRule,
  type ErrorRule,
  type FreezeOffsetsRule,
  globMatch,
  type StaleMetadataRule,
} from './rules.js'
import type { TopicNames } from './topic-names.js'

/** One request/answer pair, with what was parsed from the request when a rule needed it. */
export interface Exchange {
  brokerId: number
  clientId: string | null
  apiKey: number
  apiVersion: number
  correlationId: number
  /** ListOffsets: isolation level and the timestamp asked per `topic-partition`. */
  listOffsets?: { isolationLevel: number; timestamps: Map<string, bigint> }
  /** Group ids named by the request (JoinGroup, Heartbeat, OffsetFetch, FindCoordinator). */
  groupIds?: string[]
}

export interface FaultEnv {
  rules: RuleSet
  topics: TopicNames
  /** The proxy's address for a broker (for KIP-951 leader hints). */
  endpointOf(nodeId: number): Endpoint | undefined
  changed(change: { rule?: string; change: string; detail: string }): void
}

/** Rule types that change Fetch answers (and make the proxy run that listener's fetches sessionless). */
export function fetchRuleStates(
  rules: RuleSet,
  exchange: Pick<Exchange, 'brokerId' | 'clientId'>,
): RuleState[] {
  return [
    ...rules.candidates('error', exchange).filter((state) => (state.rule as ErrorRule).api === ApiKey.Fetch),
    ...rules.candidates('freeze-offsets', exchange),
  ]
}

export function applyResponseFaults(exchange: Exchange, body: unknown, env: FaultEnv): number {
  switch (exchange.apiKey) {
    case ApiKey.Fetch:
      return faultFetch(exchange, body as FetchResponse, env)
    case ApiKey.ListOffsets:
      return faultListOffsets(exchange, body as ListOffsetsResponse, env)
    case ApiKey.Produce:
      return faultProduce(exchange, body as ProduceResponse, env)
    case ApiKey.OffsetCommit:
      return faultOffsetCommit(exchange, body as OffsetCommitResponse, env)
    case ApiKey.Metadata:
      return staleMetadata(exchange, (body as MetadataResponse).topics, env)
    case ApiKey.DescribeTopicPartitions:
      return staleMetadata(exchange, (body as DescribeTopicPartitionsResponse).topics, env)
    case ApiKey.FindCoordinator:
    case ApiKey.JoinGroup:
    case ApiKey.Heartbeat:
    case ApiKey.OffsetFetch:
      return coordinatorErrors(exchange, body, env)
    default:
      return 0
  }
}

function errorRulesFor(exchange: Exchange, env: FaultEnv): RuleState[] {
  return env.rules
    .candidates('error', exchange)
    .filter((state) => (state.rule as ErrorRule).api === exchange.apiKey)
}

/** The first rule covering the partition that takes (probability, count). */
function firstTaking(
  states: RuleState[],
  env: FaultEnv,
  topic: string,
  partition: number,
): RuleState | undefined {
  for (const state of states) {
    const rule = state.rule as ErrorRule | FreezeOffsetsRule
    if (coversPartition(rule, topic, partition) && env.rules.take(state)) return state
  }
  return undefined
}

// ---- Fetch -----------------------------------------------------------------------------------------

function faultFetch(exchange: Exchange, body: FetchResponse, env: FaultEnv): number {
  const errors = errorRulesFor(exchange, env)
  const freezes = env.rules.candidates('freeze-offsets', exchange)
  if (errors.length === 0 && freezes.length === 0) return 0
  let changes = 0
  // An incremental fetch session would let the broker leave an unchanged partition out of its answers,
  // so a fault could not show in every answer: closing the session makes the client send full fetches.
  if (body.sessionId !== 0) {
    env.changed({
      change: 'sessionless-fetch',
      detail: `session ${body.sessionId} → 0 (full fetches from now on)`,
    })
    body.sessionId = 0
    changes++
  }
  for (const topic of body.responses) {
    const name = env.topics.nameOf(topic)
    if (name === undefined) continue
    for (const partition of topic.partitions) {
      const where = `${name}-${partition.partitionIndex}`
      const error = firstTaking(errors, env, name, partition.partitionIndex)
      if (error) {
        const rule = error.rule as ErrorRule
        const before = partition.errorCode
        injectFetchError(partition, rule)
        if (rule.currentLeader && exchange.apiVersion >= 16)
          addNodeEndpoint(body.nodeEndpoints, rule.currentLeader.leaderId, env)
        env.changed({
          rule: rule.id,
          change: 'inject-error',
          detail: `${where} errorCode ${errorName(before)} → ${errorName(rule.error)}`,
        })
        changes++
        continue
      }
      if (partition.errorCode !== 0) continue
      const freeze = firstTaking(freezes, env, name, partition.partitionIndex)
      if (freeze) {
        const rule = freeze.rule as FreezeOffsetsRule
        const detail = freezeFetchOffsets(partition, rule)
        if (detail) {
          env.changed({ rule: rule.id, change: 'freeze-offsets', detail: `${where} ${detail}` })
          changes++
        }
      }
    }
  }
  return changes
}

function injectFetchError(partition: FetchResponsePartitionData, rule: ErrorRule): void {
  partition.errorCode = rule.error
  partition.highWatermark = -1n
  partition.lastStableOffset = -1n
  partition.logStartOffset = -1n
  partition.divergingEpoch = { epoch: -1, endOffset: -1n }
  partition.currentLeader = rule.currentLeader
    ? { leaderId: rule.currentLeader.leaderId, leaderEpoch: rule.currentLeader.leaderEpoch }
    : { leaderId: -1, leaderEpoch: -1 }
  partition.snapshotId = { endOffset: -1n, epoch: -1 }
  partition.abortedTransactions = null
  partition.preferredReadReplica = -1
  partition.records = new Uint8Array(0)
}

function freezeFetchOffsets(partition: FetchResponsePartitionData, rule: FreezeOffsetsRule): string {
  const parts: string[] = []
  const hw = rule.highWatermark
  const lso = rule.lastStableOffset ?? hw
  if (partition.highWatermark !== hw) {
    parts.push(`HW ${partition.highWatermark} → ${hw}`)
    partition.highWatermark = hw
  }
  if (partition.lastStableOffset >= 0n && partition.lastStableOffset !== lso) {
    parts.push(`LSO ${partition.lastStableOffset} → ${lso}`)
    partition.lastStableOffset = lso
  }
  if (
    rule.logStartOffset !== undefined &&
    partition.logStartOffset >= 0n &&
    partition.logStartOffset !== rule.logStartOffset
  ) {
    parts.push(`log start ${partition.logStartOffset} → ${rule.logStartOffset}`)
    partition.logStartOffset = rule.logStartOffset
  }
  return parts.join(', ')
}

function addNodeEndpoint(
  endpoints: (Endpoint & { rack: string | null })[],
  nodeId: number,
  env: FaultEnv,
): void {
  if (endpoints.some((endpoint) => endpoint.nodeId === nodeId)) return
  const endpoint = env.endpointOf(nodeId)
  if (endpoint) endpoints.push({ nodeId, host: endpoint.host, port: endpoint.port, rack: null })
}

// ---- ListOffsets -----------------------------------------------------------------------------------

const latestTimestamp = -1n
const earliestTimestamp = -2n
const readCommitted = 1

function faultListOffsets(exchange: Exchange, body: ListOffsetsResponse, env: FaultEnv): number {
  const errors = errorRulesFor(exchange, env)
  const freezes = env.rules.candidates('freeze-offsets', exchange)
  if (errors.length === 0 && freezes.length === 0) return 0
  let changes = 0
  for (const topic of body.topics) {
    for (const partition of topic.partitions) {
      const where = `${topic.name}-${partition.partitionIndex}`
      const error = firstTaking(errors, env, topic.name, partition.partitionIndex)
      if (error) {
        const rule = error.rule as ErrorRule
        const before = partition.errorCode
        partition.errorCode = rule.error
        partition.offset = -1n
        partition.timestamp = -1n
        partition.leaderEpoch = -1
        partition.oldStyleOffsets = []
        env.changed({
          rule: rule.id,
          change: 'inject-error',
          detail: `${where} errorCode ${errorName(before)} → ${errorName(rule.error)}`,
        })
        changes++
        continue
      }
      const asked = exchange.listOffsets?.timestamps.get(where)
      if (asked !== latestTimestamp && asked !== earliestTimestamp) continue
      const freeze = freezes.find((state) =>
        coversPartition(state.rule as FreezeOffsetsRule, topic.name, partition.partitionIndex),
      )
      if (!freeze) continue
      const rule = freeze.rule as FreezeOffsetsRule
      const frozen =
        asked === earliestTimestamp
          ? rule.logStartOffset
          : exchange.listOffsets?.isolationLevel === readCommitted
            ? (rule.lastStableOffset ?? rule.highWatermark)
            : rule.highWatermark
      if (frozen === undefined) continue
      const detail = freezeListOffset(partition, frozen, rule)
      if (detail && env.rules.take(freeze)) {
        env.changed({
          rule: rule.id,
          change: 'freeze-offsets',
          detail: `${where} ${asked === earliestTimestamp ? 'earliest' : 'latest'} ${detail}`,
        })
        changes++
      }
    }
  }
  return changes
}

/**
 * The frozen offset as a broker that believes it leads the partition would answer: an error the real
 * broker gave (it no longer leads) becomes a success.
 */
function freezeListOffset(
  partition: ListOffsetsResponseListOffsetsPartitionResponse,
  frozen: bigint,
  rule: FreezeOffsetsRule,
): string {
  const before = partition.errorCode === 0 ? `${partition.offset}` : errorName(partition.errorCode)
  if (partition.errorCode === 0 && partition.offset === frozen && rule.leaderEpoch === undefined) return ''
  partition.errorCode = 0
  partition.offset = frozen
  partition.timestamp = -1n
  partition.oldStyleOffsets = [frozen]
  if (rule.leaderEpoch !== undefined) partition.leaderEpoch = rule.leaderEpoch
  return `offset ${before} → ${frozen}`
}

// ---- Produce, OffsetCommit ---------------------------------------------------------------------------

function faultProduce(exchange: Exchange, body: ProduceResponse, env: FaultEnv): number {
  const errors = errorRulesFor(exchange, env)
  if (errors.length === 0) return 0
  let changes = 0
  for (const topic of body.responses) {
    const name = env.topics.nameOf(topic)
    if (name === undefined) continue
    for (const partition of topic.partitionResponses) {
      const error = firstTaking(errors, env, name, partition.index)
      if (!error) continue
      const rule = error.rule as ErrorRule
      const before = partition.errorCode
      partition.errorCode = rule.error
      partition.baseOffset = -1n
      partition.logAppendTimeMs = -1n
      partition.logStartOffset = -1n
      partition.recordErrors = []
      partition.errorMessage = null
      partition.currentLeader = rule.currentLeader
        ? { leaderId: rule.currentLeader.leaderId, leaderEpoch: rule.currentLeader.leaderEpoch }
        : { leaderId: -1, leaderEpoch: -1 }
      if (rule.currentLeader && exchange.apiVersion >= 10)
        addNodeEndpoint(body.nodeEndpoints, rule.currentLeader.leaderId, env)
      env.changed({
        rule: rule.id,
        change: 'inject-error',
        detail: `${name}-${partition.index} errorCode ${errorName(before)} → ${errorName(rule.error)}`,
      })
      changes++
    }
  }
  return changes
}

function faultOffsetCommit(exchange: Exchange, body: OffsetCommitResponse, env: FaultEnv): number {
  const errors = errorRulesFor(exchange, env)
  if (errors.length === 0) return 0
  let changes = 0
  for (const topic of body.topics) {
    const name = env.topics.nameOf(topic)
    if (name === undefined) continue
    for (const partition of topic.partitions) {
      const error = firstTaking(errors, env, name, partition.partitionIndex)
      if (!error) continue
      const rule = error.rule as ErrorRule
      const before = partition.errorCode
      partition.errorCode = rule.error
      env.changed({
        rule: rule.id,
        change: 'inject-error',
        detail: `${name}-${partition.partitionIndex} errorCode ${errorName(before)} → ${errorName(rule.error)}`,
      })
      changes++
    }
  }
  return changes
}

// ---- Metadata ------------------------------------------------------------------------------------------

interface MetadataTopicLike {
  name: string | null
  partitions: {
    partitionIndex: number
    leaderId: number
    leaderEpoch: number
    replicaNodes: number[]
    isrNodes: number[]
  }[]
}

function staleMetadata(exchange: Exchange, topics: MetadataTopicLike[], env: FaultEnv): number {
  const stale = env.rules.candidates('stale-metadata', exchange)
  if (stale.length === 0) return 0
  let changes = 0
  for (const topic of topics) {
    if (topic.name === null) continue
    for (const partition of topic.partitions) {
      const state = stale.find((each) =>
        coversPartition(each.rule as StaleMetadataRule, topic.name ?? '', partition.partitionIndex),
      )
      if (!state) continue
      const rule = state.rule as StaleMetadataRule
      const before = `leader ${partition.leaderId} epoch ${partition.leaderEpoch}`
      const epoch = rule.leaderEpoch ?? partition.leaderEpoch
      const same =
        partition.leaderId === rule.leader &&
        partition.leaderEpoch === epoch &&
        (rule.replicas === undefined || sameList(partition.replicaNodes, rule.replicas)) &&
        (rule.isr === undefined || sameList(partition.isrNodes, rule.isr))
      if (same || !env.rules.take(state)) continue
      partition.leaderId = rule.leader
      partition.leaderEpoch = epoch
      if (rule.replicas) partition.replicaNodes = [...rule.replicas]
      if (rule.isr) partition.isrNodes = [...rule.isr]
      env.changed({
        rule: rule.id,
        change: 'stale-metadata',
        detail: `${topic.name}-${partition.partitionIndex} ${before} → leader ${rule.leader} epoch ${epoch}`,
      })
      changes++
    }
  }
  return changes
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index])
}

// ---- coordinator APIs ------------------------------------------------------------------------------

function coordinatorErrors(exchange: Exchange, body: unknown, env: FaultEnv): number {
  const states = env.rules
    .candidates('coordinator-error', exchange)
    .filter((state) => (state.rule as CoordinatorErrorRule).api === exchange.apiKey)
  if (states.length === 0) return 0
  const groupMatches = (rule: CoordinatorErrorRule, group: string | undefined) =>
    rule.groups === undefined || (group !== undefined && rule.groups.some((glob) => globMatch(glob, group)))
  const pick = (groups: readonly (string | undefined)[]) => {
    for (const state of states) {
      const rule = state.rule as CoordinatorErrorRule
      if (groups.some((group) => groupMatches(rule, group)) && env.rules.take(state)) return rule
    }
    return undefined
  }
  const report = (rule: CoordinatorErrorRule, what: string, before: number) => {
    env.changed({
      rule: rule.id,
      change: 'inject-error',
      detail: `${what} errorCode ${errorName(before)} → ${errorName(rule.error)}`,
    })
  }
  const requestGroups = exchange.groupIds ?? []
  const firstGroup = requestGroups.length > 0 ? requestGroups : [undefined]
  switch (exchange.apiKey) {
    case ApiKey.FindCoordinator: {
      const response = body as FindCoordinatorResponse
      if (exchange.apiVersion < 4) {
        const rule = pick(firstGroup)
        if (!rule) return 0
        report(rule, `coordinator of ${requestGroups[0] ?? '?'}`, response.errorCode)
        Object.assign(response, { errorCode: rule.error, errorMessage: null, nodeId: -1, host: '', port: -1 })
        return 1
      }
      let changes = 0
      for (const coordinator of response.coordinators) {
        const rule = pick([coordinator.key])
        if (!rule) continue
        report(rule, `coordinator of ${coordinator.key}`, coordinator.errorCode)
        Object.assign(coordinator, {
          errorCode: rule.error,
          errorMessage: null,
          nodeId: -1,
          host: '',
          port: -1,
        })
        changes++
      }
      return changes
    }
    case ApiKey.JoinGroup: {
      const response = body as JoinGroupResponse
      const rule = pick(firstGroup)
      if (!rule) return 0
      report(rule, `JoinGroup ${requestGroups[0] ?? ''}`, response.errorCode)
      Object.assign(response, {
        errorCode: rule.error,
        generationId: -1,
        leader: '',
        members: [],
        protocolName: null,
      })
      return 1
    }
    case ApiKey.Heartbeat: {
      const response = body as HeartbeatResponse
      const rule = pick(firstGroup)
      if (!rule) return 0
      report(rule, `Heartbeat ${requestGroups[0] ?? ''}`, response.errorCode)
      response.errorCode = rule.error
      return 1
    }
    case ApiKey.OffsetFetch: {
      const response = body as OffsetFetchResponse
      if (exchange.apiVersion >= 8) {
        let changes = 0
        for (const group of response.groups) {
          const rule = pick([group.groupId])
          if (!rule) continue
          report(rule, `OffsetFetch ${group.groupId}`, group.errorCode)
          group.errorCode = rule.error
          group.topics = []
          changes++
        }
        return changes
      }
      const rule = pick(firstGroup)
      if (!rule) return 0
      report(rule, `OffsetFetch ${requestGroups[0] ?? ''}`, response.errorCode)
      if (exchange.apiVersion >= 2) {
        response.errorCode = rule.error
        response.topics = []
      } else {
        for (const topic of response.topics)
          for (const partition of topic.partitions) partition.errorCode = rule.error
      }
      return 1
    }
    default:
      return 0
  }
}
