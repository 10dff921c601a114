/**
 * `npm run cluster -- <command>`: the local KRaft test cluster.
 *
 *   start [--brokers N] [--version V] [--name NAME] [--replica-lag-time-max-ms MS]
 *         [--min-insync-replicas N] [--broker-config key=value]... [--timeout MS]
 *   stop [--name NAME]
 *   status [--name NAME] [--json]
 *   list
 *   broker stop --id N [--hard] [--name NAME]
 *   broker start --id N [--name NAME]
 *   reap      stop clusters left behind by test runs that are gone
 *
 * Progress goes to stderr; `start` prints `bootstrap=HOST:PORT,...` as its last line on stdout.
 */
import { parseArgs } from 'node:util'
import { UsageError } from '../../../src/errors.js'
import { runMain } from '../../lib/main.js'
import {
  clusterStatus,
  defaultClusterName,
  listClusters,
  reapOrphanClusters,
  startBroker,
  stopBroker,
  stopCluster,
} from './cluster.js'
import { startCluster } from './start.js'
import { bootstrapOf } from './state.js'

const usage = `usage: npm run cluster -- <start|stop|status|list|reap|broker stop|broker start> [options]
  start   [--brokers N] [--version V] [--name NAME] [--replica-lag-time-max-ms MS]
          [--min-insync-replicas N] [--broker-config key=value]... [--timeout MS]
  stop    [--name NAME]
  status  [--name NAME] [--json]
  broker stop --id N [--hard] [--name NAME]
  broker start --id N [--name NAME]`

const options = {
  name: { type: 'string' },
  brokers: { type: 'string' },
  version: { type: 'string' },
  id: { type: 'string' },
  hard: { type: 'boolean' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  'replica-lag-time-max-ms': { type: 'string' },
  'min-insync-replicas': { type: 'string' },
  'broker-config': { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const

function integer(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new UsageError(`--${flag} needs a whole number, got '${value}'`)
  return Number(value)
}

function keyValues(pairs: readonly string[] | undefined): Record<string, string> | undefined {
  if (!pairs) return undefined
  const entries = pairs.map((pair) => {
    const at = pair.indexOf('=')
    if (at <= 0) throw new UsageError(`--broker-config needs key=value, got '${pair}'`)
    return [pair.slice(0, at), pair.slice(at + 1)] as const
  })
  return Object.fromEntries(entries)
}

const stderr = (line: string) => process.stderr.write(`${line}\n`)

runMain(async () => {
  const { values, positionals } = parseArgs({ options, allowPositionals: true, strict: true })
  const [command, subcommand] = positionals
  const name = values.name ?? defaultClusterName
  if (values.help || command === undefined) {
    process.stdout.write(`${usage}\n`)
    return
  }
  switch (command) {
    case 'start': {
      const state = await startCluster({
        name,
        ...(values.brokers === undefined ? {} : { brokers: integer(values.brokers, 'brokers') as number }),
        ...(values.version === undefined ? {} : { version: values.version }),
        ...optional('timeoutMs', integer(values.timeout, 'timeout')),
        ...optional(
          'replicaLagTimeMaxMs',
          integer(values['replica-lag-time-max-ms'], 'replica-lag-time-max-ms'),
        ),
        ...optional('minInsyncReplicas', integer(values['min-insync-replicas'], 'min-insync-replicas')),
        ...optional('brokerOverrides', keyValues(values['broker-config'])),
        log: stderr,
      })
      process.stdout.write(`cluster=${state.name} version=${state.version} data=${state.rootDir}\n`)
      process.stdout.write(`bootstrap=${bootstrapOf(state)}\n`)
      return
    }
    case 'stop': {
      const state = await stopCluster(name)
      stderr(`stopped cluster '${state.name}' and deleted ${state.rootDir}`)
      return
    }
    case 'status': {
      const status = await clusterStatus(name)
      if (values.json) {
        process.stdout.write(`${JSON.stringify(status, null, 2)}\n`)
        return
      }
      process.stdout.write(`cluster '${status.name}' Kafka ${status.version} id ${status.clusterId}\n`)
      for (const node of status.nodes) {
        const sees = node.sees === undefined ? '' : ` sees brokers [${node.sees.join(',')}]`
        const state = node.running ? `running pid ${node.pid}` : 'stopped'
        process.stdout.write(`  ${node.role} ${node.nodeId} ${node.address} ${state}${sees}\n`)
      }
      process.stdout.write(`bootstrap=${status.bootstrap}\n`)
      return
    }
    case 'list': {
      for (const each of await listClusters()) process.stdout.write(`${each}\n`)
      return
    }
    case 'reap': {
      const reaped = await reapOrphanClusters(stderr)
      stderr(`reaped ${reaped.length} cluster(s)`)
      return
    }
    case 'broker': {
      const id = integer(values.id, 'id')
      if (id === undefined) throw new UsageError('broker stop/start needs --id N')
      if (subcommand === 'stop') {
        await stopBroker(name, id, { hard: values.hard ?? false })
        stderr(`broker ${id} of cluster '${name}' stopped`)
        return
      }
      if (subcommand === 'start') {
        const state = await startBroker(name, id)
        stderr(`broker ${id} of cluster '${name}' started`)
        process.stdout.write(`bootstrap=${bootstrapOf(state)}\n`)
        return
      }
      throw new UsageError(`unknown broker command '${subcommand ?? ''}'`, {
        hint: 'use broker stop or broker start',
      })
    }
    default:
      throw new UsageError(`unknown command '${command}'`, { hint: usage.split('\n')[0] ?? '' })
  }
})

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V }
}
