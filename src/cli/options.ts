import { type Command, Option } from 'commander'
import { UsageError } from '../errors.js'
import { parseDuration } from '../util/duration.js'

export { type BrokerAddress, parseBootstrapServers } from '../net/address.js'

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

export function parsePositiveInt(flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!Number.isInteger(n) || n <= 0)
      throw new UsageError(`${flag} must be a positive integer, got '${value}'`)
    return n
  }
}
