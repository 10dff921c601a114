/**
 * Real captures of the real cluster with the capture tools installed here (tcpdump, dumpcap): the
 * filter from Metadata, the time and size bounds, rotation, a clean stop on SIGINT, and the message
 * an unprivileged user gets.
 */
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseCaptureFiles } from '../../../src/analyse/traffic/analyse-capture.js'
import { captureTraffic } from '../../../src/collect/capture/capture-traffic.js'
import { parseBootstrapServers } from '../../../src/net/address.js'
import { runCli } from '../../support/cli.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { type ProducerPatient, runProducerPatient } from '../../support/patients.js'

const repo = join(import.meta.dirname, '..', '..', '..')
/** Loopback packets can be 64 KiB: a bound holds to within one packet. */
const onePacket = 65_600

let kafka: KafkaCluster
let producer: ProducerPatient
const topic = `capture-${process.pid}`

beforeAll(async () => {
  kafka = await sharedCluster()
  await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })
  // Steady traffic for every test: 200 records of 1 kB per second until stopped.
  producer = await runProducerPatient({
    bootstrap: kafka.bootstrap,
    topic,
    count: -1,
    rate: 200,
    valueSize: 1000,
  })
  await producer.awaitEvent((e) => e.event === 'status' && Number(e.sent) > 0, { timeoutMs: 30_000 })
}, 180_000)

afterAll(async () => {
  await producer?.stop()
  await kafka?.runTool('kafka-topics', ['--bootstrap-server', kafka.bootstrap, '--delete', '--topic', topic])
})

const outDir = () => mkdtemp(join(tmpdir(), 'kd-capture-'))

describe('captureTraffic', () => {
  it('finds the brokers through Metadata, builds the filter from them, stops at --duration', async () => {
    const dir = await outDir()
    const result = await captureTraffic({
      outDir: dir,
      bootstrap: parseBootstrapServers(kafka.bootstrap),
      interfaceName: 'lo',
      durationMs: 3000,
    })
    expect(result.tool).toBe('tcpdump')
    expect(result.stoppedBy).toBe('duration')
    expect(result.elapsedMs).toBeGreaterThanOrEqual(3000)
    expect(result.elapsedMs).toBeLessThan(6000) // the stop, not another --duration
    expect(result.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual(
      kafka.brokers.map((b) => `127.0.0.1:${b.port}`).sort(),
    )
    expect(result.filter).toBe(
      kafka.brokers.map((b) => `(host 127.0.0.1 and tcp port ${b.port})`).join(' or '),
    )
    expect(result.files).toEqual([join(dir, 'kafka.pcap')])
    expect(result.bytes).toBe((await stat(join(dir, 'kafka.pcap'))).size)
    const manifest = JSON.parse(await readFile(join(dir, 'kafka.capture.json'), 'utf8'))
    expect(manifest.files).toEqual(['kafka.pcap'])
    // What was captured is the producer's traffic, decodable.
    const { report } = await analyseCaptureFiles(result.files, {
      brokerPorts: kafka.brokers.map((b) => b.port),
    })
    expect(report.apiKeys.find((a) => a.api === 'Produce')?.requests).toBeGreaterThan(5)
  })

  it('stops at --max-size (one file, within one packet of the bound)', async () => {
    const dir = await outDir()
    const started = Date.now()
    const result = await captureTraffic({
      outDir: dir,
      ports: kafka.brokers.map((b) => b.port),
      interfaceName: 'lo',
      durationMs: 60_000,
      maxSizeBytes: 1_000_000,
    })
    expect(result.stoppedBy).toBe('max-size')
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(result.files).toHaveLength(1)
    expect(result.bytes).toBeGreaterThan(900_000)
    expect(result.bytes).toBeLessThanOrEqual(1_000_000 + onePacket)
  })

  it('--rotate keeps a ring of files within --max-size', async () => {
    const dir = await outDir()
    const result = await captureTraffic({
      outDir: dir,
      ports: kafka.brokers.map((b) => b.port),
      interfaceName: 'lo',
      durationMs: 12_000,
      maxSizeBytes: 3_000_000,
      rotateBytes: 1_000_000,
    })
    expect(result.stoppedBy).toBe('duration')
    expect(result.files.length).toBeGreaterThanOrEqual(2)
    expect(result.files.length).toBeLessThanOrEqual(3)
    for (const file of result.files)
      expect((await stat(file)).size).toBeLessThanOrEqual(1_000_000 + onePacket)
    expect(result.bytes).toBeLessThanOrEqual(3 * (1_000_000 + onePacket))
  }, 30_000)

  it('with dumpcap: pcapng, stopped by its own duration bound', async () => {
    const dir = await outDir()
    const result = await captureTraffic({
      outDir: dir,
      ports: kafka.brokers.map((b) => b.port),
      interfaceName: 'lo',
      durationMs: 3000,
      tool: 'dumpcap',
    })
    expect(result.tool).toBe('dumpcap')
    expect(result.stoppedBy).toBe('duration')
    expect(result.files).toEqual([join(dir, 'kafka.pcapng')])
    const { report } = await analyseCaptureFiles(result.files, {
      brokerPorts: kafka.brokers.map((b) => b.port),
    })
    expect(report.files[0]?.format).toBe('pcapng')
    expect(report.apiKeys.find((a) => a.api === 'Produce')?.requests).toBeGreaterThan(5)
  })
})

describe('kafka-doctor capture', () => {
  it('SIGINT stops the capture early and keeps the file', async () => {
    const dir = await outDir()
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(repo, 'test', 'support', 'cli-entry.ts'),
        'capture',
        '--port',
        String(kafka.brokers[0]?.port),
        '--interface',
        'lo',
        '--duration',
        '60s',
        '--out',
        dir,
      ],
      { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve))
    await new Promise((resolve) => setTimeout(resolve, 5000))
    const interruptedAt = Date.now()
    child.kill('SIGINT')
    const code = await exited
    expect(Date.now() - interruptedAt).toBeLessThan(5000)
    expect(code).toBe(0)
    expect(stdout.trim()).toBe(join(dir, 'kafka.pcap'))
    expect(stderr).toMatch(/stopped by signal/)
    const size = (await stat(join(dir, 'kafka.pcap'))).size
    expect(size).toBeGreaterThan(10_000)
  }, 30_000)

  it('without permission: exit 3 and exactly what to do', async () => {
    const dir = await outDir()
    await chmod(dir, 0o777)
    const nobody = 65534
    const tcpdump = await runCli(
      ['capture', '--port', '9092', '--duration', '2s', '--out', join(dir, 'as-nobody')],
      { uid: nobody, gid: nobody },
    )
    expect(tcpdump.code).toBe(3)
    expect(tcpdump.stdout).toBe('')
    expect(tcpdump.stderr).toMatch(/^kafka-doctor: tcpdump may not capture on any: .*permission/)
    expect(tcpdump.stderr).toContain('run as root (sudo)')
    expect(tcpdump.stderr).toContain('sudo setcap cap_net_raw,cap_net_admin=eip $(command -v tcpdump)')
    expect(tcpdump.stderr.trim().split('\n')).toHaveLength(1)
    const dumpcap = await runCli(
      [
        'capture',
        '--port',
        '9092',
        '--duration',
        '2s',
        '--tool',
        'dumpcap',
        '--out',
        join(dir, 'as-nobody-2'),
      ],
      { uid: nobody, gid: nobody },
    )
    expect(dumpcap.code).toBe(3)
    expect(dumpcap.stderr).toContain('sudo usermod -aG wireshark $USER')
  }, 60_000)

  it('--analyze: the capture, then its analysis, in one JSON document', async () => {
    const dir = await outDir()
    const run = await runCli(
      [
        'capture',
        '--bootstrap-server',
        kafka.bootstrap,
        '--interface',
        'lo',
        '--duration',
        '3s',
        '--out',
        dir,
        '--analyze',
        '--json',
      ],
      { timeoutMs: 60_000 },
    )
    expect(run.code).toBe(0)
    const { capture, report } = JSON.parse(run.stdout)
    expect(capture.files).toEqual([join(dir, 'kafka.pcap')])
    expect(capture.stoppedBy).toBe('duration')
    expect(report.files[0].file).toBe(join(dir, 'kafka.pcap'))
    expect(report.apiKeys.find((a: { api: string }) => a.api === 'Produce').requests).toBeGreaterThan(5)
    expect(run.stderr).toMatch(/^captured \d+ bytes in 3\.\d s with tcpdump \(stopped by duration\)/)
  }, 60_000)

  it('needs --bootstrap-server or --port', async () => {
    const run = await runCli(['capture', '--out', await outDir()])
    expect(run.code).toBe(3)
    expect(run.stderr).toBe('kafka-doctor: give --bootstrap-server or --port\n')
  })
})
