import { join } from 'node:path'
import { CollectError } from '../../src/errors.js'
import { type FetchResult, fetchArtifacts, isComplete } from '../lib/maven.js'
import { runCommand } from '../lib/run.js'
import { kafkaLibs } from './paths.js'
import { brokerMainClass, kafkaToolNames, toolMainClass } from './tools.js'
import { log4j2SlfBindingVersion, majorVersion } from './versions.js'

/**
 * What a Kafka installation needs from Maven Central: the broker (kafka_2.13 brings the server,
 * controller, raft and storage modules), the tools, and for 4.x the slf4j→log4j2 binding that the
 * binary distribution ships but the broker artifact does not depend on.
 */
function kafkaArtifacts(version: string) {
  const artifacts = [
    { groupId: 'org.apache.kafka', artifactId: 'kafka_2.13', version },
    { groupId: 'org.apache.kafka', artifactId: 'kafka-tools', version },
  ]
  if (majorVersion(version) >= 4) {
    artifacts.push({
      groupId: 'org.apache.logging.log4j',
      artifactId: 'log4j-slf4j-impl',
      version: log4j2SlfBindingVersion,
    })
  }
  return artifacts
}

/**
 * Makes sure Kafka `version` is in the cache and returns its libs folder. Fast when cached (one
 * marker file is read); on a fresh fetch it also checks that the broker and every mapped tool class is
 * really in the jars, so a renamed class fails here rather than deep inside a test.
 */
export async function ensureKafka(
  version: string,
  options: { log?: (line: string) => void } = {},
): Promise<FetchResult> {
  const libs = kafkaLibs(version)
  if (await isComplete(libs)) return fetchArtifacts(kafkaArtifacts(version), libs)
  const result = await fetchArtifacts(kafkaArtifacts(version), libs, options)
  await verifyMainClasses(version, libs, result.jars)
  return result
}

/** Throws unless the broker and every tool main class of `version` is in its kafka jars. */
export async function verifyMainClasses(
  version: string,
  libs: string,
  jars: readonly string[],
  extraClasses: readonly string[] = [],
): Promise<void> {
  const kafkaJars = jars.filter(
    (jar) => jar.startsWith(`kafka_2.13-${version}`) || jar.startsWith(`kafka-tools-${version}`),
  )
  const listed = new Set<string>()
  for (const jar of kafkaJars) {
    const result = await runCommand('jar', ['tf', join(libs, jar)], { timeoutMs: 60_000 })
    for (const entry of result.stdout.split('\n')) listed.add(entry.trim())
  }
  const wanted = [
    brokerMainClass,
    ...kafkaToolNames.map((tool) => toolMainClass(tool, version)),
    ...extraClasses,
  ]
  const missing = wanted.filter((name) => !listed.has(`${name.replaceAll('.', '/')}.class`))
  if (missing.length > 0) {
    throw new CollectError(`Kafka ${version} jars lack the main classes ${missing.join(', ')}`, {
      hint: 'update scripts/kafka/tools.ts for this Kafka version',
    })
  }
}
