/**
 * `kafka-doctor proxy` as a library call: a Kafka-aware fault-injection proxy with one listener per
 * broker. Clients bootstrap from the listeners; every broker address in the answers they get points
 * back at the proxy, so all their traffic stays behind it.
 *
 *   const proxy = await startProxy({ bootstrapServers: '127.0.0.1:9092' })
 *   proxy.bootstrap                                   // '127.0.0.1:40001,127.0.0.1:40002,…'
 *   proxy.addRules(parseRules({ type: 'error', api: 'Fetch', error: 'NOT_LEADER_OR_FOLLOWER',
 *                               topic: 'orders', partitions: [0], brokers: [2] }, 'test'), 'control')
 *   proxy.counters.snapshot().fetchPartitions['2']['orders-0']
 *   await proxy.stop()
 */

import type { Server as HttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { UsageError } from '../errors.js'
import { ChangeLog } from './change-log.js'
import { ProxyConnection } from './connection.js'
import { startControlServer } from './control-server.js'
import { Counters } from './counters.js'
import { discoverCluster } from './discover.js'
import type { Endpoint } from './rewrite-addresses.js'
import { RuleSet } from './rule-set.js'
import { describeRule, type ParsedRule, type Rule, type RuleSource } from './rules.js'
import { readRulesFile, watchRulesFile } from './rules-file.js'
import { TopicNames } from './topic-names.js'
import { Traffic } from './traffic.js'

export interface ProxyOptions {
  /** The real cluster: `host:port,…` or parsed addresses. */
  bootstrapServers: readonly { host: string; port: number }[]
  /** Where the listeners bind (default 127.0.0.1). */
  listenHost?: string
  /** The host written into answers (default: the listen host, or 127.0.0.1 when binding to all). */
  advertisedHost?: string
  /** Listener of the i-th broker (by node id) on basePort + i; ephemeral ports when absent. */
  basePort?: number
  rules?: readonly ParsedRule[]
  /** JSON or YAML rules file, reloaded whenever it changes. */
  rulesFile?: string
  /** Port of the HTTP control endpoint (0: any free port); none when absent. */
  controlPort?: number
  /** JSON-lines file that receives every change. */
  changeLogFile?: string
  /** Human log lines (stderr in the CLI). */
  log?: (line: string) => void
  /** Bound on discovery and on each upstream connect (default 10 s). */
  timeoutMs?: number
  /** Largest frame accepted in either direction (default 256 MiB). */
  maxFrameBytes?: number
}

export interface ListenerInfo {
  brokerId: number
  /** Where clients connect. */
  host: string
  port: number
  /** The real broker. */
  upstream: { host: string; port: number }
  connections: number
}

export interface KafkaProxy {
  /** `host:port,…` of the listeners, for clients. */
  readonly bootstrap: string
  readonly clusterId: string | null
  readonly rules: RuleSet
  readonly counters: Counters
  readonly changes: ChangeLog
  /** The control endpoint's base URL, when it runs. */
  readonly controlUrl: string | undefined
  listeners(): ListenerInfo[]
  addRules(rules: readonly ParsedRule[], source?: RuleSource): Rule[]
  replaceRules(rules: readonly ParsedRule[], source?: RuleSource): Rule[]
  removeRule(id: string): boolean
  clearRules(): number
  /** Closes the listeners, every connection and the control endpoint. */
  stop(): Promise<void>
}

interface Listener {
  brokerId: number
  server: Server
  host: string
  port: number
  upstream: { host: string; port: number }
  connections: Set<ProxyConnection>
}

export async function startProxy(options: ProxyOptions): Promise<KafkaProxy> {
  if (options.bootstrapServers.length === 0) throw new UsageError('no bootstrap server given')
  const log = options.log ?? (() => {})
  const timeoutMs = options.timeoutMs ?? 10_000
  const listenHost = options.listenHost ?? '127.0.0.1'
  const advertisedHost =
    options.advertisedHost ?? (listenHost === '0.0.0.0' || listenHost === '::' ? '127.0.0.1' : listenHost)
  const maxFrameBytes = options.maxFrameBytes ?? 256 * 1024 * 1024

  const fileRules = options.rulesFile ? await readRulesFile(options.rulesFile) : []
  const cluster = await discoverCluster(options.bootstrapServers, timeoutMs)
  const rules = new RuleSet()
  const counters = new Counters()
  const changes = new ChangeLog({ log, ...(options.changeLogFile ? { file: options.changeLogFile } : {}) })
  const topics = new TopicNames()
  for (const topic of cluster.topics) topics.learn(topic.name, topic.topicId)

  const listeners = new Map<number, Listener>()
  let stopped = false
  let refreshing: Promise<void> | undefined
  let lastRefresh = 0

  const listenerOf = (nodeId: number): Endpoint | undefined => {
    const listener = listeners.get(nodeId)
    return listener ? { nodeId, host: advertisedHost, port: listener.port } : undefined
  }

  const openListener = async (broker: Endpoint): Promise<void> => {
    if (listeners.has(broker.nodeId) || stopped) return
    const port = options.basePort === undefined ? 0 : options.basePort + listeners.size
    const listener: Listener = {
      brokerId: broker.nodeId,
      server: createServer((socket) => accept(listener, socket)),
      host: advertisedHost,
      port,
      upstream: { host: broker.host, port: broker.port },
      connections: new Set(),
    }
    listeners.set(broker.nodeId, listener)
    try {
      await new Promise<void>((resolve, reject) => {
        listener.server.once('error', reject)
        listener.server.listen(port, listenHost, () => {
          listener.server.off('error', reject)
          resolve()
        })
      })
    } catch (error) {
      listeners.delete(broker.nodeId)
      throw new UsageError(
        `cannot listen on ${listenHost}:${port} for broker ${broker.nodeId}: ${(error as Error).message}`,
        {
          hint: 'choose another --base-port or stop what uses that port',
        },
      )
    }
    const address = listener.server.address()
    if (typeof address === 'object' && address) listener.port = address.port
    log(`broker ${broker.nodeId} ${broker.host}:${broker.port} ← ${advertisedHost}:${listener.port}`)
  }

  const traffic = new Traffic({
    rules,
    counters,
    changes,
    topics,
    listenerOf,
    ensureListeners(endpoints) {
      const missing: Endpoint[] = []
      for (const endpoint of endpoints) {
        const listener = listeners.get(endpoint.nodeId)
        if (!listener) missing.push({ ...endpoint })
        else if (listener.upstream.host !== endpoint.host || listener.upstream.port !== endpoint.port) {
          // The broker moved (restarted on another address): new connections go to the new one.
          log(`broker ${endpoint.nodeId} now at ${endpoint.host}:${endpoint.port}`)
          listener.upstream = { host: endpoint.host, port: endpoint.port }
        }
      }
      if (missing.length === 0) return undefined
      return Promise.all(
        missing.map((endpoint) => openListener(endpoint).catch((error: Error) => log(error.message))),
      ).then(() => {})
    },
    unknownTopicId() {
      if (refreshing || Date.now() - lastRefresh < 5000 || stopped) return
      lastRefresh = Date.now()
      refreshing = discoverCluster(options.bootstrapServers, timeoutMs)
        .then((found) => {
          for (const topic of found.topics) topics.learn(topic.name, topic.topicId)
        })
        .catch((error: Error) => log(`topic refresh failed: ${error.message}`))
        .finally(() => {
          refreshing = undefined
        })
    },
    warn: (message) => log(`warning: ${message}`),
  })

  const accept = (listener: Listener, socket: Socket) => {
    if (stopped) {
      socket.destroy()
      return
    }
    counters.connections.opened++
    counters.connections.open++
    const connection = new ProxyConnection(socket, {
      brokerId: listener.brokerId,
      upstream: listener.upstream,
      traffic,
      connectTimeoutMs: timeoutMs,
      maxFrameBytes,
      onUpstreamFailure: (message) => {
        counters.connections.upstreamFailed++
        log(`upstream: ${message}`)
      },
      onClose: () => {
        counters.connections.open--
        listener.connections.delete(connection)
      },
    })
    listener.connections.add(connection)
  }

  const sorted = [...cluster.brokers].sort((a, b) => a.nodeId - b.nodeId)
  try {
    for (const broker of sorted) await openListener(broker)
  } catch (error) {
    for (const listener of listeners.values()) listener.server.close()
    await changes.close()
    throw error
  }

  const addRules = (parsed: readonly ParsedRule[], source: RuleSource = 'control') => {
    const added = rules.add(parsed, source)
    for (const rule of added) log(`rule added (${source}): ${describeRule(rule)}`)
    return added
  }
  addRules(options.rules ?? [], 'options')
  addRules(fileRules, 'file')

  const unwatch = options.rulesFile
    ? watchRulesFile(
        options.rulesFile,
        (reloaded) => {
          const added = rules.replaceSource(reloaded, 'file')
          log(`rules file reloaded: ${added.length} rule(s)`)
          for (const rule of added) log(`  ${describeRule(rule)}`)
        },
        (error) => log(`warning: rules file not reloaded, keeping the previous rules: ${error.message}`),
      )
    : undefined

  let control: HttpServer | undefined
  let controlUrl: string | undefined
  const proxy: KafkaProxy = {
    get bootstrap() {
      return [...listeners.values()]
        .sort((a, b) => a.brokerId - b.brokerId)
        .map((listener) => `${advertisedHost}:${listener.port}`)
        .join(',')
    },
    clusterId: cluster.clusterId,
    rules,
    counters,
    changes,
    get controlUrl() {
      return controlUrl
    },
    listeners: () =>
      [...listeners.values()]
        .sort((a, b) => a.brokerId - b.brokerId)
        .map((listener) => ({
          brokerId: listener.brokerId,
          host: advertisedHost,
          port: listener.port,
          upstream: { ...listener.upstream },
          connections: listener.connections.size,
        })),
    addRules,
    replaceRules(parsed, source = 'control') {
      const replaced = rules.replaceSource(parsed, source)
      log(`rules replaced (${source}): ${replaced.length} rule(s)`)
      return replaced
    },
    removeRule(id) {
      const removed = rules.remove(id)
      if (removed) log(`rule removed: ${id}`)
      return removed
    },
    clearRules() {
      const removed = rules.clear()
      log(`rules cleared: ${removed} removed`)
      return removed
    },
    async stop() {
      if (stopped) return
      stopped = true
      unwatch?.()
      await Promise.all(
        [...listeners.values()].map(
          (listener) =>
            new Promise<void>((resolve) => {
              for (const connection of listener.connections) connection.close()
              listener.server.close(() => resolve())
            }),
        ),
      )
      if (control) {
        const server = control
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      }
      await refreshing
      await changes.close()
    },
  }

  if (options.controlPort !== undefined) {
    try {
      const started = await startControlServer(proxy, listenHost, options.controlPort)
      control = started.server
      controlUrl = `http://${advertisedHost}:${started.port}`
      log(`control endpoint on http://${advertisedHost}:${started.port}`)
    } catch (error) {
      await proxy.stop()
      throw new UsageError(
        `cannot listen on ${listenHost}:${options.controlPort} for the control endpoint: ${(error as Error).message}`,
      )
    }
  }
  return proxy
}
