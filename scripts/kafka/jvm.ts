import { join } from 'node:path'
import { kafkaConfigDir, kafkaLibs } from './paths.js'
import { majorVersion } from './versions.js'

export type JvmRole = 'controller' | 'broker' | 'tool'

/**
 * Heap and JIT settings sized for a 2-core test machine running a controller, three brokers, tools and
 * patients at once. Measured (see README, "Local Kafka cluster"): the serial collector and C1-only
 * compilation roughly halve the CPU a broker burns while starting, and an idle broker fits in a
 * 256 MiB heap. KAFKA_DOCTOR_BROKER_JVM_OPTS (space-separated) replaces these flags, like Kafka's
 * KAFKA_HEAP_OPTS/KAFKA_JVM_PERFORMANCE_OPTS, when a test needs more.
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
  '-Xshare:auto',
  '-Djava.awt.headless=true',
]

function logConfigFlag(version: string, role: JvmRole): string {
  const kind = role === 'tool' ? 'tools' : 'broker'
  return majorVersion(version) >= 4
    ? `-Dlog4j2.configurationFile=${join(kafkaConfigDir, `${kind}-log4j2.xml`)}`
    : `-Dlog4j.configuration=file:${join(kafkaConfigDir, `${kind}-log4j.properties`)}`
}

/** JVM arguments up to (not including) the main class. */
export function kafkaJvmArgs(version: string, role: JvmRole, extra: readonly string[] = []): string[] {
  const fromEnv = role === 'tool' ? undefined : process.env.KAFKA_DOCTOR_BROKER_JVM_OPTS?.trim()
  const flags = role === 'tool' ? toolJvmFlags : fromEnv ? fromEnv.split(/\s+/) : serverJvmFlags
  return [...flags, logConfigFlag(version, role), ...extra, '-cp', join(kafkaLibs(version), '*')]
}
