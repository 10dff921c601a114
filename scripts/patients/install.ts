import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CollectError } from '../../src/errors.js'
import { cacheDir, javacBin, repoRoot } from '../kafka/paths.js'
import { resolveClientVersion, slf4jSimpleVersion } from '../kafka/versions.js'
import { fetchArtifacts } from '../lib/maven.js'
import { runCommand, tail } from '../lib/run.js'

/** Java sources of the patients (real consumers and producers the tests diagnose). */
export const patientSourceDir = join(repoRoot, 'test', 'support', 'patients', 'src')

export interface PatientBuild {
  clientVersion: string
  /** Classpath entries: compiled patients first, then kafka-clients and its dependencies. */
  classpath: string[]
  /** True when this call compiled (false: the build for these sources was cached). */
  compiled: boolean
}

export function patientsHome(clientVersion: string): string {
  return join(cacheDir(), 'patients', clientVersion)
}

/**
 * Fetches kafka-clients `version` (plus slf4j-simple so the client logs to stderr) and compiles the
 * patients against it. The output folder is named after a hash of the sources, so edited sources are
 * rebuilt and worktrees with different sources can share one cache.
 */
export async function ensurePatients(
  versionOrName: string,
  options: { log?: (line: string) => void } = {},
): Promise<PatientBuild> {
  const clientVersion = resolveClientVersion(versionOrName)
  const home = patientsHome(clientVersion)
  const libs = join(home, 'libs')
  await fetchArtifacts(
    [
      { groupId: 'org.apache.kafka', artifactId: 'kafka-clients', version: clientVersion },
      { groupId: 'org.slf4j', artifactId: 'slf4j-simple', version: slf4jSimpleVersion },
    ],
    libs,
    options,
  )
  const sources = await javaSources(patientSourceDir)
  const hash = createHash('sha256')
  for (const file of sources)
    hash
      .update(file)
      .update('\0')
      .update(await readFile(file))
  const classes = join(home, `classes-${hash.digest('hex').slice(0, 12)}`)
  const classpath = [classes, join(libs, '*')]
  if (existsSync(join(classes, '.built'))) return { clientVersion, classpath, compiled: false }

  options.log?.(`javac: patients against kafka-clients ${clientVersion}`)
  await mkdir(home, { recursive: true })
  const work = await mkdtemp(join(home, '.build-'))
  try {
    const result = await runCommand(
      javacBin(),
      [
        '--release',
        '17',
        '-encoding',
        'UTF-8',
        '-Xlint:-options',
        '-d',
        work,
        '-cp',
        join(libs, '*'),
        ...sources,
      ],
      { timeoutMs: 180_000 },
    )
    if (result.code !== 0) {
      throw new CollectError(`javac failed for the patients against kafka-clients ${clientVersion}`, {
        hint: 'see the compiler output below',
        output: tail(`${result.stdout}\n${result.stderr}`, 40),
      })
    }
    await writeFile(join(work, '.built'), `${new Date().toISOString()}\n`)
    try {
      await rename(work, classes)
    } catch (error) {
      if (!existsSync(join(classes, '.built'))) throw error
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  return { clientVersion, classpath, compiled: true }
}

async function javaSources(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.java'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort()
}
