import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CapturedPacket } from '../../src/pcap/capture-packet.js'
import { CaptureParser } from '../../src/pcap/capture-parser.js'
import { PacketDecoder } from '../../src/pcap/packet-decoder.js'
import { WarningLog } from '../../src/pcap/warnings.js'

/** The real captures under test/fixtures/pcap (how each was made: README.md there). */
export const fixtureDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'pcap')

export const fixtures = {
  /** tcpdump -i lo, µs pcap: console producer (12 records) + console consumer in a group. */
  produceConsume: { file: 'lo-produce-consume.pcap', port: 19092 },
  /** The same traffic captured at the same time with -s 96. */
  produceConsumeSnap96: { file: 'lo-produce-consume-snap96.pcap', port: 19092 },
  /** tcpdump --time-stamp-precision nano: kafka-topics --describe. */
  listTopicsNs: { file: 'lo-list-topics-ns.pcap', port: 19092 },
  /** tcpdump -i any -y LINUX_SLL: one record produced. */
  anySll: { file: 'any-sll.pcap', port: 19092 },
  /** tcpdump -i any -y LINUX_SLL2: the same record. */
  anySll2: { file: 'any-sll2.pcap', port: 19092 },
  /** IPv6 loopback listener: kafka-topics --list. */
  ipv6: { file: 'lo-ipv6.pcap', port: 19094 },
  /** dumpcap pcapng (ns resolution): one record produced. */
  dumpcapPcapng: { file: 'lo-dumpcap.pcapng', port: 19092 },
} as const

export type FixtureName = keyof typeof fixtures

export function fixturePath(name: FixtureName): string {
  return join(fixtureDir, fixtures[name].file)
}

export function fixtureBytes(name: FixtureName): Buffer {
  return readFileSync(fixturePath(name))
}

export interface ParsedCapture {
  packets: CapturedPacket[]
  warnings: WarningLog
  parser: CaptureParser
}

/** Parses a whole capture held in memory, fed in chunks of `chunkSize` bytes. */
export function parseCapture(bytes: Buffer, chunkSize = 1 << 20): ParsedCapture {
  const packets: CapturedPacket[] = []
  const warnings = new WarningLog(1000)
  const parser = new CaptureParser((p) => packets.push(p), warnings)
  for (let off = 0; off < bytes.length; off += chunkSize) parser.push(bytes.subarray(off, off + chunkSize))
  parser.end()
  return { packets, warnings, parser }
}

/** `1795595787.509774000` → nanoseconds. */
export function epochToNs(text: string): bigint {
  const [seconds = '0', fraction = ''] = text.split('.')
  return BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9))
}

/** The TCP segments of a capture as the decoder lifts them out (for comparing link layers). */
export function tcpSegmentsOf(bytes: Buffer) {
  const warnings = new WarningLog(1000)
  const decoder = new PacketDecoder(warnings)
  const segments = parseCapture(bytes).packets.flatMap((p) => {
    const s = decoder.decode(p)
    return s
      ? [
          {
            srcPort: s.srcPort,
            dstPort: s.dstPort,
            seq: s.seq,
            ack: s.ack,
            flags: s.flags,
            payload: s.payload.toString('hex'),
            payloadLength: s.payloadLength,
          },
        ]
      : []
  })
  return { segments, stats: decoder.stats, warnings }
}
