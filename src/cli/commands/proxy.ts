import { Option } from 'commander'
import { ExitCode } from '../../outcome.js'
import { parseDuration } from '../../util/duration.js'
import { createIo } from '../io.js'
import { parseBootstrapServers, parsePositiveInt } from '../options.js'
import type { CommandModule } from './index.js'

interface ProxyFlags {
  bootstrapServer: string
  listenHost: string
  advertisedHost?: string
  basePort?: number
  rules?: string
  controlPort?: number
  changeLog?: string
  timeout: number
  json?: boolean
}

const rulesHelp = `
Rules (--rules FILE, JSON or YAML, reloaded when the file changes; or POST them to the control endpoint):
  rules:
    - type: error               # Fetch | ListOffsets | Produce | OffsetCommit answers
      api: Fetch
      error: NOT_LEADER_OR_FOLLOWER
      topic: orders
      partitions: [0]           # all partitions when left out
      brokers: [2]              # listeners (broker ids); all when left out
    - type: freeze-offsets      # HW / LSO (/ log start) in Fetch and ListOffsets answers
      topic: orders
      partitions: [0]
      brokers: [2]
      highWatermark: 40
    - type: stale-metadata      # Metadata answers name an old leader and epoch
      topic: orders
      partitions: [0]
      leader: 2
      leaderEpoch: 0
    - type: latency             # delay answers (apis: [...] to limit)
      ms: 200
    - type: drop-connection     # close the connection on a matching request
      apis: [Fetch]
      count: 1
    - type: coordinator-error   # FindCoordinator | JoinGroup | Heartbeat | OffsetFetch answers
      api: Heartbeat
      error: REBALANCE_IN_PROGRESS
      groups: [my-group]
  Every rule also takes: id, clientIds / excludeClientIds (* globs), probability (0..1), count.

Control endpoint (--control-port): GET/POST/PUT/DELETE /rules, DELETE /rules/ID, GET /counters,
POST /counters/reset, GET /listeners, GET /changes?limit=N.`

export const proxyCommand: CommandModule = {
  register(program) {
    const command = program
      .command('proxy')
      .description(
        'a Kafka-aware fault-injection proxy for test environments: one listener per broker, broker addresses rewritten so clients stay behind it, the brokers’ bytes forwarded unchanged unless a rule injects an error, freezes the HW, serves stale metadata, adds latency or drops connections',
      )
      .requiredOption('--bootstrap-server <host:port,...>', 'the real Kafka brokers')
      .option('--listen-host <host>', 'address the listeners bind to', '127.0.0.1')
      .option('--advertised-host <host>', 'host written into answers (default: the listen host)')
      .addOption(
        new Option(
          '--base-port <port>',
          'listener of the i-th broker on base-port + i (default: free ports)',
        ).argParser(parsePositiveInt('--base-port')),
      )
      .option('--rules <file>', 'JSON or YAML rules file, reloaded when it changes')
      .addOption(
        new Option('--control-port <port>', 'HTTP control endpoint port (0: a free port)').argParser(
          (value) => (value === '0' ? 0 : parsePositiveInt('--control-port')(value)),
        ),
      )
      .option('--change-log <file>', 'append every change the proxy makes to this JSON-lines file')
      .addOption(
        new Option('--timeout <duration>', 'bound on discovery and on each connection to a broker')
          .default(10_000, '10s')
          .argParser((v) => parseDuration(v, 'ms', '--timeout')),
      )
      .option('--json', 'print the listeners as JSON on stdout')
      .addHelpText('after', rulesHelp)
    command.action(async (flags: ProxyFlags) => {
      const io = createIo({ json: flags.json ?? false })
      const { startProxy } = await import('../../proxy/proxy.js')
      const proxy = await startProxy({
        bootstrapServers: parseBootstrapServers(flags.bootstrapServer),
        listenHost: flags.listenHost,
        ...(flags.advertisedHost ? { advertisedHost: flags.advertisedHost } : {}),
        ...(flags.basePort === undefined ? {} : { basePort: flags.basePort }),
        ...(flags.rules ? { rulesFile: flags.rules } : {}),
        ...(flags.controlPort === undefined ? {} : { controlPort: flags.controlPort }),
        ...(flags.changeLog ? { changeLogFile: flags.changeLog } : {}),
        timeoutMs: flags.timeout,
        log: (line) => io.info(`proxy: ${line}`),
      })
      const listeners = proxy.listeners()
      io.result(
        {
          bootstrap: proxy.bootstrap,
          control: proxy.controlUrl ?? null,
          clusterId: proxy.clusterId,
          listeners,
        },
        () =>
          [
            ...listeners.map(
              (l) => `broker ${l.brokerId}  ${l.host}:${l.port} -> ${l.upstream.host}:${l.upstream.port}`,
            ),
            ...(proxy.controlUrl ? [`control=${proxy.controlUrl}`] : []),
            `bootstrap=${proxy.bootstrap}`,
          ].join('\n'),
      )
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'))
        process.once('SIGTERM', () => resolve('SIGTERM'))
      })
      io.info(`proxy: ${signal}: stopping`)
      await proxy.stop()
      const counters = proxy.counters.snapshot()
      io.info(
        `proxy: stopped after ${counters.connections.opened} connection(s); changes by rule: ${
          Object.entries(counters.rules)
            .map(([id, n]) => `${id}=${n}`)
            .join(', ') || 'none'
        }`,
      )
      process.exitCode = ExitCode.OK
    })
    return command
  },
}
