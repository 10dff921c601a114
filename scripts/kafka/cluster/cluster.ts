import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CollectError, NotFoundError, TimeoutError, UsageError } from '../../../src/errors.js'
import { processExists } from '../../lib/process-exists.js'
import { runCommand, tail } from '../../lib/run.js'
import { ensureKafka } from '../install.js'
import { type JvmArgsOptions, kafkaJvmArgs } from '../jvm.js'
import { clusterDir, clustersDir, javaBin } from '../paths.js'
import { toolMainClass } from '../tools.js'
import { resolveBrokerVersion } from '../versions.js'
import {
  brokerProperties,
  type ClusterConfigOptions,
  controllerNodeId,
  controllerProperties,
  renderProperties,
} from './config.js'
import { freePorts } from './ports.js'
import { fetchMetadata, type ProbeMetadata } from './probe.js'
import { isRunning, launchNode, nodeMarker, sleep, stopProcess } from './process.js'
import { bootstrapOf, type ClusterState, type NodeState, readState, stateFile, writeState } from './state.js'

export const defaultClusterName = 'default'
const host = '127.0.0.1'
const logTailLines = 60

export interface StartClusterOptions {
  /** Names the state folder `$KAFKA_DOCTOR_CACHE/clusters/<name>`; default `default`. */
  name?: string
  /** Broker count (default 3). */
  brokers?: number
  /** A Kafka version or a name from versions.ts (`default`, `latest`). */
  version?: string
  replicaLagTimeMaxMs?: number
  minInsyncReplicas?: number
  brokerOverrides?: Record<string, string>
  /** Bound on the whole start, from fetch check to the last broker seeing all others (default 120 s). */
  timeoutMs?: number
  /** Marks the cluster as owned by a test run: it may be reaped once that process is gone. */
  ownerPid?: number
  log?: (line: string) => void
  /** JVM options for every node of this start (the class-data archive training uses it). */
  jvm?: JvmArgsOptions
}

/**
 * Starts a KRaft cluster: one controller (node 0) and N brokers (1..N) on free loopback ports, data in a
 * fresh temporary folder, every JVM detached so the cluster outlives the caller. Resolves when every
 * broker answers Metadata listing all N brokers. On failure everything started is stopped and removed,
 * and the error carries the tail of the failing node's log. Callers use `startCluster` (start.ts),
 * which first makes sure the class-data archives exist.
 */
export async function launchCluster(options: StartClusterOptions = {}): Promise<ClusterState> {
  const started = Date.now()
  const name = options.name ?? defaultClusterName
  const brokerCount = options.brokers ?? 3
  const version = resolveBrokerVersion(options.version)
  const timeoutMs = options.timeoutMs ?? 120_000
  const log = options.log ?? (() => {})
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new UsageError(`invalid cluster name '${name}'`, {
      hint: 'use letters, digits, dot, dash, underscore',
    })
  }
  if (!Number.isInteger(brokerCount) || brokerCount < 1 || brokerCount > 9) {
    throw new UsageError(`invalid broker count ${brokerCount}`, { hint: 'use 1 to 9 brokers' })
  }
  await clearStaleCluster(name)

  await ensureKafka(version, { log })
  const [controllerPort, ...brokerPorts] = await freePorts(brokerCount + 1)
  if (controllerPort === undefined) throw new Error('no ports')
  const rootDir = await mkdtemp(join(tmpdir(), `kafka-doctor-${name}-`))
  const configOptions: ClusterConfigOptions = {
    brokerCount,
    controllerPort,
    replicaLagTimeMaxMs: options.replicaLagTimeMaxMs,
    minInsyncReplicas: options.minInsyncReplicas,
    brokerOverrides: options.brokerOverrides,
  }
  const node = (role: NodeState['role'], nodeId: number, port: number): NodeState => {
    const dir = join(rootDir, role === 'controller' ? 'controller' : `broker-${nodeId}`)
    return {
      nodeId,
      role,
      host,
      port,
      pid: null,
      configFile: join(dir, 'server.properties'),
      logFile: join(dir, 'server.log'),
      dataDir: join(dir, 'data'),
    }
  }
  const state: ClusterState = {
    name,
    version,
    clusterId: newClusterId(),
    rootDir,
    createdAt: new Date().toISOString(),
    ...(options.ownerPid === undefined ? {} : { ownerPid: options.ownerPid }),
    controller: node('controller', controllerNodeId, controllerPort),
    brokers: brokerPorts.map((port, index) => node('broker', index + 1, port)),
  }
  // The state is written before anything runs, so `stop` can clean up even after a crash midway.
  await writeState(state)
  try {
    for (const each of allNodes(state)) {
      await mkdir(join(each.configFile, '..'), { recursive: true })
      const properties =
        each.role === 'controller'
          ? controllerProperties(configOptions, each.dataDir)
          : brokerProperties(configOptions, each.nodeId, each.port, each.dataDir)
      await writeFile(each.configFile, renderProperties(properties, `kafka-doctor test cluster '${name}'`))
    }
    log(`formatting ${brokerCount + 1} storage folders (Kafka ${version}, cluster id ${state.clusterId})`)
    await Promise.all(
      allNodes(state).map((each) => formatStorage(state, each, deadlineLeft(started, timeoutMs))),
    )

    state.controller.pid = launchNode(state, state.controller, options.jvm)
    for (const broker of state.brokers) broker.pid = launchNode(state, broker, options.jvm)
    await writeState(state)
    log(
      `started controller pid ${state.controller.pid}, brokers ${state.brokers.map((b) => b.pid).join(', ')}`,
    )

    const expected = state.brokers.map((broker) => broker.nodeId)
    await waitForBrokers(state, state.brokers, expected, started + timeoutMs)
    log(`cluster '${name}' ready in ${Date.now() - started} ms: bootstrap=${bootstrapOf(state)}`)
    return state
  } catch (error) {
    await destroyCluster(state)
    throw error
  }
}

/** Stops every process of the cluster at once (hard kill: the data is deleted anyway) and removes it. */
export async function stopCluster(name: string = defaultClusterName): Promise<ClusterState> {
  const state = await readState(name)
  await destroyCluster(state)
  return state
}

/**
 * Stops one broker. Graceful by default (SIGTERM: controlled shutdown moves leadership away first);
 * `hard` kills it at once, like a crash. Its data folder and port are kept for `startBroker`.
 */
export async function stopBroker(
  name: string,
  nodeId: number,
  options: { hard?: boolean; timeoutMs?: number } = {},
): Promise<ClusterState> {
  const state = await readState(name)
  const broker = findBroker(state, nodeId)
  await stopProcess(
    broker.pid,
    nodeMarker(state.name, nodeId),
    options.hard ? 0 : (options.timeoutMs ?? 30_000),
  )
  broker.pid = null
  await writeState(state)
  return state
}

/**
 * Starts a stopped broker again with its old data folder and port, and waits until it and every other
 * running broker list it in Metadata. A no-op when it is already running.
 */
export async function startBroker(
  name: string,
  nodeId: number,
  options: { timeoutMs?: number } = {},
): Promise<ClusterState> {
  const started = Date.now()
  const state = await readState(name)
  const broker = findBroker(state, nodeId)
  if (isRunning(broker.pid, nodeMarker(state.name, nodeId))) return state
  broker.pid = launchNode(state, broker)
  await writeState(state)
  const running = state.brokers.filter((each) => isRunning(each.pid, nodeMarker(state.name, each.nodeId)))
  await waitForBrokers(
    state,
    running,
    running.map((each) => each.nodeId),
    started + (options.timeoutMs ?? 90_000),
  )
  return state
}

export interface NodeStatus {
  nodeId: number
  role: NodeState['role']
  address: string
  pid: number | null
  running: boolean
  /** Broker ids this node lists in Metadata (brokers only; undefined when it does not answer). */
  sees?: number[]
  logFile: string
}

export interface ClusterStatus {
  name: string
  version: string
  clusterId: string
  rootDir: string
  bootstrap: string
  nodes: NodeStatus[]
}

export async function clusterStatus(name: string = defaultClusterName): Promise<ClusterStatus> {
  const state = await readState(name)
  const nodes = await Promise.all(
    allNodes(state).map(async (each): Promise<NodeStatus> => {
      const running = isRunning(each.pid, nodeMarker(state.name, each.nodeId))
      const status: NodeStatus = {
        nodeId: each.nodeId,
        role: each.role,
        address: `${each.host}:${each.port}`,
        pid: running ? each.pid : null,
        running,
        logFile: each.logFile,
      }
      if (running && each.role === 'broker') {
        const metadata = await fetchMetadata(each.host, each.port, { topics: [], timeoutMs: 2000 }).catch(
          () => undefined,
        )
        if (metadata) status.sees = metadata.brokers.map((broker) => broker.nodeId).sort((a, b) => a - b)
      }
      return status
    }),
  )
  return {
    name: state.name,
    version: state.version,
    clusterId: state.clusterId,
    rootDir: state.rootDir,
    bootstrap: bootstrapOf(state),
    nodes,
  }
}

/** Names of clusters with a state file in the cache. */
export async function listClusters(): Promise<string[]> {
  if (!existsSync(clustersDir())) return []
  const names = await readdir(clustersDir())
  return names.filter((name) => existsSync(stateFile(name))).sort()
}

/**
 * Stops clusters whose owning test run is gone (a killed vitest leaves its JVMs behind otherwise).
 * Clusters started from the command line have no owner and are never reaped.
 */
export async function reapOrphanClusters(log: (line: string) => void = () => {}): Promise<string[]> {
  const reaped: string[] = []
  for (const name of await listClusters()) {
    const state = await readState(name).catch(() => undefined)
    if (state?.ownerPid === undefined || processExists(state.ownerPid)) continue
    log(`stopping cluster '${name}' left behind by process ${state.ownerPid}`)
    await destroyCluster(state)
    reaped.push(name)
  }
  return reaped
}

/** The last lines of a node's log, for error messages. */
export async function logTail(node: NodeState, lines = logTailLines): Promise<string> {
  try {
    return tail(await readFile(node.logFile, 'utf8'), lines)
  } catch {
    return '(no log written)'
  }
}

export function allNodes(state: ClusterState): NodeState[] {
  return [state.controller, ...state.brokers]
}

function findBroker(state: ClusterState, nodeId: number): NodeState {
  const broker = state.brokers.find((each) => each.nodeId === nodeId)
  if (!broker) {
    throw new NotFoundError(`cluster '${state.name}' has no broker ${nodeId}`, {
      hint: `broker ids are ${state.brokers.map((each) => each.nodeId).join(', ')}`,
    })
  }
  return broker
}

/**
 * Polls every broker in `nodes` with Metadata until each lists exactly `expectedIds`. Fails fast if a
 * node's process dies (with its log tail), and at `deadline` with the tail of a node that never got
 * ready.
 */
async function waitForBrokers(
  state: ClusterState,
  nodes: readonly NodeState[],
  expectedIds: readonly number[],
  deadline: number,
): Promise<void> {
  const expected = [...expectedIds].sort((a, b) => a - b).join(',')
  const pending = new Set(nodes)
  const lastSeen = new Map<NodeState, string>()
  while (pending.size > 0) {
    for (const each of [state.controller, ...pending]) {
      if (!isRunning(each.pid, nodeMarker(state.name, each.nodeId))) {
        throw new CollectError(`${describe(each)} of cluster '${state.name}' exited during start`, {
          hint: `see ${each.logFile}`,
          log: await logTail(each),
        })
      }
    }
    await Promise.all(
      [...pending].map(async (each) => {
        const metadata: ProbeMetadata | undefined = await fetchMetadata(each.host, each.port, {
          topics: [],
          timeoutMs: 2000,
        }).catch(() => undefined)
        if (!metadata) return
        const seen = metadata.brokers
          .map((broker) => broker.nodeId)
          .sort((a, b) => a - b)
          .join(',')
        lastSeen.set(each, seen)
        if (seen === expected) pending.delete(each)
      }),
    )
    if (pending.size === 0) return
    if (Date.now() >= deadline) {
      const [first] = pending
      if (!first) return
      const seen = lastSeen.get(first)
      throw new TimeoutError(
        `${describe(first)} of cluster '${state.name}' not ready in time: ${
          seen === undefined
            ? 'it never answered Metadata'
            : `it lists brokers [${seen}], expected [${expected}]`
        }`,
        {
          hint: `see ${first.logFile}`,
          log: await logTail(first),
          controllerLog: await logTail(state.controller, 20),
        },
      )
    }
    await sleep(250)
  }
}

function describe(node: NodeState): string {
  return node.role === 'controller' ? `controller ${node.nodeId}` : `broker ${node.nodeId}`
}

async function formatStorage(state: ClusterState, node: NodeState, timeoutMs: number): Promise<void> {
  const args = [
    ...kafkaJvmArgs(state.version, 'tool'),
    toolMainClass('kafka-storage', state.version),
    'format',
    '--cluster-id',
    state.clusterId,
    '--config',
    node.configFile,
    '--ignore-formatted',
  ]
  const result = await runCommand(javaBin(), args, { timeoutMs })
  if (result.code !== 0) {
    throw new CollectError(`kafka-storage format failed for ${describe(node)}`, {
      hint: 'see the output below',
      log: tail(`${result.stdout}\n${result.stderr}`, logTailLines),
    })
  }
}

async function destroyCluster(state: ClusterState): Promise<void> {
  await Promise.all(
    allNodes(state).map((each) => stopProcess(each.pid, nodeMarker(state.name, each.nodeId), 0)),
  )
  await rm(state.rootDir, { recursive: true, force: true })
  await rm(clusterDir(state.name), { recursive: true, force: true })
}

/**
 * A state file whose processes are all gone (a reboot, a killed test run) is cleared so the name can
 * be reused; one with a live process means the cluster is still running and the start is refused.
 */
async function clearStaleCluster(name: string): Promise<void> {
  if (!existsSync(stateFile(name))) return
  const state = await readState(name).catch(() => undefined)
  if (state && allNodes(state).some((each) => isRunning(each.pid, nodeMarker(name, each.nodeId)))) {
    throw new UsageError(`cluster '${name}' is already running (bootstrap=${bootstrapOf(state)})`, {
      hint: `stop it first (npm run cluster -- stop --name ${name}) or pick another --name`,
    })
  }
  if (state) await destroyCluster(state)
  else await rm(clusterDir(name), { recursive: true, force: true })
}

/**
 * Kafka cluster ids are 16 random bytes in URL-safe base64 without padding, like `kafka-storage
 * random-uuid`. Like Kafka's own generator, skip ids starting with '-': command-line parsers take
 * them for a flag.
 */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url')
    if (!id.startsWith('-')) return id
  }
}

function deadlineLeft(started: number, timeoutMs: number): number {
  return Math.max(1000, started + timeoutMs - Date.now())
}
