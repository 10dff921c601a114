import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { TrafficReport } from '../../../src/analyse/traffic/traffic-report.js'
import { runCli } from '../../support/cli.js'
import { fixturePath } from '../../support/pcap-fixtures.js'
import { tsharkKafkaPdus } from '../../support/tshark-kafka.js'

const capture = fixturePath('produceConsume')
const snap96 = fixturePath('produceConsumeSnap96')

describe('kafka-doctor pcap', () => {
  it('--json counts per api key as many requests as tshark, and at least its responses', async () => {
    const run = await runCli(['pcap', capture, '--port', '19092', '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const report = JSON.parse(run.stdout) as TrafficReport
    const tshark = await tsharkKafkaPdus(capture, [19092])
    const keys = new Set(tshark.filter((t) => t.request).map((t) => t.apiKey))
    expect(report.apiKeys.map((a) => a.apiKey).sort((a, b) => a - b)).toEqual(
      [...keys].sort((a, b) => (a ?? 0) - (b ?? 0)),
    )
    let theirs = 0
    let ours = 0
    for (const entry of report.apiKeys) {
      expect(entry.requests).toBe(tshark.filter((t) => t.request && t.apiKey === entry.apiKey).length)
      const responses = tshark.filter((t) => !t.request && t.apiKey === entry.apiKey).length
      expect(entry.responses).toBeGreaterThanOrEqual(responses)
      theirs += responses
      ours += entry.responses
    }
    // tshark leaves the responses to requests it could not dissect unpaired ("Request missing").
    const undecoded = tshark.filter((t) => !t.request && t.problems.includes('Request missing')).length
    expect(ours).toBe(theirs + undecoded)
    expect(report.exchanges).toMatchObject({ paired: 21, unmatchedResponses: 0, unreadableRequests: 0 })
    expect(report.clients.map((c) => [c.clientId, c.software?.version])).toEqual([
      ['console-consumer', '3.9.1'],
      ['console-producer', '3.9.1'],
    ])
    expect(report.findings).toEqual([])
  })

  it('prints the human report with its tables', async () => {
    const run = await runCli(['pcap', capture, '--port', '19092', '--top', '3'])
    expect(run.code).toBe(0)
    const text = run.stdout
    expect(text).toMatch(/^SUMMARY\n1 file\(s\), 15\.8 kB, 99 packets/)
    expect(text).toContain('21 requests, 21 responses paired, 0 responses without their request')
    expect(text).toContain(
      'client console-consumer@127.0.0.1: 15 requests on 3 connection(s), apache-kafka-java 3.9.1',
    )
    expect(text).toMatch(/\nCLIENT\s+ADDRESS\s+BROKER\s+API\s+REQUESTS\s+RATE\/S\s+P50-MS/)
    expect(text).toMatch(/\nfixture\s+0\s+2\s+[\d.]+\s+50%\s+12\s+973\s+12\s+12\s+0\s/)
    expect(text).toContain('… 11 more rows (--top N, or --json for all)')
    expect(text).toContain('InitProducerId  -      -          COORDINATOR_LOAD_IN_PROGRESS  14')
    expect(text).toContain('\nFINDINGS\nnone')
  })

  it('a capture truncated mid-packet: partial results, one warning with the byte offset, exit by findings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-pcap-cli-'))
    const bytes = await readFile(capture)
    const cut = join(dir, 'cut.pcap')
    await writeFile(cut, bytes.subarray(0, 9000))
    const run = await runCli(['pcap', cut, '--port', '19092', '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(
      /^warning: .*cut\.pcap: 1 capture warning\(s\), first at byte \d+: .*results are partial\n$/,
    )
    const report = JSON.parse(run.stdout) as TrafficReport
    expect(report.files[0]?.bytesRead).toBe(9000)
    const requests = report.apiKeys.reduce((sum, a) => sum + a.requests, 0)
    expect(requests).toBeGreaterThan(5)
    expect(requests).toBeLessThan(21)
  })

  it('snaplen-cut frames are counted as truncated decode errors with their file offset', async () => {
    const run = await runCli(['pcap', snap96, '--port', '19092', '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout) as TrafficReport
    expect(report.decodeErrors.byKind.truncated).toBeGreaterThan(0)
    expect(report.decodeErrors.examples[0]?.fileOffset).toBeGreaterThan(0)
    expect(report.decodeErrors.examples[0]?.message).toContain('cut by snaplen')
    // The headers are still there: every request is counted, as in the full capture.
    expect(report.apiKeys.reduce((sum, a) => sum + a.requests, 0)).toBe(21)
  })

  it('several files (rotated captures) go into one analysis; a bad one is skipped with a warning', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-pcap-cli-'))
    const second = join(dir, 'second.pcap')
    await copyFile(capture, second)
    const junk = join(dir, 'notes.txt')
    await writeFile(junk, 'this is not a capture\n'.repeat(10))
    const run = await runCli(['pcap', capture, junk, second, '--port', '19092', '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(/^warning: .*notes\.txt skipped: /)
    const report = JSON.parse(run.stdout) as TrafficReport
    expect(report.files.map((f) => f.file)).toEqual([capture, second])
    expect(report.exchanges.paired).toBe(42)
  })

  it('nothing readable: exit 3 with one line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-pcap-cli-'))
    const junk = join(dir, 'notes.txt')
    await writeFile(junk, 'this is not a capture\n'.repeat(10))
    const bad = await runCli(['pcap', junk])
    expect(bad.code).toBe(3)
    expect(bad.stdout).toBe('')
    expect(bad.stderr.trim().split('\n')).toHaveLength(1)
    const missing = await runCli(['pcap', join(dir, 'missing.pcap')])
    expect(missing.code).toBe(3)
    expect(missing.stderr).toMatch(/^kafka-doctor: capture file not found: .*missing\.pcap\n$/)
  })
})
