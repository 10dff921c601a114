/**
 * The capture filter: only the TCP traffic of the brokers, so a busy host's other traffic neither
 * fills the disk nor costs the capture tool CPU. With broker addresses (from Metadata) each broker is
 * `host A and tcp port P`; with bare ports it is `tcp port P`. Addresses must be IPs: host names are
 * resolved first (capture-traffic.ts), because the capture tool resolves only once, at start.
 */
import { isIP } from 'node:net'
import { UsageError } from '../../errors.js'

export interface BrokerTarget {
  host: string
  port: number
}

export function buildBpfFilter(options: {
  brokers?: readonly BrokerTarget[]
  ports?: readonly number[]
}): string {
  const terms = new Set<string>()
  for (const b of options.brokers ?? []) {
    if (!isIP(b.host)) throw new UsageError(`broker host '${b.host}' is not an IP address`)
    checkPort(b.port)
    terms.add(`(host ${b.host} and tcp port ${b.port})`)
  }
  for (const port of options.ports ?? []) {
    checkPort(port)
    terms.add(`tcp port ${port}`)
  }
  if (terms.size === 0) throw new UsageError('nothing to capture: give --bootstrap-server or --port')
  return [...terms].join(' or ')
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new UsageError(`invalid port ${port}`)
}
