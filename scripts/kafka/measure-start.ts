/**
 * `npx tsx scripts/kafka/measure-start.ts [--runs N] [--version V] [--brokers N]`: starts and stops
 * the test cluster N times and prints, per run, the start time (to every broker seeing all brokers),
 * the CPU seconds each JVM used to get there, and each JVM's RSS right after the start and after 10 s
 * idle. Used to size the JVM flags in jvm.ts for a 2-core machine; set KAFKA_DOCTOR_BROKER_JVM_OPTS to
 * compare other flags.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { runMain } from '../lib/main.js'
import { allNodes, stopCluster } from './cluster/cluster.js'
import { residentBytes, sleep } from './cluster/process.js'
import { startCluster } from './cluster/start.js'

const clockTicks = 100 // USER_HZ on Linux

async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / clockTicks
}

const mib = (bytes: number | undefined) => (bytes === undefined ? '?' : `${Math.round(bytes / 1024 / 1024)}`)

runMain(async () => {
  const { values } = parseArgs({
    options: { runs: { type: 'string' }, version: { type: 'string' }, brokers: { type: 'string' } },
  })
  const runs = Number(values.runs ?? 3)
  for (let run = 1; run <= runs; run += 1) {
    const started = Date.now()
    const state = await startCluster({
      name: `measure-${process.pid}`,
      ...(values.version ? { version: values.version } : {}),
      ...(values.brokers ? { brokers: Number(values.brokers) } : {}),
      ownerPid: process.pid,
    })
    const elapsed = Date.now() - started
    try {
      const nodes = allNodes(state)
      const cpu = await Promise.all(nodes.map((node) => cpuSeconds(node.pid as number)))
      const rssStart = await Promise.all(nodes.map((node) => residentBytes(node.pid as number)))
      await sleep(10_000)
      const rssIdle = await Promise.all(nodes.map((node) => residentBytes(node.pid as number)))
      const perNode = nodes
        .map(
          (node, index) =>
            `${node.role === 'controller' ? 'c' : 'b'}${node.nodeId}: cpu ${cpu[index]?.toFixed(1)}s rss ${mib(rssStart[index])}→${mib(rssIdle[index])} MiB`,
        )
        .join(' | ')
      process.stdout.write(
        `run ${run} Kafka ${state.version}: ready in ${(elapsed / 1000).toFixed(2)} s | ${perNode}\n`,
      )
    } finally {
      await stopCluster(state.name)
    }
  }
})
