/**
 * Records the real cluster snapshots that the analysis unit tests alter (test/fixtures/cluster/):
 * a private 3-broker cluster with topics `orders` (6 partitions) and `events` (3 partitions), both
 * replication factor 3 and min.insync.replicas 2, collected healthy and again with broker 2 stopped.
 *
 *   npx tsx scripts/record-cluster-fixtures.ts
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { collectClusterSnapshot } from '../src/collect/cluster/collect-cluster.js'
import { parseBootstrapServers } from '../src/net/address.js'
import { toJson } from '../src/util/json.js'
import { startCluster } from '../test/support/kafka.js'
import { repoRoot } from './kafka/paths.js'
import { runMain } from './lib/main.js'

const out = join(repoRoot, 'test', 'fixtures', 'cluster')

runMain(async () => {
  const cluster = await startCluster({ brokers: 3 })
  try {
    const configs = { 'min.insync.replicas': '2' }
    await cluster.createTopic('orders', { partitions: 6, replicationFactor: 3, configs })
    await cluster.createTopic('events', { partitions: 3, replicationFactor: 3, configs })
    const first = cluster.brokers[0]
    if (!first) throw new Error('no broker')
    const bootstrap = parseBootstrapServers(`${first.host}:${first.port}`)
    const record = async (name: string) => {
      const snapshot = await collectClusterSnapshot({ bootstrap, timeoutMs: 5000 })
      await writeFile(join(out, name), `${toJson(snapshot)}\n`)
      process.stderr.write(
        `wrote ${name}: ${snapshot.views.length} views, ${snapshot.requests.length} requests\n`,
      )
    }
    await record('healthy.json')
    await cluster.stopBroker(2)
    await cluster.waitForMetadata((m) =>
      m.topics.every((t) => t.partitions.every((p) => !p.isr.includes(2) && p.leader !== 2)),
    )
    await record('broker-2-stopped.json')
  } finally {
    await cluster.stop()
  }
})
