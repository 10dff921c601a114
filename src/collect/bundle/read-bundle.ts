import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { TrafficReport } from '../../analyse/traffic/traffic-report.js'
import { BadInputError, NotFoundError } from '../../errors.js'
import { parseLagSamples } from '../lag/lag-samples.js'
import type { ProfileResult } from '../profile/profile-result.js'
import type { ThreadsResult } from '../threads/threads-result.js'
import type { Bundle, SourceAvailability } from './bundle.js'
import { bundleFiles, clusterPhases } from './bundle-files.js'
import { readClusterPhase } from './cluster-source.js'
import { type JvmLibraries, jvmLibrariesZod } from './jvm-libraries.js'
import { profileSchema, threadsSchema } from './jvm-schemas.js'
import { parseLagSnapshots } from './lag-snapshot-schema.js'
import { type BundleManifest, type SourceName, sourceNames } from './manifest.js'
import { parseManifest } from './manifest-schema.js'
import { trafficSchema } from './traffic-schema.js'
import { parseJsonText, validate } from './validate.js'

/**
 * Reads an evidence bundle directory: the manifest first (a corrupt or foreign manifest is a
 * BadInputError naming the file and the first problem), then every source the manifest lists as
 * collected or partial, each validated against its own schema. A source whose files are gone is
 * marked `missing` — the bundle still loads and the rules say `insufficient-data` about it; a file
 * that is there but damaged is bad input, since analysing half-valid evidence would mislead.
 */
export async function readBundle(dir: string): Promise<Bundle> {
  await requireDirectory(dir)
  const manifestPath = join(dir, bundleFiles.manifest)
  let manifestText: string
  try {
    manifestText = await readFile(manifestPath, 'utf8')
  } catch (error) {
    throw new NotFoundError(
      `${dir} holds no ${bundleFiles.manifest} (${(error as NodeJS.ErrnoException).code})`,
      {
        hint: 'give the directory kafka-doctor diagnose wrote (--out)',
      },
    )
  }
  const manifest = parseManifest(manifestText, bundleFiles.manifest)
  const bundle: Bundle = {
    dir,
    manifest,
    availability: initialAvailability(manifest),
    warnings: [],
  }
  const reader = new SourceReader(dir, bundle)
  await Promise.all(sourceNames.map((name) => loaders[name](reader)))
  return bundle
}

/** What the manifest alone says about each source. */
export function initialAvailability(manifest: BundleManifest): Record<SourceName, SourceAvailability> {
  const out = {} as Record<SourceName, SourceAvailability>
  for (const name of sourceNames) {
    const entry = manifest.sources[name]
    const usable = entry.status === 'collected' || entry.status === 'partial'
    out[name] = {
      status: entry.status,
      usable,
      ...(entry.reason !== undefined ? { reason: entry.reason } : {}),
    }
  }
  return out
}

/** Reads one source's files, marking the source missing when a file is absent. */
export class SourceReader {
  constructor(
    readonly dir: string,
    readonly bundle: Bundle,
  ) {}

  wants(name: SourceName): boolean {
    return this.bundle.availability[name].usable
  }

  /** The file's text, or undefined (and the source marked missing) when it is not there. */
  async text(name: SourceName, file: string, { required = true } = {}): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, file), 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new BadInputError(`${file}: cannot be read (${code ?? error})`)
      }
      if (required) this.missing(name, `${file} is not in the bundle`)
      return undefined
    }
  }

  async json(name: SourceName, file: string, { required = true } = {}): Promise<unknown> {
    const text = await this.text(name, file, { required })
    return text === undefined ? undefined : parseJsonText(text, file)
  }

  missing(name: SourceName, reason: string): void {
    this.bundle.availability[name] = { status: 'missing', usable: false, reason }
    this.bundle.warnings.push(`${name}: ${reason}`)
  }
}

type Loader = (reader: SourceReader) => Promise<void>

/** One loader per source; sources other helpers own plug in here as they land. */
const loaders: Record<SourceName, Loader> = {
  async threads(reader) {
    if (!reader.wants('threads')) return
    const value = await reader.json('threads', bundleFiles.threads)
    if (value === undefined) return
    reader.bundle.threads = validate<ThreadsResult>(
      threadsSchema,
      value,
      bundleFiles.threads,
      'a kafka-doctor/threads@1 result',
    )
    const libraries = await reader.json('threads', bundleFiles.jvmLibraries, { required: false })
    if (libraries !== undefined)
      reader.bundle.jvmLibraries = validate<JvmLibraries>(
        jvmLibrariesZod,
        libraries,
        bundleFiles.jvmLibraries,
        'kafka-doctor/jvm-libraries@1',
      )
  },
  async profile(reader) {
    if (!reader.wants('profile')) return
    const value = await reader.json('profile', bundleFiles.profile)
    if (value === undefined) return
    reader.bundle.profile = validate<ProfileResult>(
      profileSchema,
      value,
      bundleFiles.profile,
      'a kafka-doctor/profile@1 result',
    )
  },
  async cluster(reader) {
    if (!reader.wants('cluster')) return
    const looks: NonNullable<Bundle['cluster']> = {}
    for (const phase of clusterPhases) {
      const prefix = `${bundleFiles.clusterDir(phase)}/`
      if (!reader.bundle.manifest.sources.cluster.files.some((f) => f.startsWith(prefix))) continue
      const look = await readClusterPhase(phase, (file, required = true) =>
        reader.json('cluster', file, { required }),
      )
      if (look) looks[phase] = look
    }
    if (looks.start || looks.end) {
      reader.bundle.cluster = looks
      if (reader.bundle.availability.cluster.status === 'missing')
        reader.bundle.availability.cluster = {
          status: 'partial',
          usable: true,
          reason: 'some cluster files are missing',
        }
    } else if (reader.bundle.availability.cluster.usable) {
      reader.missing('cluster', 'no cluster snapshot in the bundle')
    }
  },
  async lag(reader) {
    if (!reader.wants('lag')) return
    const snapshotsText = await reader.text('lag', bundleFiles.lagSnapshots)
    if (snapshotsText === undefined) return
    const snapshots = parseLagSnapshots(snapshotsText, bundleFiles.lagSnapshots)
    const samplesText = await reader.text('lag', bundleFiles.lagSamples, { required: false })
    const samples = samplesText === undefined ? [] : parseLagSamples(samplesText, bundleFiles.lagSamples)
    if (snapshots.length === 0) {
      reader.missing('lag', `${bundleFiles.lagSnapshots} holds no snapshot`)
      return
    }
    reader.bundle.lag = { snapshots, samples }
  },
  async capture(reader) {
    if (!reader.wants('capture')) return
    const value = await reader.json('capture', bundleFiles.traffic)
    if (value === undefined) return
    reader.bundle.traffic = validate<TrafficReport>(
      trafficSchema,
      value,
      bundleFiles.traffic,
      'a kafka-doctor traffic analysis',
    )
  },
}

async function requireDirectory(dir: string): Promise<void> {
  try {
    if ((await stat(dir)).isDirectory()) return
  } catch (error) {
    throw new NotFoundError(`bundle ${dir} does not exist (${(error as NodeJS.ErrnoException).code})`, {
      hint: 'give the directory kafka-doctor diagnose wrote (--out)',
    })
  }
  throw new BadInputError(`${dir} is not a directory`, {
    hint: 'an evidence bundle is the directory kafka-doctor diagnose wrote',
  })
}
