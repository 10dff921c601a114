/**
 * The one place that names Kafka versions. Everything else (fetch, cluster, tools, patients, the codec
 * generator) asks this module, so moving to a new release is a one-line change.
 */

/** Broker versions the test rig can start. */
export const brokerVersions = {
  /**
   * The default cluster: the last 3.x line, which still accepts the old client protocol versions that
   * Kafka 4.0 removed (KIP-896), so old consumers can be tested against it.
   */
  default: '3.9.1',
  /** The newest 4.x release that resolves here: a smoke test that the rig and the tool follow 4.x. */
  latest: '4.4.0',
} as const

/**
 * Java client versions the patients are compiled against. `old` predates 3.7, the release that added
 * metadata-refresh backoff (KIP-580) and leader hints in Fetch errors (KIP-951), so it shows the spin
 * the tool is built to diagnose.
 */
export const clientVersions = {
  /** The 2.x line, still common in production: the fetcher without any of the later fixes. */
  legacy: '2.8.2',
  old: '3.6.2',
  current: '3.9.1',
  latest: '4.4.0',
} as const

export type BrokerVersionName = keyof typeof brokerVersions
export type ClientVersionName = keyof typeof clientVersions

/**
 * Kafka 4.x ships log4j2 instead of reload4j and the slf4j binding is not a dependency of the broker
 * artifact, so it is added explicitly (version kept close to the log4j-core Kafka itself pulls in).
 */
export const log4j2SlfBindingVersion = '2.25.5'

/** slf4j-simple gives the patients readable client logs on stderr (slf4j 1.7 API, as kafka-clients uses). */
export const slf4jSimpleVersion = '1.7.36'

export function majorVersion(version: string): number {
  const major = Number.parseInt(version.split('.')[0] ?? '', 10)
  if (!Number.isFinite(major)) throw new Error(`not a Kafka version: ${version}`)
  return major
}

/** Resolves `default`/`latest`/`old`… or passes an explicit version such as `3.9.2` through. */
export function resolveBrokerVersion(nameOrVersion: string | undefined): string {
  if (nameOrVersion === undefined) return brokerVersions.default
  return (brokerVersions as Record<string, string>)[nameOrVersion] ?? nameOrVersion
}

export function resolveClientVersion(nameOrVersion: string): string {
  return (clientVersions as Record<string, string>)[nameOrVersion] ?? nameOrVersion
}
