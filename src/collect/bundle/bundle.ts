import type { TrafficReport } from '../../analyse/traffic/traffic-report.js'
import type { ClusterSnapshot } from '../cluster/snapshot.js'
import type { LagSample } from '../lag/lag-samples.js'
import type { LagSnapshot } from '../lag/lag-snapshot.js'
import type { ProfileResult } from '../profile/profile-result.js'
import type { ThreadsResult } from '../threads/threads-result.js'
import type { ClusterPhase } from './bundle-files.js'
import type { JvmLibraries } from './jvm-libraries.js'
import type { LeaderOffsets } from './leader-offsets.js'
import type { BundleManifest, SourceName, SourceStatus } from './manifest.js'

/**
 * An evidence bundle in memory: the manifest and each source's data, validated. This is what the
 * rules read (src/analyse/rules), whether the bundle was just collected by `diagnose` or read from
 * disk by `analyze` — `diagnose` reads its own bundle back before analysing it, so both give the
 * same findings.
 */

export interface SourceAvailability {
  /** What the manifest says, or `missing` when it says collected but the files are not there. */
  status: SourceStatus | 'missing'
  /** Data is there to analyse (collected or partial, and loaded). */
  usable: boolean
  /** Why not usable (or why partial): the manifest's reason, or what the reader found. */
  reason?: string
}

export interface Bundle {
  /** The directory it was read from; undefined for a bundle built in memory (tests). */
  dir?: string
  manifest: BundleManifest
  availability: Record<SourceName, SourceAvailability>
  threads?: ThreadsResult
  profile?: ProfileResult
  /** The Kafka client jar(s) the JVM holds open. */
  jvmLibraries?: JvmLibraries
  /** The cluster as every broker saw it, at the start and at the end of the run (either may be missing). */
  cluster?: Partial<Record<ClusterPhase, ClusterLook>>
  lag?: { snapshots: LagSnapshot[]; samples: LagSample[] }
  /** The Kafka traffic analysis of the capture. */
  traffic?: TrafficReport
  /** Problems met while reading (a missing file), one line each. */
  warnings: string[]
}

export interface ClusterLook {
  snapshot: ClusterSnapshot
  leaderOffsets?: LeaderOffsets
}
