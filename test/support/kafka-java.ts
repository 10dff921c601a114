/**
 * Runs the Java helpers in test/support/java against real kafka-clients jars (fetched into the
 * cache by scripts/codegen/kafka-clients.ts).
 */
import { join } from 'node:path'
import { kafkaClientsClasspath, repoRoot, runJava } from '../../scripts/codegen/kafka-clients.js'

/** Jackson for Kafka's *JsonConverter classes (a provided dependency of kafka-clients). */
const jackson = { groupId: 'com.fasterxml.jackson.core', artifactId: 'jackson-databind', version: '2.16.2' }

export function javaHelper(name: string): string {
  return join(repoRoot, 'test/support/java', `${name}.java`)
}

export async function runKafkaJava(
  kafkaVersion: string,
  helper: string,
  args: string[] = [],
  input = '',
  timeoutMs = 180_000,
): Promise<string> {
  const classpath = await kafkaClientsClasspath(kafkaVersion, [jackson])
  return runJava(javaHelper(helper), classpath, args, { input, timeoutMs })
}
