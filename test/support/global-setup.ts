import type { TestProject } from 'vitest/node'
import { listClusters, reapOrphanClusters, stopCluster } from '../../scripts/kafka/cluster/cluster.js'

/**
 * Runs once per `vitest run` in the main process. It names the run's shared cluster (started lazily by
 * the first test that calls sharedCluster()) and, at the end, stops it together with any private
 * cluster a crashed worker left behind — and clusters of earlier runs that were killed.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`[kafka rig] ${line}\n`)
  await reapOrphanClusters(log)
  const sharedClusterName = `vitest-${process.pid}`
  project.provide('kafkaDoctorRun', { sharedClusterName, ownerPid: process.pid })
  return async () => {
    // The shared cluster and every private one of this run (named `<shared>-<worker pid>-<n>`).
    for (const name of await listClusters()) {
      if (name === sharedClusterName || name.startsWith(`${sharedClusterName}-`)) {
        await stopCluster(name).catch((error: unknown) => log(`could not stop '${name}': ${String(error)}`))
      }
    }
    await reapOrphanClusters(log)
  }
}
