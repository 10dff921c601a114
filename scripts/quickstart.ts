/**
 * `npm run quickstart`: builds kafka-doctor, starts a local 3-broker Kafka (fetched from Maven Central
 * on first use) with a demo topic, then runs `kafka-doctor cluster` against it and prints its report.
 * Reuses the `quickstart` cluster when it is already running; stop it with
 * `npm run cluster -- stop --name quickstart`. The last line is `bootstrap=HOST:PORT,...`; the exit code
 * is kafka-doctor's (0 for a healthy cluster).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { allNodes } from './kafka/cluster/cluster.js'
import { isRunning, nodeMarker } from './kafka/cluster/process.js'
import { startCluster } from './kafka/cluster/start.js'
import { bootstrapOf, type ClusterState, readState, stateFile } from './kafka/cluster/state.js'
import { repoRoot } from './kafka/paths.js'
import { runKafkaTool } from './kafka/run-tool.js'
import { runMain } from './lib/main.js'
import { runCommand } from './lib/run.js'

const name = 'quickstart'
const demoTopic = 'demo'
const log = (line: string) => process.stderr.write(`${line}\n`)

async function runningCluster(): Promise<ClusterState | undefined> {
  if (!existsSync(stateFile(name))) return undefined
  const state = await readState(name)
  return allNodes(state).every((node) => isRunning(node.pid, nodeMarker(name, node.nodeId)))
    ? state
    : undefined
}

runMain(async () => {
  log('building kafka-doctor (npm run build)')
  const build = await runCommand('npm', ['run', 'build'], { cwd: repoRoot, timeoutMs: 300_000 })
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`)

  let state = await runningCluster()
  if (state) log(`cluster '${name}' is already running`)
  else state = await startCluster({ name, brokers: 3, log })
  const bootstrap = bootstrapOf(state)

  const topics = await runKafkaTool('kafka-topics', ['--bootstrap-server', bootstrap, '--list'], {
    version: state.version,
  })
  if (!topics.stdout.split('\n').includes(demoTopic)) {
    log(
      `creating topic '${demoTopic}' (6 partitions, replication factor 3, min.insync.replicas 2) with 600 records`,
    )
    const created = await runKafkaTool(
      'kafka-topics',
      [
        ...['--bootstrap-server', bootstrap, '--create', '--topic', demoTopic],
        ...['--partitions', '6', '--replication-factor', '3', '--config', 'min.insync.replicas=2'],
      ],
      { version: state.version },
    )
    if (created.code !== 0) throw new Error(`kafka-topics --create failed: ${created.stderr.trim()}`)
    const produced = await runKafkaTool(
      'kafka-producer-perf-test',
      [
        '--topic',
        demoTopic,
        '--num-records',
        '600',
        '--record-size',
        '100',
        '--throughput',
        '-1',
        '--producer-props',
        `bootstrap.servers=${bootstrap}`,
        'acks=all',
      ],
      { version: state.version, timeoutMs: 120_000 },
    )
    if (produced.code !== 0) throw new Error(`kafka-producer-perf-test failed: ${produced.stderr.trim()}`)
  }

  log(`running: kafka-doctor cluster --bootstrap-server ${bootstrap}`)
  const doctor = await runCommand(
    process.execPath,
    [join(repoRoot, 'bin', 'kafka-doctor.js'), 'cluster', '--bootstrap-server', bootstrap],
    { timeoutMs: 120_000 },
  )
  process.stdout.write(doctor.stdout)
  process.stderr.write(doctor.stderr)
  process.exitCode = doctor.code ?? 3
  log(`stop the cluster with: npm run cluster -- stop --name ${name}`)
  process.stdout.write(`bootstrap=${bootstrap}\n`)
})
