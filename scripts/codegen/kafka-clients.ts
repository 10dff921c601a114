/**
 * kafka-clients jars from Maven Central, cached under $KAFKA_DOCTOR_CACHE (default <repo>/.cache):
 * the protocol generator reads the JSON message definitions inside them, and the Java helpers
 * (error-code table, protocol oracle, record fixtures) run against them with their runtime
 * dependencies. Fetching goes through `mvn` so proxies and mirrors configured for Maven apply.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

const run = promisify(execFile)

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export function cacheDir(): string {
  return process.env.KAFKA_DOCTOR_CACHE ?? join(repoRoot, '.cache')
}

export interface MavenArtifact {
  groupId: string
  artifactId: string
  version: string
}

const MAVEN_TIMEOUT_MS = 10 * 60_000

/**
 * The classpath (jar paths) of kafka-clients `version` with its runtime dependencies and any
 * `extra` artifacts, fetched once into the cache. Returns the kafka-clients jar first.
 */
export async function kafkaClientsClasspath(version: string, extra: MavenArtifact[] = []): Promise<string[]> {
  const tag = extra.map((a) => `${a.artifactId}-${a.version}`).join('+')
  const dir = join(cacheDir(), 'kafka-clients', tag ? `${version}+${tag}` : version)
  const lib = join(dir, 'lib')
  const marker = join(dir, 'classpath.txt')
  if (!existsSync(marker)) {
    mkdirSync(dir, { recursive: true })
    const artifacts = [{ groupId: 'org.apache.kafka', artifactId: 'kafka-clients', version }, ...extra]
    writeFileSync(join(dir, 'pom.xml'), pomFor(artifacts))
    const staging = `${lib}.partial`
    rmSync(staging, { recursive: true, force: true })
    try {
      await run(
        'mvn',
        [
          '-B',
          '-q',
          '-f',
          join(dir, 'pom.xml'),
          'dependency:copy-dependencies',
          `-DoutputDirectory=${staging}`,
          '-DincludeScope=runtime',
        ],
        { timeout: MAVEN_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      )
    } catch (error) {
      const output = (error as { stdout?: string }).stdout ?? ''
      throw new Error(
        `mvn could not fetch kafka-clients ${version}: ${output.split('\n').slice(-15).join('\n')}`,
      )
    }
    rmSync(lib, { recursive: true, force: true })
    renameSync(staging, lib)
    const jars = readdirSync(lib)
      .filter((name) => name.endsWith('.jar'))
      .sort((a, b) => Number(b.startsWith('kafka-clients-')) - Number(a.startsWith('kafka-clients-')))
    writeFileSync(marker, `${jars.join('\n')}\n`)
  }
  return readFileSync(marker, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((jar) => join(lib, jar))
}

/** The kafka-clients jar itself. */
export async function kafkaClientsJar(version: string): Promise<string> {
  const [jar] = await kafkaClientsClasspath(version)
  if (!jar?.includes('kafka-clients-')) throw new Error(`kafka-clients ${version} missing from its classpath`)
  return jar
}

function pomFor(artifacts: MavenArtifact[]): string {
  const deps = artifacts
    .map(
      (a) =>
        `    <dependency><groupId>${a.groupId}</groupId><artifactId>${a.artifactId}</artifactId><version>${a.version}</version></dependency>`,
    )
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/codegen/kafka-clients.ts to resolve a classpath; not a build. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kafka-doctor</groupId>
  <artifactId>classpath</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`
}

/**
 * Runs a single-file Java program (JEP 330 source launch) on `classpath`, with `input` on stdin.
 * Returns stdout. Bounded by `timeoutMs`.
 */
export async function runJava(
  source: string,
  classpath: string[],
  args: string[] = [],
  options: { input?: string | Uint8Array; timeoutMs?: number } = {},
): Promise<string> {
  const { spawn } = await import('node:child_process')
  const javaHome = process.env.JAVA_HOME
  const java = javaHome ? join(javaHome, 'bin', 'java') : 'java'
  return new Promise((resolvePromise, reject) => {
    const child = spawn(java, ['-cp', classpath.join(':'), source, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`java ${source} timed out after ${options.timeoutMs ?? 120_000} ms`))
    }, options.timeoutMs ?? 120_000)
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk))
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolvePromise(Buffer.concat(out).toString('utf8'))
      else
        reject(
          new Error(`java ${source} exited ${code}: ${Buffer.concat(err).toString('utf8').slice(-4000)}`),
        )
    })
    child.stdin.end(options.input ?? '')
  })
}
