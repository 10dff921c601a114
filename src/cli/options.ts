import { type Command, Option } from 'commander'
import { UsageError } from '../errors.js'
import { parseDuration } from '../util/duration.js'

/**
 * Flags shared by several commands, declared once so that every command spells them the same way,
 * following Kafka's own CLI conventions (`--bootstrap-server`, `--command-config`, `--timeout` in ms).
 */
export interface OutputOptions {
  json?: boolean
  showPayloads?: boolean
}

export interface ConnectionOptions {
  bootstrapServer: string
  commandConfig?: string
  timeout: number
}

export function addOutputOptions(command: Command): Command {
  return command
    .option('--json', 'print only JSON on stdout (logs and progress go to stderr)')
    .option('--show-payloads', 'include record payloads in the output (never shown otherwise)')
}

export function addConnectionOptions(command: Command, { required = true } = {}): Command {
  const bootstrap = new Option('--bootstrap-server <host:port,...>', 'the Kafka brokers to connect to')
  if (required) bootstrap.makeOptionMandatory()
  return command
    .addOption(bootstrap)
    .option('--command-config <file>', 'client properties file (security.protocol, sasl.*, ssl.*)')
    .addOption(
      new Option('--timeout <duration>', 'per-request timeout (bare number = ms, or 5s, 1m)')
        .default(10_000, '10s')
        .argParser((v) => parseDuration(v, 'ms', '--timeout')),
    )
}

export interface BrokerAddress {
  host: string
  port: number
}

/** Parses `host:port,host:port` (IPv6 as `[::1]:9092`). */
export function parseBootstrapServers(text: string): BrokerAddress[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (parts.length === 0)
    throw new UsageError('--bootstrap-server is empty', { hint: 'give host:port[,host:port]' })
  return parts.map((part) => {
    const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(part)
    const port = Number(match?.[3])
    if (!match || port < 1 || port > 65535) {
      throw new UsageError(`invalid broker address '${part}'`, {
        hint: 'expected host:port, e.g. localhost:9092',
      })
    }
    return { host: match[1] ?? match[2] ?? '', port }
  })
}

export function parsePositiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n <= 0)
      throw new UsageError(`${flag} must be a positive integer, got '${value}'`)
    return n
  }
}
