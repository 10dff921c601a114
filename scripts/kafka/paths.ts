import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root, found from this file's location so scripts work from any working directory. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/**
 * Downloads and cluster state live in one cache folder: `$KAFKA_DOCTOR_CACHE`, or `<repo>/.cache`
 * (git-ignored). Several worktrees can share one cache by pointing the variable at the same folder.
 */
export function cacheDir(): string {
  const fromEnv = process.env.KAFKA_DOCTOR_CACHE
  return fromEnv && fromEnv.length > 0 ? resolve(fromEnv) : join(repoRoot, '.cache')
}

export function kafkaHome(version: string): string {
  return join(cacheDir(), 'kafka', version)
}

export function kafkaLibs(version: string): string {
  return join(kafkaHome(version), 'libs')
}

export function clustersDir(): string {
  return join(cacheDir(), 'clusters')
}

export function clusterDir(name: string): string {
  return join(clustersDir(), name)
}

/** Log configuration files kept in the repository (reload4j for 3.x, log4j2 for 4.x). */
export const kafkaConfigDir = join(repoRoot, 'scripts', 'kafka', 'config')

/** The java launcher: `$JAVA_HOME/bin/java` when set, else `java` from PATH. */
export function javaBin(javaHome = process.env.JAVA_HOME): string {
  return javaHome ? join(javaHome, 'bin', 'java') : 'java'
}

export function javacBin(javaHome = process.env.JAVA_HOME): string {
  return javaHome ? join(javaHome, 'bin', 'javac') : 'javac'
}
