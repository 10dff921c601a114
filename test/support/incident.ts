/**
 * The reference incident, live (PRODUCT.md "The incident it was born from"): a real Java consumer reads
 * through the fault-injection proxy from a real 3-broker cluster, and then
 *
 * - partition T-p's leadership really moves from broker N to broker L (a reassignment that puts L
 *   first and a preferred election, so the leader epoch really rises),
 * - but the Metadata answers the client gets keep naming N as the leader with the old epoch (N's
 *   listener for everyone; the other listeners for every client but kafka-doctor's own, so that a
 *   per-broker metadata comparison through the proxy sees N disagree with the rest),
 * - N answers Fetch for T-p with NOT_LEADER_OR_FOLLOWER, at once (as a broker does on an error),
 * - and N reports a high watermark for T-p frozen below the group's committed offset, so
 *   `kafka-consumer-groups --describe` through the proxy shows a negative lag.
 *
 * The consumer then spins: Fetch → NOT_LEADER_OR_FOLLOWER → Metadata (same stale leader) → Fetch …
 *
 *   const incident = await startIncident({ clientVersion: 'old' })
 *   const numbers = await incident.measure(5000)     // CPU %, fetches/s to N for T-p, Metadata/s
 *   const lag = await incident.describeGroup()       // kafka-consumer-groups through the proxy
 *   await incident.stop()
 *
 * Everything is real: brokers, consumer, leader change, tools. Only the proxy's rules are the fault.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clockTicksPerSecond } from '../../src/collect/threads/clock-ticks.js'
import { CollectError, TimeoutError } from '../../src/errors.js'
import { ProxyControl } from '../../src/proxy/control-client.js'
import type { CountersSnapshot } from '../../src/proxy/counters.js'
import { type DiscoveredTopic, discoverCluster } from '../../src/proxy/discover.js'
import { type KafkaProxy, startProxy } from '../../src/proxy/proxy.js'
import { parseRules, type Rule, type RuleInput } from '../../src/proxy/rules.js'
import { type KafkaCluster, sharedCluster } from './kafka.js'
import { type Patient, startConsumerPatient } from './patients.js'
import { type DescribedGroupPartition, parseConsumerGroupsDescribe } from './tool-output.js'

export interface IncidentOptions {
  /** The cluster (default: the test run's shared one). It needs at least 3 brokers. */
  cluster?: KafkaCluster
  /** kafka-clients version of the consumer: `old` (3.6, before KIP-580/951), `current`, `latest` … */
  clientVersion?: string
  topic?: string
  partitions?: number
  /** T-p, the partition that goes wrong (default 0). */
  partition?: number
  /** N, the broker that keeps claiming leadership of T-p (default: the second broker). */
  staleBroker?: number
  recordsPerPartition?: number
  /** committed − frozen HW on T-p, i.e. minus the lag the tools will show (default 5). */
  negativeLag?: number
  group?: string
  /** Extra consumer properties (e.g. `fetch.max.wait.ms`). */
  consumerProps?: Record<string, string>
  /** How long to measure the healthy consumer before the fault (default 5 s). */
  baselineMs?: number
  /** Wait after the fault before returning, so that the spin is established (default 3 s). */
  settleMs?: number
  /** JSON-lines file receiving every change the proxy makes. */
  changeLogFile?: string
  log?: (line: string) => void
}

export interface IncidentMeasurement {
  durationMs: number
  /** The consumer JVM's CPU, % of one core, from /proc/<pid>/stat. */
  cpuPercent: number
  /** Fetch answers from N carrying T-p, per second (fetches are full while the fault lasts). */
  fetchesPerSecond: number
  /** Of those, the ones carrying NOT_LEADER_OR_FOLLOWER, per second. */
  notLeaderPerSecond: number
  /** Fetch requests the consumer sent to N's listener, per second. */
  fetchRequestsToStaleBrokerPerSecond: number
  /** Metadata requests the consumer sent (all listeners), per second. */
  metadataPerSecond: number
  /** What fetch.max.wait.ms allows for T-p: 1000 / fetch.max.wait.ms fetches per second. */
  maxWaitFetchesPerSecond: number
}

export interface Incident {
  /** Through the proxy: what the consumer uses. */
  bootstrap: string
  /** The real brokers. */
  directBootstrap: string
  proxy: KafkaProxy
  control: ProxyControl
  cluster: KafkaCluster
  topic: string
  partition: number
  /** N: keeps claiming leadership of T-p. */
  staleBroker: number
  /** L: the real leader of T-p after the move. */
  realLeader: number
  /** Leader epoch of T-p that N's claim carries (before the move). */
  staleLeaderEpoch: number
  /** Leader epoch of T-p after the move, as the real brokers report it. */
  currentLeaderEpoch: number
  group: string
  /** The group's committed offset on T-p. */
  committedOffset: number
  /** The HW that N reports for T-p (committedOffset − negativeLag). */
  frozenHighWatermark: number
  rules: Rule[]
  /** The healthy consumer, measured before the fault. */
  baseline: IncidentMeasurement
  consumer: { pid: number; clientVersion: string; clientId: string; patient: Patient; stop(): Promise<void> }
  /** Measures the consumer and the traffic for `durationMs`. */
  measure(durationMs?: number): Promise<IncidentMeasurement>
  /** `kafka-consumer-groups --describe --group G` through the proxy (or directly). */
  describeGroup(options?: { direct?: boolean }): Promise<DescribedGroupPartition[]>
  /** Removes the proxy's rules: the client sees the truth again. */
  heal(): Promise<void>
  /** Stops the consumer and the proxy (the topic stays; a cluster passed in stays up). */
  stop(): Promise<void>
}

const defaultFetchMaxWaitMs = 500

export async function startIncident(options: IncidentOptions = {}): Promise<Incident> {
  const log = options.log ?? (() => {})
  const cluster = options.cluster ?? (await sharedCluster())
  const brokerIds = cluster.brokers.map((broker) => broker.id).sort((a, b) => a - b)
  if (brokerIds.length < 3) throw new CollectError('the incident needs a cluster of at least 3 brokers')
  const clientVersion = options.clientVersion ?? 'old'
  const topic = options.topic ?? `incident-${clientVersion}-${Date.now().toString(36)}`
  const partitionCount = options.partitions ?? 3
  const partition = options.partition ?? 0
  const staleBroker = options.staleBroker ?? brokerIds[1] ?? 2
  const others = brokerIds.filter((id) => id !== staleBroker)
  const realLeader = others[0] ?? 1
  const third = others[1] ?? 3
  const group = options.group ?? `${topic}-group`
  const perPartition = options.recordsPerPartition ?? 100
  const negativeLag = options.negativeLag ?? 5
  const clientId = `incident-consumer-${clientVersion}`
  const fetchMaxWaitMs = Number(options.consumerProps?.['fetch.max.wait.ms'] ?? defaultFetchMaxWaitMs)
  const direct = cluster.brokers.map((broker) => ({ host: broker.host, port: broker.port }))

  // T-p starts on [N, L, X]: N leads it. The other partitions rotate, so that N leads only T-p.
  const order = [staleBroker, realLeader, third]
  const assignment = Array.from({ length: partitionCount }, (_, index) => {
    const shift = (((index - partition) % 3) + 3) % 3
    return [...order.slice(shift), ...order.slice(0, shift)]
  })
  log(`creating ${topic} (${partitionCount} partitions, RF 3; ${topic}-${partition} on ${order.join(',')})`)
  await createTopicWithAssignment(cluster, topic, assignment)
  for (let index = 0; index < partitionCount; index++) {
    const records = Array.from({ length: perPartition }, (_, n) => `record-${index}-${n}`)
    await cluster.produce(topic, records, { partition: index })
  }

  const proxy = await startProxy({
    bootstrapServers: direct,
    controlPort: 0,
    log: (line) => log(`proxy: ${line}`),
    ...(options.changeLogFile ? { changeLogFile: options.changeLogFile } : {}),
  })
  const control = new ProxyControl(proxy.controlUrl ?? '')
  let patient: Patient | undefined
  try {
    log(`starting a ${clientVersion} consumer through the proxy (${proxy.bootstrap})`)
    patient = await startConsumerPatient({
      bootstrap: proxy.bootstrap,
      topics: [topic],
      group,
      clientVersion,
      clientId,
      statusIntervalMs: 1000,
      props: options.consumerProps ?? {},
    })
    const consumer = patient
    const key = `${topic}-${partition}`
    await consumer.awaitEvent(
      (event) =>
        event.event === 'status' &&
        Number((event.committed as Record<string, number> | undefined)?.[key]) === perPartition &&
        Number(event.consumed) === perPartition * partitionCount,
      { timeoutMs: 90_000 },
    )
    const committedOffset = perPartition
    const frozenHighWatermark = committedOffset - negativeLag

    const measure = measurer(proxy, consumer.pid, { clientId, staleBroker, key, fetchMaxWaitMs })
    log(`measuring the healthy consumer for ${options.baselineMs ?? 5000} ms`)
    const baseline = await measure(options.baselineMs ?? 5000)

    const before = await partitionState(direct, topic, partition)
    if (before.leader !== staleBroker) {
      throw new CollectError(`${key} is led by ${before.leader}, expected ${staleBroker}`)
    }
    const staleLeaderEpoch = before.leaderEpoch
    const stale = {
      type: 'stale-metadata' as const,
      topic,
      partitions: [partition],
      leader: staleBroker,
      leaderEpoch: staleLeaderEpoch,
      replicas: before.replicas,
      isr: before.isr,
    }
    const ruleInputs: RuleInput[] = [
      { ...stale, id: 'incident-stale-metadata', brokers: [staleBroker] },
      {
        ...stale,
        id: 'incident-stale-metadata-elsewhere',
        brokers: others,
        excludeClientIds: ['kafka-doctor*'],
      },
      {
        id: 'incident-not-leader',
        type: 'error',
        api: 'Fetch',
        error: 'NOT_LEADER_OR_FOLLOWER',
        topic,
        partitions: [partition],
        brokers: [staleBroker],
      },
      {
        id: 'incident-frozen-hw',
        type: 'freeze-offsets',
        topic,
        partitions: [partition],
        brokers: [staleBroker],
        highWatermark: frozenHighWatermark,
        leaderEpoch: staleLeaderEpoch,
      },
    ]
    const rules = proxy.addRules(parseRules(ruleInputs, 'the incident'), 'control')

    log(`moving the leadership of ${key} from ${staleBroker} to ${realLeader}`)
    await moveLeadership(cluster, topic, partition, [realLeader, staleBroker, third])
    const after = await waitForLeader(direct, topic, partition, realLeader)
    log(
      `${key}: leader ${after.leader} epoch ${after.leaderEpoch}; clients are told ${staleBroker} epoch ${staleLeaderEpoch}`,
    )
    await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 3000))

    return {
      bootstrap: proxy.bootstrap,
      directBootstrap: cluster.bootstrap,
      proxy,
      control,
      cluster,
      topic,
      partition,
      staleBroker,
      realLeader,
      staleLeaderEpoch,
      currentLeaderEpoch: after.leaderEpoch,
      group,
      committedOffset,
      frozenHighWatermark,
      rules,
      baseline,
      consumer: {
        pid: consumer.pid,
        clientVersion: consumer.clientVersion,
        clientId,
        patient: consumer,
        async stop() {
          await consumer.stop()
        },
      },
      measure: (durationMs = 5000) => measure(durationMs),
      async describeGroup({ direct: useDirect = false } = {}) {
        const result = await cluster.runTool(
          'kafka-consumer-groups',
          [
            '--bootstrap-server',
            useDirect ? cluster.bootstrap : proxy.bootstrap,
            '--describe',
            '--group',
            group,
          ],
          { timeoutMs: 60_000 },
        )
        if (result.code !== 0) {
          throw new CollectError(`kafka-consumer-groups --describe failed (exit ${result.code})`, {
            hint: result.stderr.trim().split('\n').slice(-3).join(' / '),
          })
        }
        return parseConsumerGroupsDescribe(result.stdout)
      },
      async heal() {
        for (const rule of rules) proxy.removeRule(rule.id)
      },
      async stop() {
        await consumer.stop({ timeoutMs: 10_000 })
        await proxy.stop()
      },
    }
  } catch (error) {
    await patient?.stop({ timeoutMs: 5000 })
    await proxy.stop()
    throw error
  }
}

/** A function measuring the consumer's CPU and the proxy's counters over an interval. */
function measurer(
  proxy: KafkaProxy,
  pid: number,
  what: { clientId: string; staleBroker: number; key: string; fetchMaxWaitMs: number },
): (durationMs: number) => Promise<IncidentMeasurement> {
  return async (durationMs) => {
    const ticks = await clockTicksPerSecond()
    const cpuBefore = await processCpuTicks(pid)
    const countersBefore = proxy.counters.snapshot()
    const started = performance.now()
    await new Promise((resolve) => setTimeout(resolve, durationMs))
    const cpuAfter = await processCpuTicks(pid)
    const countersAfter = proxy.counters.snapshot()
    const seconds = (performance.now() - started) / 1000
    const delta = (pick: (snapshot: CountersSnapshot) => number | undefined) =>
      ((pick(countersAfter) ?? 0) - (pick(countersBefore) ?? 0)) / seconds
    const broker = String(what.staleBroker)
    return {
      durationMs: Math.round(seconds * 1000),
      cpuPercent: round(((cpuAfter - cpuBefore) / ticks / seconds) * 100),
      fetchesPerSecond: round(delta((s) => s.fetchPartitions[broker]?.[what.key]?.responses)),
      notLeaderPerSecond: round(delta((s) => s.fetchPartitions[broker]?.[what.key]?.errors['6'])),
      fetchRequestsToStaleBrokerPerSecond: round(delta((s) => s.requests[broker]?.Fetch)),
      metadataPerSecond: round(delta((s) => s.clients[what.clientId]?.Metadata)),
      maxWaitFetchesPerSecond: round(1000 / Math.max(1, what.fetchMaxWaitMs)),
    }
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10
}

/** utime + stime of a process, in clock ticks. */
export async function processCpuTicks(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  // After "pid (comm) ", fields start at #3 (state): utime is #14, stime #15.
  return Number(fields[11]) + Number(fields[12])
}

async function createTopicWithAssignment(
  cluster: KafkaCluster,
  topic: string,
  assignment: number[][],
): Promise<void> {
  const result = await cluster.runTool(
    'kafka-topics',
    [
      '--bootstrap-server',
      cluster.bootstrap,
      '--create',
      '--topic',
      topic,
      '--replica-assignment',
      assignment.map((replicas) => replicas.join(':')).join(','),
    ],
    { timeoutMs: 60_000 },
  )
  if (result.code !== 0) {
    throw new CollectError(`kafka-topics --create ${topic} failed (exit ${result.code})`, {
      hint: result.stderr.trim().split('\n').slice(-3).join(' / '),
    })
  }
  for (const broker of cluster.brokers.filter((each) => cluster.isBrokerRunning(each.id))) {
    await cluster.waitForMetadata(
      (seen) => {
        const found = seen.topics.find((each) => each.name === topic)
        return (
          found !== undefined &&
          found.partitions.length === assignment.length &&
          found.partitions.every((p) => p.leader === assignment[p.partition]?.[0] && p.isr.length === 3)
        )
      },
      { brokerId: broker.id, topics: [topic], timeoutMs: 60_000 },
    )
  }
}

/** A real leadership move: reorder the replicas (L first), then a preferred leader election. */
async function moveLeadership(
  cluster: KafkaCluster,
  topic: string,
  partition: number,
  replicas: number[],
): Promise<void> {
  const file = join(tmpdir(), `kafka-doctor-reassign-${process.pid}-${Date.now()}.json`)
  await writeFile(file, JSON.stringify({ version: 1, partitions: [{ topic, partition, replicas }] }))
  try {
    const run = async (tool: 'kafka-reassign-partitions' | 'kafka-leader-election', args: string[]) => {
      const result = await cluster.runTool(tool, ['--bootstrap-server', cluster.bootstrap, ...args], {
        timeoutMs: 60_000,
      })
      if (result.code !== 0) {
        throw new CollectError(`${tool} failed (exit ${result.code})`, {
          hint: result.stderr.trim().split('\n').slice(-3).join(' / ') || result.stdout.trim(),
        })
      }
      return result.stdout
    }
    await run('kafka-reassign-partitions', ['--reassignment-json-file', file, '--execute'])
    const deadline = Date.now() + 60_000
    for (;;) {
      const verify = await run('kafka-reassign-partitions', ['--reassignment-json-file', file, '--verify'])
      if (/is completed/.test(verify)) break
      if (Date.now() > deadline)
        throw new TimeoutError(`the reassignment of ${topic}-${partition} did not complete`)
      await new Promise((resolve) => setTimeout(resolve, 500))
    }
    await run('kafka-leader-election', [
      '--election-type',
      'PREFERRED',
      '--topic',
      topic,
      '--partition',
      String(partition),
    ])
  } finally {
    await rm(file, { force: true })
  }
}

async function partitionState(
  servers: readonly { host: string; port: number }[],
  topic: string,
  partition: number,
): Promise<DiscoveredTopic['partitions'][number]> {
  const found = await discoverCluster(servers, 5000, { topics: [topic], clientId: 'kafka-doctor-incident' })
  const state = found.topics
    .find((each) => each.name === topic)
    ?.partitions.find((p) => p.partition === partition)
  if (!state) throw new CollectError(`no metadata for ${topic}-${partition}`)
  return state
}

async function waitForLeader(
  servers: readonly { host: string; port: number }[],
  topic: string,
  partition: number,
  leader: number,
): Promise<DiscoveredTopic['partitions'][number]> {
  const deadline = Date.now() + 60_000
  for (;;) {
    // Every broker must have applied the move, not just the first that answers.
    const states = await Promise.all(servers.map((server) => partitionState([server], topic, partition)))
    const first = states[0]
    if (first && states.every((state) => state.leader === leader && state.leaderEpoch === first.leaderEpoch))
      return first
    if (Date.now() > deadline)
      throw new TimeoutError(`${topic}-${partition} did not move to broker ${leader}`)
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
}
