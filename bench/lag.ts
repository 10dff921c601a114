/**
 * `kafka-doctor lag --all-groups` against `kafka-consumer-groups.sh --describe --all-groups`, in the
 * same run, on the same cluster state (target: 10,000 partitions and 200 groups within 2 s, at least
 * 5× faster than the reference; requests batched).
 *
 * Setup (a private 3-broker cluster unless BENCH_BOOTSTRAP names one that is already set up):
 * - BENCH_TOPICS topics × BENCH_PARTITIONS partitions (default 200 × 50 = 10,000), replication factor
 *   BENCH_RF (default 1: the benchmark measures lag collection, not replication), created with raw
 *   CreateTopics requests in batches;
 * - 5,000 records on the first topic, so some rows have a real lag;
 * - BENCH_GROUPS groups (default 200), each with committed offsets on every partition of
 *   BENCH_TOPICS_PER_GROUP topics (default 5) — 50,000 group × partition rows — written through Kafka's
 *   AdminClient (test/support/java/GroupOffsets.java). The groups have no members, as after a deploy.
 *
 * Each tool runs once to warm up, then BENCH_RUNS times (default 3), alternating; wall time includes
 * process start (a JVM for the reference, Node for kafka-doctor), as an operator sees it. The
 * reference runs with the rig's tool JVM flags (small heap, C1 only: tuned for start-up, which
 * favours it). Both outputs are parsed and every row the reference prints is checked against
 * kafka-doctor's.
 *
 * Run: npm run bench:lag  (BENCH_KEEP=1 leaves the cluster running and prints its BENCH_BOOTSTRAP for
 * another run; stop it with `npm run cluster -- stop --name <name>`)
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { stopCluster } from '../scripts/kafka/cluster/cluster.js'
import { fetchMetadata } from '../scripts/kafka/cluster/probe.js'
import { startCluster } from '../scripts/kafka/cluster/start.js'
import { bootstrapOf } from '../scripts/kafka/cluster/state.js'
import { runKafkaTool } from '../scripts/kafka/run-tool.js'
import { clockTicksPerSecond } from '../src/collect/threads/clock-ticks.js'
import { createTopicsRaw } from '../test/support/create-topics.js'
import { commitGroupOffsets, type GroupCommit } from '../test/support/group-offsets.js'
import { runProducerPatient } from '../test/support/patients.js'
import { parseConsumerGroupsDescribe } from '../test/support/tool-output.js'

const topics = Number(process.env.BENCH_TOPICS ?? 200)
const partitions = Number(process.env.BENCH_PARTITIONS ?? 50)
const groups = Number(process.env.BENCH_GROUPS ?? 200)
const topicsPerGroup = Number(process.env.BENCH_TOPICS_PER_GROUP ?? 5)
const replicationFactor = Number(process.env.BENCH_RF ?? 1)
const runs = Number(process.env.BENCH_RUNS ?? 3)
const kafkaVersion = '3.9.1'
const repo = join(import.meta.dirname, '..')
const cli = join(repo, 'bin', 'kafka-doctor.js')

if (!existsSync(join(repo, 'dist', 'cli', 'main.js'))) {
  console.error('dist/ is missing: run `npm run build` first (npm run bench:lag does)')
  process.exit(1)
}

const ticks = await clockTicksPerSecond()
const topicName = (i: number) => `bench-lag-${String(i).padStart(4, '0')}`
const groupName = (i: number) => `bench-lag-group-${String(i).padStart(4, '0')}`

// Brokers holding thousands of partitions need more heap than the rig's default 384 MiB.
process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS ??=
  '-Xms256m -Xmx1536m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=64m -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true'

let clusterName: string | undefined
let bootstrap = process.env.BENCH_BOOTSTRAP
const setupStarted = performance.now()
if (!bootstrap) {
  console.error('starting a 3-broker cluster…')
  clusterName = `bench-lag-${process.pid}`
  // Owned by this process unless kept: a kept cluster must survive the reaper of test runs.
  const state = await startCluster({
    name: clusterName,
    brokers: 3,
    brokerOverrides: { 'offsets.topic.num.partitions': '50' },
    timeoutMs: 300_000,
    ...(process.env.BENCH_KEEP ? {} : { ownerPid: process.pid }),
  })
  bootstrap = bootstrapOf(state)
  await setUp(state.brokers[0]!, bootstrap)
}
console.error(`setup took ${((performance.now() - setupStarted) / 1000).toFixed(0)} s`)

try {
  const ours = () =>
    withCpu(() => run(process.execPath, [cli, 'lag', '--bootstrap-server', bootstrap!, '--all-groups']))
  const reference = () =>
    withCpu(async () => {
      const result = await runKafkaTool(
        'kafka-consumer-groups',
        ['--bootstrap-server', bootstrap!, '--describe', '--all-groups'],
        { version: kafkaVersion, timeoutMs: 600_000 },
      )
      return { code: result.code, stdout: result.stdout, ms: result.durationMs }
    })
  console.error('warming up both tools…')
  await ours()
  await reference()
  const oursMs: number[] = []
  const theirsMs: number[] = []
  const oursCpu: number[] = []
  const theirsCpu: number[] = []
  let oursOut = ''
  let theirsOut = ''
  for (let i = 0; i < runs; i++) {
    const a = await ours()
    oursMs.push(a.ms)
    oursCpu.push(a.cpuMs)
    oursOut = a.stdout
    const b = await reference()
    theirsMs.push(b.ms)
    theirsCpu.push(b.cpuMs)
    theirsOut = b.stdout
    console.error(
      `run ${i + 1}/${runs}: kafka-doctor ${a.ms.toFixed(0)} ms (exit ${a.code}), kafka-consumer-groups ${b.ms.toFixed(0)} ms (exit ${b.code})`,
    )
  }
  const json = await run(process.execPath, [
    cli,
    'lag',
    '--bootstrap-server',
    bootstrap,
    '--all-groups',
    '--json',
  ])
  const report = JSON.parse(json.stdout) as {
    durationMs: number
    requests: { last: { total: number; byApi: Record<string, number> } }
    groups: { rows: unknown[] }[]
  }

  // Every row kafka-consumer-groups prints must be in kafka-doctor's table with the same values.
  const theirs = parseConsumerGroupsDescribe(theirsOut)
  const mine = new Map(
    parseConsumerGroupsDescribe(oursOut).map((r) => [`${r.group} ${r.topic} ${r.partition}`, r] as const),
  )
  let mismatches = 0
  for (const r of theirs) {
    const m = mine.get(`${r.group} ${r.topic} ${r.partition}`)
    if (!m || m.currentOffset !== r.currentOffset || m.logEndOffset !== r.logEndOffset || m.lag !== r.lag) {
      if (mismatches++ < 5) console.error('mismatch', r, m)
    }
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
  const oursMedian = median(oursMs)
  const theirsMedian = median(theirsMs)
  const rows = report.groups.reduce((sum, g) => sum + g.rows.length, 0)
  console.log(
    `cluster: 3 brokers (Kafka ${kafkaVersion}), ${topics * partitions} partitions (${topics} topics × ${partitions}, RF ${replicationFactor}), ${groups} groups × ${topicsPerGroup * partitions} committed partitions = ${groups * topicsPerGroup * partitions} group-partitions; machine ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  )
  console.log(
    `kafka-doctor lag --all-groups:                    median ${oursMedian.toFixed(0)} ms  (runs ${oursMs.map((x) => x.toFixed(0)).join(', ')}; collection ${report.durationMs} ms; ${rows} rows)`,
  )
  console.log(
    `kafka-consumer-groups --describe --all-groups:    median ${theirsMedian.toFixed(0)} ms  (runs ${theirsMs.map((x) => x.toFixed(0)).join(', ')}; ${theirs.length} rows)`,
  )
  console.log(
    `ratio: kafka-doctor is ${(theirsMedian / oursMedian).toFixed(1)}× faster (target ≥ 5×; ≤ 2000 ms: ${oursMedian <= 2000 ? 'met' : 'NOT met'})`,
  )
  console.log(
    `CPU time (user+sys of the tool's process, independent of machine load): kafka-doctor median ${median(oursCpu).toFixed(0)} ms, kafka-consumer-groups median ${median(theirsCpu).toFixed(0)} ms (${(median(theirsCpu) / median(oursCpu)).toFixed(1)}×); load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
  )
  console.log(
    `requests sent by kafka-doctor: ${report.requests.last.total} (${Object.entries(
      report.requests.last.byApi,
    )
      .map(([api, n]) => `${api} ${n}`)
      .join(', ')})`,
  )
  console.log(`rows checked against kafka-consumer-groups: ${theirs.length}, mismatches: ${mismatches}`)
  if (mismatches > 0) process.exitCode = 1
} finally {
  if (clusterName && process.env.BENCH_KEEP) {
    console.error(`cluster '${clusterName}' kept running: BENCH_BOOTSTRAP=${bootstrap}`)
  } else if (clusterName) {
    await stopCluster(clusterName)
  }
}

async function setUp(first: { host: string; port: number }, bootstrap: string): Promise<void> {
  console.error(`creating ${topics} topics × ${partitions} partitions…`)
  await createTopicsRaw(
    first,
    Array.from({ length: topics }, (_, i) => ({ name: topicName(i), partitions, replicationFactor })),
  )
  for (const deadline = Date.now() + 300_000; ; ) {
    const metadata = await fetchMetadata(first.host, first.port, { timeoutMs: 30_000 })
    const ready = metadata.topics.filter(
      (t) => t.name.startsWith('bench-lag-') && t.partitions.every((p) => p.leader >= 0),
    )
    if (ready.length === topics) break
    if (Date.now() > deadline) throw new Error(`only ${ready.length} of ${topics} topics have leaders`)
    await new Promise((r) => setTimeout(r, 1000))
  }
  console.error('producing 5,000 records to the first topic…')
  const producer = await runProducerPatient({
    bootstrap,
    topic: topicName(0),
    count: 5000,
    valueSize: 20,
  })
  await producer.result({ timeoutMs: 120_000 })
  const commits: GroupCommit[] = []
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < topicsPerGroup; k++) {
      const topic = topicName((g + k * Math.ceil(topics / topicsPerGroup)) % topics)
      for (let p = 0; p < partitions; p++)
        commits.push({ group: groupName(g), topic, partition: p, offset: 0 })
    }
  }
  // Some commits on the first topic sit behind its end, so those rows have a lag.
  for (const c of commits)
    if (c.topic === topicName(0)) c.offset = (c.partition * 7 + Number(c.group.slice(-4))) % 50
  console.error(`committing ${commits.length} offsets for ${groups} groups with the AdminClient…`)
  await commitGroupOffsets(bootstrap, commits, { timeoutMs: 600_000 })
}

/** CPU time (user + sys) of the children reaped while `task` ran, from /proc/self/stat (cutime, cstime). */
async function withCpu<T>(task: () => Promise<T>): Promise<T & { cpuMs: number }> {
  const before = childrenCpuMs()
  const result = await task()
  return { ...result, cpuMs: childrenCpuMs() - before }
}

function childrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'latin1')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // fields[0] is field 3 of stat(5): cutime (16) is [13], cstime (17) is [14], in clock ticks.
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticks
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', () => {})
    const timer = setTimeout(() => child.kill('SIGKILL'), 600_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(out).toString(), ms: performance.now() - started })
    })
  })
}
