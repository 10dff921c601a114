/**
 * The one way tests reach a real Kafka cluster. Call these in beforeAll (hook timeout 180 s): the
 * first call of a run may download Kafka and start the cluster.
 *
 *   const kafka = await sharedCluster()          // the run's shared 3-broker cluster (never stop brokers)
 *   const own = await startCluster({ brokers: 3 }) // a private cluster for tests that stop brokers
 *   ...
 *   await own.stop()                               // in afterAll; the global teardown also reaps it
 *
 * The shared cluster is started lazily by the first test file that asks for it (other workers wait on
 * a lock) and stopped by the global teardown (test/support/global-setup.ts). Set
 * KAFKA_DOCTOR_TEST_CLUSTER=<name> to run the tests against a cluster started with
 * `npm run cluster -- start --name <name>` instead; it is then left running.
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { inject } from 'vitest'
import {
  allNodes,
  logTail,
  startBroker as startBrokerProcess,
  stopBroker as stopBrokerProcess,
  stopCluster,
} from '../../scripts/kafka/cluster/cluster.js'
import { fetchMetadata, type ProbeMetadata } from '../../scripts/kafka/cluster/probe.js'
import { isRunning, nodeMarker, sleep } from '../../scripts/kafka/cluster/process.js'
import { startCluster as startClusterProcesses } from '../../scripts/kafka/cluster/start.js'
import { bootstrapOf, type ClusterState, readState, stateFile } from '../../scripts/kafka/cluster/state.js'
import { clustersDir } from '../../scripts/kafka/paths.js'
import { runKafkaTool, type ToolResult } from '../../scripts/kafka/run-tool.js'
import type { KafkaToolName } from '../../scripts/kafka/tools.js'
import { withLock } from '../../scripts/lib/lock.js'
import { isKafkaDoctorError, TimeoutError, UsageError } from '../../src/errors.js'
import { type ProducedRecord, type ProduceSummary, produceRecords } from './produce.js'

export type { ProbeMetadata, ProbePartition, ProbeTopic } from '../../scripts/kafka/cluster/probe.js'
export type { ToolResult } from '../../scripts/kafka/run-tool.js'
export type { ProducedRecord, ProduceSummary } from './produce.js'

declare module 'vitest' {
  export interface ProvidedContext {
    kafkaDoctorRun: {
      /** Name of the run's shared cluster in $KAFKA_DOCTOR_CACHE/clusters. */
      sharedClusterName: string
      /** The vitest main process: owner of the shared cluster, so it is reaped if the run dies. */
      ownerPid: number
    }
  }
}

export interface BrokerAddress {
  id: number
  host: string
  port: number
}

export interface CreateTopicOptions {
  partitions?: number
  replicationFactor?: number
  /** Topic configs, e.g. `{ 'min.insync.replicas': '2' }`. */
  configs?: Record<string, string>
  timeoutMs?: number
}

export interface KafkaCluster {
  readonly name: string
  /** Kafka version of the brokers, e.g. `3.9.1`. */
  readonly version: string
  readonly clusterId: string
  /** `host:port,host:port,…` of every broker, running or not. */
  readonly bootstrap: string
  readonly brokers: readonly BrokerAddress[]
  /** The KRaft controller (node 0), not a broker: it does not answer Metadata. */
  readonly controller: BrokerAddress
  /** Stops a broker (graceful unless `hard`) and keeps its data; waits until it is gone. */
  stopBroker(id: number, options?: { hard?: boolean; timeoutMs?: number }): Promise<void>
  /** Restarts a stopped broker on its old port and data, and waits until all running brokers see it. */
  startBroker(id: number, options?: { timeoutMs?: number }): Promise<void>
  isBrokerRunning(id: number): boolean
  /** pid of a running broker's JVM (for thread and profile tests). */
  brokerPid(id: number): number | undefined
  /** The broker's `log.dirs` folder (partition folders `<topic>-<partition>` inside), for kafka-dump-log. */
  dataDir(id: number): string
  /** Runs one of Kafka's tools from the same Kafka version (`--bootstrap-server` is not added). */
  runTool(
    name: KafkaToolName,
    args: readonly string[],
    options?: { timeoutMs?: number; input?: string },
  ): Promise<ToolResult>
  /** Creates a topic and waits until every running broker knows its leaders. */
  createTopic(name: string, options?: CreateTopicOptions): Promise<void>
  /** Produces records (strings are values) and waits for them to be acknowledged (acks=all). */
  produce(
    topic: string,
    records: readonly ProducedRecord[],
    options?: { partition?: number; timeoutMs?: number },
  ): Promise<ProduceSummary>
  /** Metadata v1 as one broker (default: the first running one) sees it. */
  metadata(options?: {
    brokerId?: number
    topics?: readonly string[]
    timeoutMs?: number
  }): Promise<ProbeMetadata>
  /**
   * Polls `metadata()` until `predicate` holds, and returns that metadata. Throws a TimeoutError with
   * the last metadata seen.
   */
  waitForMetadata(
    predicate: (metadata: ProbeMetadata) => boolean,
    options?: { brokerId?: number; topics?: readonly string[]; timeoutMs?: number },
  ): Promise<ProbeMetadata>
  /** The last lines of a node's log (id 0 is the controller). */
  logTail(id: number, lines?: number): Promise<string>
  /** Stops every process and deletes the data. A no-op for the shared cluster (the run's teardown stops it). */
  stop(): Promise<void>
}

/** Handles are cached per process: every test file in a worker gets the same shared cluster. */
let sharedHandle: Promise<KafkaCluster> | undefined

/** The run's shared 3-broker cluster, started on first use. Do not stop its brokers. */
export function sharedCluster(): Promise<KafkaCluster> {
  sharedHandle ??= attachShared().catch((error: unknown) => {
    sharedHandle = undefined
    throw error
  })
  return sharedHandle
}

async function attachShared(): Promise<KafkaCluster> {
  const external = process.env.KAFKA_DOCTOR_TEST_CLUSTER
  if (external) return handleFor(await readState(external), { shared: true })
  const run = inject('kafkaDoctorRun')
  const name = run.sharedClusterName
  const state = await withLock(join(clustersDir(), `${name}.lock`), 240_000, async () => {
    if (existsSync(stateFile(name))) {
      const existing = await readState(name)
      if (allNodes(existing).every((node) => isRunning(node.pid, nodeMarker(name, node.nodeId))))
        return existing
    }
    return startClusterProcesses({ name, brokers: 3, ownerPid: run.ownerPid, timeoutMs: 180_000 }).catch(
      withLogTail,
    )
  })
  return handleFor(state, { shared: true })
}

export interface StartClusterOptions {
  brokers?: number
  /** Kafka version or a name from scripts/kafka/versions.ts (`default`, `latest`). */
  version?: string
  replicaLagTimeMaxMs?: number
  minInsyncReplicas?: number
  brokerOverrides?: Record<string, string>
  timeoutMs?: number
}

let privateCount = 0

/**
 * A private cluster for one test file, e.g. to stop brokers. Call `stop()` in afterAll. Its name
 * starts with the shared cluster's, so the run's global teardown stops it even if the test did not; if
 * the whole run is killed, the next run reaps it (it is owned by this worker's pid).
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<KafkaCluster> {
  privateCount += 1
  const state = await startClusterProcesses({
    ...options,
    name: `${runClusterPrefix()}-${process.pid}-${privateCount}`,
    ownerPid: process.pid,
    timeoutMs: options.timeoutMs ?? 180_000,
  }).catch(withLogTail)
  return handleFor(state, { shared: false })
}

/**
 * Start failures carry the failing node's log tail in their details; a test report shows the message,
 * so the tail goes there too.
 */
function withLogTail(error: unknown): never {
  if (isKafkaDoctorError(error) && typeof error.details.log === 'string') {
    error.message = `${error.message}\n--- tail of the node's log ---\n${error.details.log}`
  }
  throw error
}

/** `vitest-<main pid>` inside a vitest run, `test` elsewhere (a script using this helper). */
function runClusterPrefix(): string {
  try {
    return inject('kafkaDoctorRun').sharedClusterName
  } catch {
    return 'test'
  }
}

function handleFor(initial: ClusterState, { shared }: { shared: boolean }): KafkaCluster {
  const name = initial.name
  const version = initial.version
  const address = (node: { nodeId: number; host: string; port: number }): BrokerAddress => ({
    id: node.nodeId,
    host: node.host,
    port: node.port,
  })
  const brokers = initial.brokers.map(address)
  let current = initial
  const refresh = async () => {
    current = await readState(name)
    return current
  }
  const brokerState = (id: number) => current.brokers.find((broker) => broker.nodeId === id)
  const running = (id: number) => {
    const broker = brokerState(id)
    return broker !== undefined && isRunning(broker.pid, nodeMarker(name, id))
  }
  const refuseOnShared = (what: string) => {
    if (shared) {
      throw new UsageError(`${what} on the shared test cluster would disturb other test files`, {
        hint: 'start a private cluster with startCluster() from test/support/kafka.ts',
      })
    }
  }

  const metadata: KafkaCluster['metadata'] = async (options = {}) => {
    const target =
      options.brokerId === undefined
        ? brokers.find((broker) => running(broker.id))
        : brokers.find((broker) => broker.id === options.brokerId)
    if (!target) throw new UsageError(`no running broker to ask for Metadata in cluster '${name}'`)
    return fetchMetadata(target.host, target.port, {
      ...(options.topics === undefined ? {} : { topics: options.topics }),
      timeoutMs: options.timeoutMs ?? 5000,
    })
  }

  const waitForMetadata: KafkaCluster['waitForMetadata'] = async (predicate, options = {}) => {
    const timeoutMs = options.timeoutMs ?? 30_000
    const deadline = Date.now() + timeoutMs
    let last: ProbeMetadata | undefined
    let lastError: unknown
    for (;;) {
      try {
        last = await metadata({ ...options, timeoutMs: 3000 })
        if (predicate(last)) return last
      } catch (error) {
        lastError = error
      }
      if (Date.now() >= deadline) {
        throw new TimeoutError(
          `metadata of cluster '${name}' did not reach the expected state in ${timeoutMs} ms`,
          {
            hint: 'see `last` in the error details',
            last: JSON.stringify(last ?? String(lastError)),
          },
        )
      }
      await sleep(200)
    }
  }

  return {
    name,
    version,
    clusterId: initial.clusterId,
    bootstrap: bootstrapOf(initial),
    brokers,
    controller: address(initial.controller),
    async stopBroker(id, options = {}) {
      refuseOnShared('stopping a broker')
      current = await stopBrokerProcess(name, id, options)
    },
    async startBroker(id, options = {}) {
      refuseOnShared('starting a broker')
      current = await startBrokerProcess(name, id, options).catch(withLogTail)
    },
    isBrokerRunning: running,
    brokerPid(id) {
      return running(id) ? (brokerState(id)?.pid ?? undefined) : undefined
    },
    dataDir(id) {
      const broker = brokerState(id)
      if (!broker) throw new UsageError(`cluster '${name}' has no broker ${id}`)
      return broker.dataDir
    },
    runTool(tool, args, options = {}) {
      return runKafkaTool(tool, args, { version, ...options })
    },
    async createTopic(topic, options = {}) {
      const partitions = options.partitions ?? 1
      const args = [
        '--bootstrap-server',
        bootstrapOf(current),
        '--create',
        '--topic',
        topic,
        '--partitions',
        String(partitions),
        '--replication-factor',
        String(options.replicationFactor ?? Math.min(3, brokers.length)),
        ...Object.entries(options.configs ?? {}).flatMap(([key, value]) => ['--config', `${key}=${value}`]),
      ]
      const timeoutMs = options.timeoutMs ?? 60_000
      const result = await runKafkaTool('kafka-topics', args, { version, timeoutMs })
      if (result.code !== 0) {
        throw new UsageError(`kafka-topics --create ${topic} failed (exit ${result.code})`, {
          hint: result.stderr.trim().split('\n').slice(-3).join(' / ') || result.stdout.trim(),
        })
      }
      // CreateTopics returns before every broker has the new leaders; wait until each running one does.
      await refresh()
      for (const broker of brokers.filter((each) => running(each.id))) {
        await waitForMetadata(
          (seen) => {
            const found = seen.topics.find((each) => each.name === topic)
            return (
              found !== undefined &&
              found.errorCode === 0 &&
              found.partitions.length === partitions &&
              found.partitions.every((partition) => partition.leader >= 0)
            )
          },
          { brokerId: broker.id, topics: [topic], timeoutMs },
        )
      }
    },
    async produce(topic, records, options = {}) {
      return produceRecords({ bootstrap: bootstrapOf(current), topic, records, ...options })
    },
    metadata,
    waitForMetadata,
    async logTail(id, lines) {
      await refresh()
      const node = allNodes(current).find((each) => each.nodeId === id)
      if (!node) throw new UsageError(`cluster '${name}' has no node ${id}`)
      return logTail(node, lines)
    },
    async stop() {
      if (shared) return
      if (existsSync(stateFile(name))) await stopCluster(name)
    },
  }
}
