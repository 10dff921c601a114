import { type IpKey, ipKeyFromText } from './ip-address.js'

export const defaultBrokerPorts: readonly number[] = [9092]

/**
 * Which side of a TCP connection is the broker. Known from ports (9092 by default, or the `--port` list)
 * and from addresses learnt while reading: a later step calls `learn()` with the host and port of every
 * broker a Metadata answer in the capture names, so brokers on unusual ports are followed from then on
 * (connections that started before are picked up mid-stream by the Kafka framer's resynchronisation).
 */
export class BrokerEndpoints {
  private readonly ports: Set<number>
  private readonly learned = new Set<string>()

  constructor(ports: Iterable<number> = defaultBrokerPorts) {
    this.ports = new Set(ports)
  }

  isBroker(ip: IpKey, port: number): boolean {
    return this.ports.has(port) || (this.learned.size > 0 && this.learned.has(`${ip}:${port}`))
  }

  /**
   * Marks `host:port` as a broker. `host` must be an IP address (host names in Metadata answers cannot
   * be matched against packets without DNS): returns false when it is not one.
   */
  learn(host: string, port: number): boolean {
    const key = ipKeyFromText(host)
    if (key === undefined || !Number.isInteger(port) || port <= 0 || port > 65535) return false
    this.learned.add(`${key}:${port}`)
    return true
  }

  get portList(): number[] {
    return [...this.ports]
  }
}
