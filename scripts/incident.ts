/**
 * `npm run incident -- start|stop|status`: the reference incident, live, for trying kafka-doctor by
 * hand (test/support/incident.ts does the work).
 *
 *   npm run incident -- start [--client old|current|latest] [--cluster NAME] [--name NAME]
 *   npm run incident -- status [--name NAME]
 *   npm run incident -- stop [--name NAME]
 *
 * `start` launches a detached host process that starts a 3-broker cluster (or uses the running
 * cluster `--cluster NAME`), the proxy, a topic with data and a consumer with committed progress, then
 * injects the incident; it prints what it set up (bootstrap through the proxy, the direct one, the
 * control URL, topic, partition, stale broker, group, consumer pid, the numbers measured) and returns.
 * `stop` ends the host, which stops the consumer, the proxy and a cluster it started.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { startIncident } from '../test/support/incident.js'
import { type KafkaCluster, sharedCluster, startCluster } from '../test/support/kafka.js'
import { cacheDir, repoRoot } from './kafka/paths.js'
import { runMain } from './lib/main.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    client: { type: 'string', default: 'old' },
    cluster: { type: 'string' },
    name: { type: 'string', default: 'incident' },
    'timeout-ms': { type: 'string', default: '300000' },
  },
})
const command = positionals[0] ?? 'status'
const name = values.name
const dir = join(cacheDir(), 'incidents')
const stateFile = join(dir, `${name}.json`)
const logFile = join(dir, `${name}.log`)
const log = (line: string) => process.stderr.write(`${line}\n`)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface HostState {
  hostPid: number
  log: string
  [key: string]: unknown
}

/** The host is alive when its pid runs this script (a reused pid is not mistaken for it). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('incident.ts')
  } catch {
    return true
  }
}

async function readHostState(): Promise<HostState | undefined> {
  if (!existsSync(stateFile)) return undefined
  return JSON.parse(await readFile(stateFile, 'utf8')) as HostState
}

async function start(): Promise<void> {
  const existing = await readHostState()
  if (existing && isRunning(existing.hostPid)) {
    log(`incident '${name}' is already running (host pid ${existing.hostPid}); stop it first`)
    print(existing)
    return
  }
  mkdirSync(dir, { recursive: true })
  await rm(stateFile, { force: true })
  const out = openSync(logFile, 'w')
  const args = [
    '--import',
    'tsx',
    join(repoRoot, 'scripts', 'incident.ts'),
    'host',
    '--name',
    name,
    '--client',
    values.client,
  ]
  if (values.cluster) args.push('--cluster', values.cluster)
  const host = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], cwd: repoRoot })
  host.unref()
  log(`incident host pid ${host.pid}, log ${logFile}`)
  const deadline = Date.now() + Number(values['timeout-ms'])
  for (;;) {
    const state = await readHostState()
    if (state) return print(state)
    if (host.pid === undefined || !isRunning(host.pid)) {
      const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-30).join('\n')
      throw new Error(`the incident host exited before it was ready:\n${tail}`)
    }
    if (Date.now() > deadline) {
      process.kill(host.pid, 'SIGTERM')
      throw new Error(`the incident was not ready within ${values['timeout-ms']} ms; see ${logFile}`)
    }
    await sleep(500)
  }
}

function print(state: HostState): void {
  process.stdout.write(`${JSON.stringify(state, null, 2)}\n`)
}

async function host(): Promise<void> {
  let cluster: KafkaCluster
  let ownCluster = false
  if (values.cluster) {
    process.env.KAFKA_DOCTOR_TEST_CLUSTER = values.cluster
    cluster = await sharedCluster()
  } else {
    log('starting a 3-broker cluster')
    cluster = await startCluster({ brokers: 3 })
    ownCluster = true
  }
  await rm(join(dir, `${name}.changes.jsonl`), { force: true })
  const incident = await startIncident({
    cluster,
    clientVersion: values.client,
    changeLogFile: join(dir, `${name}.changes.jsonl`),
    log: (line) => log(`${new Date().toISOString()} ${line}`),
  })
  const during = await incident.measure(5000)
  const state: HostState = {
    hostPid: process.pid,
    log: logFile,
    bootstrap: incident.bootstrap,
    directBootstrap: incident.directBootstrap,
    control: incident.control.url,
    cluster: cluster.name,
    topic: incident.topic,
    partition: incident.partition,
    staleBroker: incident.staleBroker,
    realLeader: incident.realLeader,
    staleLeaderEpoch: incident.staleLeaderEpoch,
    currentLeaderEpoch: incident.currentLeaderEpoch,
    group: incident.group,
    committedOffset: incident.committedOffset,
    frozenHighWatermark: incident.frozenHighWatermark,
    consumer: {
      pid: incident.consumer.pid,
      clientVersion: incident.consumer.clientVersion,
      clientId: incident.consumer.clientId,
    },
    rules: incident.rules.map((rule) => rule.id),
    changeLog: join(dir, `${name}.changes.jsonl`),
    baseline: incident.baseline,
    during,
  }
  await writeFile(stateFile, JSON.stringify(state, null, 2))
  log('ready; waiting for SIGTERM')
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve())
    process.once('SIGINT', () => resolve())
  })
  log('stopping')
  await incident.stop()
  if (ownCluster) await cluster.stop()
  await rm(stateFile, { force: true })
  log('stopped')
}

async function stop(): Promise<void> {
  const state = await readHostState()
  if (!state) {
    log(`no incident '${name}' is running`)
    return
  }
  if (isRunning(state.hostPid)) process.kill(state.hostPid, 'SIGTERM')
  const deadline = Date.now() + 90_000
  while (isRunning(state.hostPid)) {
    if (Date.now() > deadline) {
      process.kill(state.hostPid, 'SIGKILL')
      break
    }
    await sleep(300)
  }
  await rm(stateFile, { force: true })
  log(`incident '${name}' stopped`)
}

runMain(async () => {
  switch (command) {
    case 'start':
      return start()
    case 'host':
      return host()
    case 'stop':
      return stop()
    case 'status': {
      const state = await readHostState()
      if (!state || !isRunning(state.hostPid)) log(`no incident '${name}' is running`)
      else print(state)
      return
    }
    default:
      throw new Error(`unknown command '${command}': use start, stop or status`)
  }
})
