import { UsageError } from '../errors.js'

export interface BrokerAddress {
  host: string
  port: number
}

/** Parses Kafka's `host:port,host:port` form (IPv6 as `[::1]:9092`). */
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
