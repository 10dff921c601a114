import { createHash } from 'node:crypto'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { kafkaConfigDir, kafkaHome, kafkaLibs } from './paths.js'
import { majorVersion } from './versions.js'

export type JvmRole = 'controller' | 'broker' | 'tool'

/**
 * Heap and JIT settings sized for a 2-core test machine running a controller, three brokers, tools and
 * patients at once. Measured (scripts/kafka/measure-start.ts): the serial collector and C1-only
 * compilation cut the CPU a broker burns while starting from ~3.5 s to ~1.9 s and its RSS from
 * ~210 MiB to ~125 MiB. KAFKA_DOCTOR_BROKER_JVM_OPTS (space-separated) replaces these flags, like
 * Kafka's KAFKA_HEAP_OPTS/KAFKA_JVM_PERFORMANCE_OPTS, when a test needs something else.
 */
const serverJvmFlags = [
  '-Xms64m',
  '-Xmx384m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-XX:ReservedCodeCacheSize=64m',
  '-XX:MaxMetaspaceSize=160m',
  '-Xss512k',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
]

/** Tools run for a second or two: a tiny heap and C1 only, so their start is as cheap as possible. */
const toolJvmFlags = [
  '-Xms32m',
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
  '-Djava.awt.headless=true',
]

export type CdsKind = 'server' | 'tool'

/**
 * Where the class-data sharing archive for `kind` lives (see cds.ts). The name hashes everything the
 * JVM checks an archive against — the JDK, the flags, the jars — so a change never reuses a stale
 * archive; an unusable one is ignored by the JVM, which then loads classes the normal way.
 */
export function cdsArchivePath(version: string, kind: CdsKind): string {
  const libsMarker = join(kafkaLibs(version), '.complete.json')
  const key = createHash('sha256')
    .update(process.env.JAVA_HOME ?? 'java-on-path')
    .update((kind === 'tool' ? toolJvmFlags : serverJvmFlags).join(' '))
    .update(existsSync(libsMarker) ? String(statSync(libsMarker).mtimeMs) : 'unfetched')
    .digest('hex')
    .slice(0, 12)
  return join(kafkaHome(version), 'cds', `${kind}-${key}.jsa`)
}

/** False when disabled (KAFKA_DOCTOR_CDS=0) or when custom broker flags are in use. */
export function cdsEnabled(role: JvmRole): boolean {
  if (process.env.KAFKA_DOCTOR_CDS === '0') return false
  return role === 'tool' || !process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS?.trim()
}

function cdsFlags(version: string, role: JvmRole): string[] {
  if (!cdsEnabled(role)) return []
  const archive = cdsArchivePath(version, role === 'tool' ? 'tool' : 'server')
  // cds logging off: a JVM that cannot use the archive must not print warnings into a tool's stdout.
  return existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds*=off'] : []
}

function logConfigFlag(version: string, role: JvmRole): string {
  const kind = role === 'tool' ? 'tools' : 'broker'
  return majorVersion(version) >= 4
    ? `-Dlog4j2.configurationFile=${join(kafkaConfigDir, `${kind}-log4j2.xml`)}`
    : `-Dlog4j.configuration=file:${join(kafkaConfigDir, `${kind}-log4j.properties`)}`
}

export interface JvmArgsOptions {
  /** Extra flags, after the defaults (system properties, or the CDS training flag). */
  extra?: readonly string[]
  /** Skip the class-data archive (used while creating it). */
  noCds?: boolean
}

/** JVM arguments up to (not including) the main class. */
export function kafkaJvmArgs(version: string, role: JvmRole, options: JvmArgsOptions = {}): string[] {
  const fromEnv = role === 'tool' ? undefined : process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS?.trim()
  const flags = role === 'tool' ? toolJvmFlags : fromEnv ? fromEnv.split(/\s+/) : serverJvmFlags
  return [
    ...flags,
    ...(options.noCds ? [] : cdsFlags(version, role)),
    logConfigFlag(version, role),
    ...(options.extra ?? []),
    '-cp',
    join(kafkaLibs(version), '*'),
  ]
}
