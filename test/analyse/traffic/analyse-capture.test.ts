import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { analyseCaptureFiles } from '../../../src/analyse/traffic/analyse-capture.js'
import { TrafficAnalyser } from '../../../src/analyse/traffic/traffic-analyser.js'
import type { TrafficReport } from '../../../src/analyse/traffic/traffic-report.js'
import { KafkaDecoder } from '../../../src/pcap/kafka-decoder.js'
import { runCapture } from '../../support/kafka-capture-run.js'
import { fixtureBytes, fixturePath } from '../../support/pcap-fixtures.js'
import { readClassicPcapLE, resegment } from '../../support/pcap-rewrite.js'
import { writePcap } from '../../support/pcap-writer.js'

/** The parts of a report that depend on the Kafka content only (not on the file's layout). */
const content = (r: TrafficReport) => ({
  apiKeys: r.apiKeys,
  clients: r.clients,
  errors: r.errors.map(({ first, last, ...rest }) => rest),
  fetch: r.fetch.partitions,
  groups: r.groups,
  metadata: r.metadata,
  exchanges: r.exchanges,
  decodeErrors: r.decodeErrors.count,
})

describe('analyseCaptureFiles', () => {
  it('every frame split over 50-byte segments: the same report, with and without buffer reuse', async () => {
    const original = fixtureBytes('produceConsume')
    const pcap = readClassicPcapLE(original)
    const split = writePcap(resegment(pcap.packets, 50), { linkType: pcap.linkType })
    const file = join(await mkdtemp(join(tmpdir(), 'kd-resegment-')), 'split.pcap')
    await writeFile(file, split)
    const whole = (await analyseCaptureFiles([fixturePath('produceConsume')], { brokerPorts: [19092] }))
      .report
    const reused = (await analyseCaptureFiles([file], { brokerPorts: [19092] })).report
    expect(reused.files[0]?.packets).toBeGreaterThan(2 * (whole.files[0]?.packets ?? 0))
    expect(content(reused)).toEqual(content(whole))
    // Without reuse (frames kept by the test harness) the analysis is the same again.
    const decoder = new KafkaDecoder()
    const analyser = new TrafficAnalyser({ topicName: (id) => decoder.topicName(id) })
    analyser.beginFile(file)
    runCapture(split, { brokerPorts: [19092], decoder, onExchange: (e) => analyser.add(e) })
    expect(content(analyser.report())).toEqual(content(whole))
    expect(whole.fetch.partitions[0]?.records).toBe(12)
  })

  it('timestamps beyond any date (a corrupt capture, found by the fuzzer): no start time, no exception', () => {
    const decoder = new KafkaDecoder()
    const analyser = new TrafficAnalyser({ topicName: (id) => decoder.topicName(id) })
    const far = 10n ** 22n
    runCapture(fixtureBytes('produceConsume'), {
      brokerPorts: [19092],
      decoder,
      onExchange: (e) => {
        for (const frame of [e.request, e.response]) {
          if (!frame) continue
          frame.firstTs += far
          frame.lastTs += far
        }
        analyser.add(e)
      },
    })
    const report = analyser.report()
    expect(report.start).toBeUndefined()
    expect(report.durationS).toBeGreaterThan(2)
    expect(report.apiKeys.reduce((n, a) => n + a.requests, 0)).toBe(21)
  })
})
