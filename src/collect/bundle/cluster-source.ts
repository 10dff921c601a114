import { z } from 'zod'
import { BadInputError } from '../../errors.js'
import type { BrokerAddress } from '../../net/address.js'
import { collectClusterSnapshot } from '../cluster/collect-cluster.js'
import type { ClusterSnapshot } from '../cluster/snapshot.js'
import { clusterFiles, snapshotFiles } from '../cluster/snapshot-files.js'
import { parseClusterSnapshot } from '../cluster/snapshot-schema.js'
import { bundleFiles, type ClusterPhase } from './bundle-files.js'
import type { BundleWriter } from './bundle-writer.js'
import { type LeaderOffsets, leaderOffsetsZod, probeLeaderOffsets } from './leader-offsets.js'
import { validate } from './validate.js'

/**
 * The cluster source of a bundle: a cluster snapshot (every broker's own Metadata answer, the quorum,
 * DescribeCluster, min.insync.replicas) at the start and at the end of the run, each stored in the
 * snapshot's own file layout (src/collect/cluster/snapshot-files.ts) under `cluster/<phase>/`, plus
 * the high watermark every claimed leader of a disputed partition reports (leader-offsets.ts).
 */

export interface ClusterPhaseResult {
  phase: ClusterPhase
  snapshot: ClusterSnapshot
  leaderOffsets: LeaderOffsets
  files: string[]
}

/** `cluster/views/broker-1-round-1.json` → `cluster/start/views/broker-1-round-1.json`. */
export function phasePath(phase: ClusterPhase, snapshotPath: string): string {
  return `${bundleFiles.clusterDir(phase)}/${snapshotPath.replace(/^cluster\//, '')}`
}

export const leaderOffsetsFile = (phase: ClusterPhase) =>
  `${bundleFiles.clusterDir(phase)}/leader-offsets.json`

export async function collectClusterPhase(
  writer: BundleWriter,
  phase: ClusterPhase,
  options: {
    bootstrap: readonly BrokerAddress[]
    topics: readonly string[]
    timeoutMs: number
    clientId?: string
    onProgress?: (message: string) => void
  },
): Promise<ClusterPhaseResult> {
  const snapshot = await collectClusterSnapshot({
    bootstrap: options.bootstrap,
    topics: options.topics.length > 0 ? options.topics : null,
    timeoutMs: options.timeoutMs,
    ...(options.clientId ? { clientId: options.clientId } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  })
  const leaderOffsets = await probeLeaderOffsets(snapshot, {
    timeoutMs: options.timeoutMs,
    ...(options.clientId ? { clientId: options.clientId } : {}),
  })
  const files: string[] = []
  for (const [path, value] of snapshotFiles(snapshot)) {
    const content =
      path === clusterFiles.snapshot
        ? {
            ...(value as Record<string, unknown>),
            views: snapshot.views.map((v) => phasePath(phase, clusterFiles.view(v))),
          }
        : value
    files.push(await writer.writeJson(phasePath(phase, path), content))
  }
  files.push(await writer.writeJson(leaderOffsetsFile(phase), leaderOffsets))
  return { phase, snapshot, leaderOffsets, files }
}

/** Reads one phase back: the snapshot reassembled from its files and validated, and the probe. */
export async function readClusterPhase(
  phase: ClusterPhase,
  readJson: (file: string, required?: boolean) => Promise<unknown>,
): Promise<{ snapshot: ClusterSnapshot; leaderOffsets?: LeaderOffsets } | undefined> {
  const snapshotPath = phasePath(phase, clusterFiles.snapshot)
  const head = await readJson(snapshotPath)
  if (head === undefined) return undefined
  const headSchema = z.looseObject({ views: z.array(z.string()) })
  const { views } = validate<{ views: string[] }>(headSchema, head, snapshotPath, 'a cluster snapshot')
  const parts: Record<string, unknown> = {}
  for (const [key, path] of [
    ['quorum', clusterFiles.quorum],
    ['configs', clusterFiles.configs],
    ['describeCluster', clusterFiles.describeCluster],
  ] as const) {
    const value = await readJson(phasePath(phase, path))
    if (value === undefined) return undefined
    parts[key] = value
  }
  const viewValues: unknown[] = []
  for (const path of views) {
    if (!path.startsWith(`${bundleFiles.clusterDir(phase)}/`) || path.split('/').includes('..'))
      throw new BadInputError(`${snapshotPath}: /views: ${path} is not a view of the ${phase} snapshot`)
    const value = await readJson(path)
    if (value === undefined) return undefined
    viewValues.push(value)
  }
  const snapshot = parseClusterSnapshot({ ...(head as object), ...parts, views: viewValues }, snapshotPath)
  const probePath = leaderOffsetsFile(phase)
  const probe = await readJson(probePath, false)
  return {
    snapshot,
    ...(probe !== undefined
      ? {
          leaderOffsets: validate<LeaderOffsets>(
            leaderOffsetsZod,
            probe,
            probePath,
            'kafka-doctor/leader-offsets@1',
          ),
        }
      : {}),
  }
}
