/**
 * kafka-clients jars from Maven Central, cached under $KAFKA_DOCTOR_CACHE (default <repo>/.cache):
 * the protocol generator reads the JSON message definitions inside them, and the Java helpers
 * (error-code table, protocol oracle, record fixtures) run against them with their runtime
 * dependencies.
 */
import { join } from 'node:path'
import { cacheDir, javaBin } from '../kafka/paths.js'
import { fetchArtifacts, type MavenArtifact } from '../lib/maven.js'
import { runCommand, tail } from '../lib/run.js'

export { repoRoot } from '../kafka/paths.js'

/**
 * The classpath (jar paths) of kafka-clients `version` with its runtime dependencies and any `extra`
 * artifacts, fetched once into the cache. The kafka-clients jar comes first.
 */
export async function kafkaClientsClasspath(version: string, extra: MavenArtifact[] = []): Promise<string[]> {
  const tag = extra.map((a) => `+${a.artifactId}-${a.version}`).join('')
  const dir = join(cacheDir(), 'kafka-clients', `${version}${tag}`)
  const { jars } = await fetchArtifacts(
    [{ groupId: 'org.apache.kafka', artifactId: 'kafka-clients', version }, ...extra],
    dir,
  )
  const clients = `kafka-clients-${version}.jar`
  if (!jars.includes(clients)) throw new Error(`${clients} missing from ${dir}`)
  return [clients, ...jars.filter((jar) => jar !== clients)].map((jar) => join(dir, jar))
}

/** The kafka-clients jar itself. */
export async function kafkaClientsJar(version: string): Promise<string> {
  const [jar] = await kafkaClientsClasspath(version)
  return jar!
}

/**
 * Runs a single-file Java program (source launch, JEP 330) on `classpath` with `input` on stdin and
 * returns its stdout. Bounded by `timeoutMs`; a non-zero exit throws with the end of stderr.
 */
export async function runJava(
  source: string,
  classpath: string[],
  args: string[] = [],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<string> {
  const result = await runCommand(javaBin(), ['-cp', classpath.join(':'), source, ...args], {
    timeoutMs: options.timeoutMs ?? 120_000,
    ...(options.input === undefined ? {} : { input: options.input }),
  })
  if (result.code !== 0) throw new Error(`java ${source} exited ${result.code}: ${tail(result.stderr, 40)}`)
  return result.stdout
}
