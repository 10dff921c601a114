/**
 * The evidence bundle's table of contents, `manifest.json`: which tool wrote the bundle, on which host,
 * over which time range, about which target, and for every evidence source whether it was collected,
 * how (method, command, options), into which files, and — when it was not — why. `analyze` trusts
 * nothing else: a source the manifest does not list as collected is missing evidence, and the rules
 * say `insufficient-data` about it instead of guessing (docs/bundle.md).
 */

export const bundleSchema = 'kafka-doctor/bundle@1'

/** Every evidence source a bundle can hold, in the order reports list them. */
export const sourceNames = ['threads', 'profile', 'cluster', 'lag', 'capture'] as const
export type SourceName = (typeof sourceNames)[number]

/**
 * - `collected`: the source ran to the end and its files are complete;
 * - `partial`: some of it is there (a broker did not answer, a thread dump failed once);
 * - `failed`: it was tried and nothing usable came out (`reason`, `error` say why);
 * - `skipped`: not tried — not asked for (no `--pid`, no `--capture`) or not applicable.
 */
export const sourceStatuses = ['collected', 'partial', 'failed', 'skipped'] as const
export type SourceStatus = (typeof sourceStatuses)[number]

export interface SourceError {
  /** KafkaDoctorError code (KD_PERMISSION, KD_UNREACHABLE …) or `KD_INTERNAL`. */
  code: string
  message: string
  hint?: string
}

export interface SourceEntry {
  status: SourceStatus
  /** Bundle-relative paths (forward slashes) of the files this source wrote. */
  files: string[]
  /** How the evidence was gathered, in words an operator can repeat by hand. */
  method: string
  /** The external command run, as an argument list (tcpdump …), when there was one. */
  command?: string[]
  /** The settings it ran with (interval, rounds, snaplen, topics …). Never secrets. */
  options: Record<string, unknown>
  startedAt?: string
  finishedAt?: string
  /** Why the source is not `collected`: one line. */
  reason?: string
  error?: SourceError
  warnings: string[]
}

export interface BundleTarget {
  /** `--bootstrap-server` as given (host:port list); null when no cluster was asked. */
  bootstrap: string | null
  groups: string[]
  topics: string[]
  pid: number | null
  /** `--client-id`: the consumers' client ids, when given (else the groups' members are the target). */
  clientIds?: string[]
  /** Capture interface, when a capture was asked for. */
  interface: string | null
}

export interface BundleManifest {
  schema: typeof bundleSchema
  tool: { name: 'kafka-doctor'; version: string }
  /** The machine the bundle was collected on (no user names, no environment). */
  host: { hostname: string; platform: string; release: string; node: string }
  createdAt: string
  /** First and last moment of collection. */
  timeRange: { start: string; end: string }
  /** The kafka-doctor command that wrote the bundle, secrets removed (`--command-config` keeps only its name). */
  command: string[]
  target: BundleTarget
  sources: Record<SourceName, SourceEntry>
  /** Files written besides the sources' own (findings.json, report.json …). */
  outputs: string[]
}

/** A source that was not tried, with the reason. */
export function skippedSource(method: string, reason: string): SourceEntry {
  return { status: 'skipped', files: [], method, options: {}, reason, warnings: [] }
}
