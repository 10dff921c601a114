import { spawn } from 'node:child_process'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { KafkaRequest } from '../../src/pcap/kafka-frame.js'
import { sharedCluster } from '../support/kafka.js'
import { requestFields, runCapture } from '../support/kafka-capture-run.js'
import { tsharkKafkaFrameCounts, tsharkKafkaRequests } from '../support/tshark.js'

/** Starts tcpdump on loopback and resolves once it is listening; `stop()` ends it and flushes the file. */
async function tcpdump(file: string, ports: readonly number[]) {
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ')
  const child = spawn('tcpdump', ['-i', 'lo', '-U', '-s', '0', '-w', file, filter], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${stderr}`)), 10_000)
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes('listening on')) {
        clearTimeout(timer)
        resolve()
      }
    })
    child.on('error', reject)
    child.on('close', (code) => reject(new Error(`tcpdump exited with ${code} (root needed): ${stderr}`)))
  })
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        child.removeAllListeners('close')
        child.on('close', () => resolve())
        child.kill('SIGINT')
      }),
  }
}

describe('a live capture of the real 3-broker cluster', () => {
  it('frames, request headers and pairs equal tshark on traffic captured now', async () => {
    const kafka = await sharedCluster()
    const ports = kafka.brokers.map((b) => b.port)
    const dir = await mkdtemp(join(tmpdir(), 'kd-live-'))
    const file = join(dir, 'live.pcap')
    const topic = `pcap-live-${process.pid}`
    const capture = await tcpdump(file, ports)
    try {
      await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })
      await kafka.produce(
        topic,
        // Records of 6 kB make Fetch responses bigger than 4 KiB that fit one loopback segment.
        Array.from({ length: 30 }, (_, i) => `record-${i}-${'x'.repeat(6000)}`),
      )
      const consumed = await kafka.runTool('kafka-console-consumer', [
        '--bootstrap-server',
        kafka.bootstrap,
        '--topic',
        topic,
        '--from-beginning',
        '--max-messages',
        '30',
        '--group',
        `${topic}-group`,
      ])
      expect(consumed.stdout.trim().split('\n').length).toBe(30)
    } finally {
      await capture.stop()
    }
    const bytes = await readFile(file)
    const { requests, summary, exchanges, frames } = runCapture(bytes, { brokerPorts: ports })
    const [expected, counts] = await Promise.all([
      tsharkKafkaRequests(file, ports),
      tsharkKafkaFrameCounts(file, ports),
    ])
    expect(requests.length).toBeGreaterThan(20)
    expect(requestFields(requests)).toEqual(expected)
    // tshark counts complete PDUs; a frame still in flight when tcpdump stopped is ours too, marked
    // damaged (the capture ends inside it).
    const complete = (direction: string) =>
      frames.filter((f) => f.direction === direction && !f.damaged).length
    expect(complete('request')).toBe(counts.requests)
    expect(complete('response')).toBe(counts.responses)
    for (const f of frames.filter((x) => x.damaged)) expect(f.lastTs).toBe(summary.lastTs)
    expect(summary.pairing.unmatchedResponses).toBe(0)
    expect(summary.pairing.paired).toBe(summary.pairing.responses)
    // The consumer's Fetch requests went to the partition leaders and were all answered.
    const fetches = exchanges.filter(
      (e) => e.request?.header?.apiKey === 1 && e.request.header.clientId?.startsWith('console-consumer'),
    )
    expect(fetches.length).toBeGreaterThan(0)
    expect(fetches.every((e) => e.status === 'paired' || e.unansweredReason === 'closed')).toBe(true)
    // Big frames inside one segment are views into the capture bytes, small ones copies.
    const views = frames.filter((f) => f.bytes.buffer === bytes.buffer)
    expect(views.length).toBeGreaterThan(0)
    expect(views.every((f) => f.size >= 4096)).toBe(true)
    const leaders = new Set(fetches.map((e) => (e.request as KafkaRequest).connection.broker.port))
    expect([...leaders].every((p) => ports.includes(p))).toBe(true)
  })
})
