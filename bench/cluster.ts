/**
 * `kafka-doctor cluster` on a real 3-broker cluster: wall time and requests sent, against Kafka's own
 * tools in the same run. kafka-doctor asks EVERY broker for its own Metadata and adds the KRaft quorum,
 * DescribeCluster and min.insync.replicas; the closest reference is `kafka-topics --describe` (one view
 * of the partitions) plus `kafka-metadata-quorum describe --status` (the quorum) — which together still
 * see only one broker's metadata.
 *
 * Run: npm run build && npm run bench:cluster   (BENCH_TOPICS × BENCH_PARTITIONS, default 5 × 20)
 */
import { join } from 'node:path'
import { repoRoot } from '../scripts/kafka/paths.js'
import { runCommand } from '../scripts/lib/run.js'
import { analyseCluster } from '../src/analyse/cluster/analyse-cluster.js'
import { collectClusterSnapshot } from '../src/collect/cluster/collect-cluster.js'
import { parseBootstrapServers } from '../src/net/address.js'
import { startCluster } from '../test/support/kafka.js'

const topicCount = Number(process.env.BENCH_TOPICS ?? 5)
const partitions = Number(process.env.BENCH_PARTITIONS ?? 20)
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

const cluster = await startCluster({ brokers: 3 })
try {
  for (let i = 0; i < topicCount; i++) {
    await cluster.createTopic(`bench-${i}`, {
      partitions,
      replicationFactor: 3,
      configs: { 'min.insync.replicas': '2' },
    })
  }
  const bootstrap = cluster.bootstrap
  console.log(
    `cluster: 3 brokers, ${topicCount} topics × ${partitions} partitions = ${topicCount * partitions} partitions, RF 3`,
  )

  // kafka-doctor in-process: collect + analyse (what `diagnose` and `watch` will call).
  const inProcess: number[] = []
  let requests = 0
  let byApi: Record<string, number> = {}
  for (let i = 0; i < 9; i++) {
    const t0 = performance.now()
    const snapshot = await collectClusterSnapshot({
      bootstrap: parseBootstrapServers(bootstrap),
      timeoutMs: 10_000,
    })
    const analysis = analyseCluster(snapshot)
    inProcess.push(performance.now() - t0)
    if (analysis.partitions.length !== topicCount * partitions) throw new Error('partitions missing')
    requests = snapshot.requests.length
    byApi = {}
    for (const r of snapshot.requests) byApi[r.api] = (byApi[r.api] ?? 0) + 1
  }

  const wall = async (command: string, args: string[]) => {
    const t0 = performance.now()
    const run = await runCommand(command, args, { timeoutMs: 120_000 })
    if (run.code !== 0 && run.code !== 1)
      throw new Error(`${command} ${args.join(' ')}: exit ${run.code}\n${run.stderr}`)
    return performance.now() - t0
  }
  const cli: number[] = []
  for (let i = 0; i < 5; i++) {
    cli.push(
      await wall(process.execPath, [
        join(repoRoot, 'bin', 'kafka-doctor.js'),
        'cluster',
        '--bootstrap-server',
        bootstrap,
        '--json',
      ]),
    )
  }
  const tool = async (name: 'kafka-topics' | 'kafka-metadata-quorum', args: string[]) => {
    const t0 = performance.now()
    const run = await cluster.runTool(name, ['--bootstrap-server', bootstrap, ...args], {
      timeoutMs: 120_000,
    })
    if (run.code !== 0) throw new Error(`${name}: exit ${run.code}\n${run.stderr}`)
    return performance.now() - t0
  }
  const topics: number[] = []
  const quorum: number[] = []
  for (let i = 0; i < 3; i++) {
    topics.push(await tool('kafka-topics', ['--describe']))
    quorum.push(await tool('kafka-metadata-quorum', ['describe', '--status']))
  }

  const ours = median(inProcess)
  const oursCli = median(cli)
  const ref = median(topics)
  const refBoth = ref + median(quorum)
  console.log(`kafka-doctor cluster, in-process collect + analyse: ${ours.toFixed(0)} ms (median of 9)`)
  console.log(
    `  requests: ${requests} (${Object.entries(byApi)
      .map(([api, n]) => `${api} ${n}`)
      .join(', ')})`,
  )
  console.log(
    `kafka-doctor cluster CLI (node bin/kafka-doctor.js, --json): ${oursCli.toFixed(0)} ms (median of 5)`,
  )
  console.log(
    `kafka-topics --describe: ${ref.toFixed(0)} ms; + kafka-metadata-quorum describe --status: ${refBoth.toFixed(0)} ms (medians of 3)`,
  )
  console.log(`ratio, CLI vs kafka-topics --describe: ${(ref / oursCli).toFixed(1)}× faster`)
  console.log(`ratio, CLI vs kafka-topics + kafka-metadata-quorum: ${(refBoth / oursCli).toFixed(1)}× faster`)
  console.log(`ratio, in-process vs kafka-topics --describe: ${(ref / ours).toFixed(0)}× faster`)
} finally {
  await cluster.stop()
}
