import { ensureCdsArchives } from '../cds.js'
import { ensureKafka } from '../install.js'
import { resolveBrokerVersion } from '../versions.js'
import { launchCluster, type StartClusterOptions } from './cluster.js'
import type { ClusterState } from './state.js'

export type { StartClusterOptions } from './cluster.js'

/**
 * Starts a test cluster (see launchCluster): fetches Kafka if needed, prepares the class-data sharing
 * archives once per version (they halve the CPU every later JVM start costs), then launches.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<ClusterState> {
  const version = resolveBrokerVersion(options.version)
  const log = options.log ?? (() => {})
  await ensureKafka(version, { log })
  await ensureCdsArchives(version, { log })
  return launchCluster({ ...options, version })
}
