/**
 * Metadata answers over time: how often clients ask, whether successive answers changed a partition's
 * leader or epoch, the leader and epoch per partition as runs of identical answers, and the broker
 * node ids behind the addresses (so that a connection's broker is known by its id).
 */
import type { MetadataResponse } from '../../protocol/generated/messages/metadata.js'
import type { PartitionTable } from './partition-table.js'
import { addressesOf, endpoint, perSecond, round3 } from './report-values.js'
import { topicKey } from './response-errors.js'
import type { MetadataReport } from './traffic-report.js'

export class MetadataTracker {
  private requests = 0
  private answers = 0
  private changed = 0
  private firstT: number | undefined
  private lastT = 0
  private readonly brokerNodes = new Map<number, { host: string; port: number }>()
  private readonly nodeIdByAddress = new Map<string, number>()

  constructor(private readonly partitions: PartitionTable) {}

  request(t: number): void {
    this.requests++
    this.firstT ??= t
    this.lastT = t
  }

  answer(body: MetadataResponse, answeredBy: string, t: number): void {
    this.answers++
    for (const b of body.brokers) {
      this.brokerNodes.set(b.nodeId, { host: b.host, port: b.port })
      for (const ip of addressesOf(b.host)) this.nodeIdByAddress.set(endpoint(ip, b.port), b.nodeId)
    }
    let changed = false
    for (const topic of body.topics) {
      const name = topicKey(topic.name, topic.topicId)
      if (name === undefined) continue
      for (const p of topic.partitions) {
        const stats = this.partitions.obtain(name, p.partitionIndex, t)
        if (!stats) continue
        const key = `${p.leaderId}/${p.leaderEpoch}`
        if (stats.lastLeader !== undefined && stats.lastLeader !== key) changed = true
        stats.lastLeader = key
        stats.leaders.add(
          t,
          {
            t: round3(t),
            lastT: round3(t),
            answers: 1,
            leader: p.leaderId,
            epoch: p.leaderEpoch,
            answeredBy,
          },
          (latest) => {
            latest.lastT = round3(t)
            latest.answers++
          },
        )
      }
    }
    if (changed) this.changed++
  }

  /** The node id of the broker at `address` (ip:port), as Metadata answers named it. */
  nodeIdOf(address: string): number | undefined {
    return this.nodeIdByAddress.get(address)
  }

  report(topicName: (key: string) => string): MetadataReport {
    return {
      requests: this.requests,
      ratePerS: this.firstT === undefined ? 0 : perSecond(this.requests, this.lastT - this.firstT),
      answers: this.answers,
      changedAnswers: this.changed,
      partitions: this.partitions
        .values()
        .filter((p) => p.leaders.length > 0)
        .map((p) => ({
          topic: topicName(p.topic),
          partition: p.partition,
          leaders: p.leaders.toArray().map((point) => point.value),
        }))
        .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
      brokers: [...this.brokerNodes]
        .map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port }))
        .sort((a, b) => a.nodeId - b.nodeId),
    }
  }
}
