/**
 * Benchmark: kafka-doctor's capture pipeline (reader → TCP reassembly → Kafka framing and pairing)
 * against `tshark -Y kafka` extracting api key, correlation id and error code, on the same ≥1 GB
 * capture of real Kafka traffic, in the same run.
 *
 *   npm run bench:pcap                              # makes the capture first if it is missing
 *   npm run bench:pcap -- --size 2GB                # a bigger capture (made once, kept in the cache)
 *   npm run bench:pcap -- --record-size 1000        # bigger records: fewer, larger packets
 *   npm run bench:pcap -- --capture F --port 9092   # any capture
 *   npm run bench:pcap -- --runs 5                  # best of 5 for each side (default 3)
 *   npm run bench:pcap -- --verify                  # also check every request tshark decodes is found
 *
 * The capture is made under $KAFKA_DOCTOR_CACHE/pcap-bench (never committed): a 1-broker cluster from
 * the project's rig, kafka-producer-perf-test and kafka-consumer-perf-test running at once, and
 * tcpdump on loopback with a full snaplen. kafka-doctor runs as compiled JavaScript in a child process,
 * so its memory is measured alone; RSS is sampled at each quarter of the file to show it stays flat.
 */
import { spawn } from 'node:child_process'
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { stopCluster } from '../scripts/kafka/cluster/cluster.js'
import { startCluster } from '../scripts/kafka/cluster/start.js'
import { bootstrapOf } from '../scripts/kafka/cluster/state.js'
import { cacheDir, repoRoot } from '../scripts/kafka/paths.js'
import { kafkaToolCommand, runKafkaTool } from '../scripts/kafka/run-tool.js'
import { brokerVersions } from '../scripts/kafka/versions.js'
import { parseSize } from '../src/util/duration.js'

interface Args {
  capture: string | undefined
  port: number
  size: number
  recordSize: number
  runs: number
  verify: boolean
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 ? argv[i + 1] : undefined
  }
  const port = get('port')
  return {
    capture: get('capture'),
    port: port === undefined ? 0 : Number(port),
    size: parseSize(get('size') ?? '1GB', '--size'),
    recordSize: Number(get('record-size') ?? '256'),
    runs: Number(get('runs') ?? '3'),
    verify: argv.includes('--verify'),
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`)
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`

/** Waits for a child to exit; rejects past the timeout (after killing it). */
function waitFor(child: ReturnType<typeof spawn>, what: string, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not finish within ${timeoutMs / 1000} s`))
    }, timeoutMs)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve(code)
    })
  })
}

/** Makes ~`size` bytes of real Kafka traffic on loopback and captures it. Returns the broker port. */
async function makeCapture(path: string, size: number, recordSize: number): Promise<number> {
  await mkdir(join(path, '..'), { recursive: true })
  const version = brokerVersions.default
  log(`making a ${mb(size)} capture of real Kafka traffic (Kafka ${version}) at ${path}`)
  const cluster = await startCluster({ name: 'pcap-bench', brokers: 1, version, log })
  const bootstrap = bootstrapOf(cluster)
  const port = Number(bootstrap.split(':').at(-1))
  const partial = `${path}.partial`
  try {
    const topic = await runKafkaTool(
      'kafka-topics',
      [
        '--bootstrap-server',
        bootstrap,
        '--create',
        '--topic',
        'bench',
        '--partitions',
        '6',
        '--replication-factor',
        '1',
      ],
      { version },
    )
    if (topic.code !== 0) throw new Error(`kafka-topics failed: ${topic.stderr}`)
    const tcpdump = spawn(
      'tcpdump',
      ['-i', 'lo', '-s', '0', '-B', '65536', '-w', partial, `tcp port ${port}`],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    )
    await new Promise((r) => setTimeout(r, 1500))
    // Each record is produced once and fetched once: about twice its size in the capture.
    const records = String(Math.ceil((size / (2 * recordSize)) * 1.05))
    const producer = kafkaToolCommand('kafka-producer-perf-test', version, [
      '--topic',
      'bench',
      '--num-records',
      records,
      '--record-size',
      '1000',
      '--throughput',
      '-1',
      '--producer-props',
      `bootstrap.servers=${bootstrap}`,
      'acks=1',
      'linger.ms=5',
    ])
    const consumer = kafkaToolCommand('kafka-consumer-perf-test', version, [
      '--bootstrap-server',
      bootstrap,
      '--topic',
      'bench',
      '--messages',
      records,
      '--timeout',
      '600000',
    ])
    const producing = spawn(producer.command, producer.args, { stdio: 'ignore' })
    const consuming = spawn(consumer.command, consumer.args, { stdio: 'ignore' })
    await Promise.all([
      waitFor(producing, 'kafka-producer-perf-test', 1_800_000),
      waitFor(consuming, 'kafka-consumer-perf-test', 1_800_000),
    ])
    tcpdump.kill('SIGTERM')
    await waitFor(tcpdump, 'tcpdump', 30_000)
    renameSync(partial, path)
    writeFileSync(`${path}.json`, JSON.stringify({ port, version, records: Number(records), recordSize }))
    return port
  } finally {
    await stopCluster('pcap-bench').catch(() => {})
    await rm(partial, { force: true })
  }
}

/** kafka-doctor, compiled, in its own process: time, RSS per quarter of the file, counts. */
async function runKafkaDoctor(path: string, port: number, collectRequests = false) {
  const module = join(repoRoot, 'dist', 'pcap', 'kafka-capture.js')
  const size = statSync(path).size
  const script = `
    import { readKafkaCapture } from ${JSON.stringify(module)}
    const size = ${size}
    const rss = []
    let next = size / 4
    const started = performance.now()
    const perKey = {}
    const ids = []
    const summary = await readKafkaCapture(${JSON.stringify(path)}, {
      brokerPorts: [${port}],
      onChunk: (read) => { while (read >= next && rss.length < 4) { rss.push(process.memoryUsage().rss); next += size / 4 } },
      onFrame: ${collectRequests} ? (f) => {
        if (f.direction === 'request' && f.header) ids.push(f.connection.client.port + '/' + f.header.apiKey + '/' + f.header.apiVersion + '/' + f.header.correlationId)
      } : undefined,
      onExchange: (e) => {
        const key = e.request?.header?.apiKey
        if (key === undefined) return
        const c = (perKey[key] ??= { requests: 0, responses: 0 })
        c.requests++
        if (e.response) c.responses++
      },
    })
    const ms = performance.now() - started
    process.stdout.write(JSON.stringify({
      ms, rss, peakRss: process.resourceUsage().maxRSS * 1024, perKey,
      packets: summary.packets.packets, bytes: summary.bytesRead,
      requests: summary.pairing.requests, responses: summary.pairing.responses, paired: summary.pairing.paired,
      gaps: summary.tcp.toBroker.gaps + summary.tcp.toClient.gaps, warnings: summary.warnings.length, ids,
    }))
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
  })
  const code = await waitFor(child, 'kafka-doctor', 1_800_000)
  if (code !== 0) throw new Error(`kafka-doctor run failed (${code})`)
  return JSON.parse(out) as {
    ms: number
    rss: number[]
    peakRss: number
    perKey: Record<string, { requests: number; responses: number }>
    packets: number
    bytes: number
    requests: number
    responses: number
    paired: number
    gaps: number
    warnings: number
    ids: string[]
  }
}

/** Every request tshark decodes (client port, api key, version, correlation id) that kafka-doctor lacks. */
async function verifyRequests(path: string, port: number): Promise<{ tshark: number; missing: string[] }> {
  const ours = new Set((await runKafkaDoctor(path, port, true)).ids)
  const args = [
    '-r',
    path,
    '-d',
    `tcp.port==${port},kafka`,
    '-Y',
    `kafka && tcp.dstport==${port}`,
    '-T',
    'fields',
  ]
  args.push('-E', 'occurrence=a', '-E', 'aggregator=,')
  for (const field of ['tcp.srcport', 'kafka.api_key', 'kafka.api_version', 'kafka.correlation_id'])
    args.push('-e', field)
  const child = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'ignore'] })
  let tshark = 0
  const missing: string[] = []
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const [client = '', keys = '', versions = '', ids = ''] = line.split('\t')
    const v = versions.split(',')
    const c = ids.split(',')
    keys.split(',').forEach((key, i) => {
      tshark++
      const id = `${client}/${key}/${v[i]}/${c[i]}`
      if (!ours.has(id)) missing.push(id)
    })
  })
  await waitFor(child, 'tshark (verify)', 3_600_000)
  return { tshark, missing }
}

/** tshark extracting the fields an operator would: api key, correlation id, error code. */
async function runTshark(path: string, port: number) {
  const args = ['-r', path, '-d', `tcp.port==${port},kafka`, '-Y', 'kafka', '-T', 'fields']
  args.push('-e', 'kafka.api_key', '-e', 'kafka.correlation_id', '-e', 'kafka.error')
  const started = performance.now()
  const child = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'ignore'] })
  let peakRss = 0
  const poll = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const hwm = /VmHWM:\s+(\d+) kB/.exec(status)
      if (hwm) peakRss = Math.max(peakRss, Number(hwm[1]) * 1024)
    } catch {}
  }, 100)
  const perKey: Record<string, number> = {}
  let lines = 0
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines++
    const keys = line.split('\t')[0] ?? ''
    for (const key of keys.split(',')) if (key) perKey[key] = (perKey[key] ?? 0) + 1
  })
  const code = await waitFor(child, 'tshark', 3_600_000)
  clearInterval(poll)
  if (code !== 0) throw new Error(`tshark failed (${code})`)
  return { ms: performance.now() - started, peakRss, perKey, lines }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  let path = args.capture
  let port = args.port
  if (!path) {
    path = join(cacheDir(), 'pcap-bench', `kafka-${Math.round(args.size / 1e6)}MB-${args.recordSize}B.pcap`)
    if (existsSync(`${path}.json`) && existsSync(path))
      port = JSON.parse(readFileSync(`${path}.json`, 'utf8')).port
    else port = await makeCapture(path, args.size, args.recordSize)
  }
  if (!port) port = 9092
  log('building (the benchmark runs the compiled JavaScript)')
  await waitFor(
    spawn('npm', ['run', '-s', 'build'], { cwd: repoRoot, stdio: ['ignore', 2, 2] }),
    'build',
    300_000,
  )
  const size = statSync(path).size
  log(`capture: ${path} (${mb(size)}), broker port ${port}`)
  // The machine is shared: each side's best of `runs` is the number that reflects the code.
  let ours = await runKafkaDoctor(path, port)
  let theirs = await runTshark(path, port)
  for (let run = 1; run < args.runs; run++) {
    log(`run ${run + 1} of ${args.runs}…`)
    const o = await runKafkaDoctor(path, port)
    if (o.ms < ours.ms) ours = o
    const t = await runTshark(path, port)
    if (t.ms < theirs.ms) theirs = t
  }
  const oursMBs = size / 1e6 / (ours.ms / 1000)
  const theirsMBs = size / 1e6 / (theirs.ms / 1000)
  const lines = [
    `capture            ${mb(size)}, ${ours.packets} packets, broker port ${port} (best of ${args.runs} runs each)`,
    `kafka-doctor       ${(ours.ms / 1000).toFixed(2)} s  ${oursMBs.toFixed(0)} MB/s  peak RSS ${mb(ours.peakRss)}` +
      `  (RSS at 1/4 ${mb(ours.rss[0] ?? 0)}, 1/2 ${mb(ours.rss[1] ?? 0)}, 3/4 ${mb(ours.rss[2] ?? 0)}, end ${mb(ours.rss[3] ?? 0)})`,
    `tshark -Y kafka    ${(theirs.ms / 1000).toFixed(2)} s  ${theirsMBs.toFixed(1)} MB/s  peak RSS ${mb(theirs.peakRss)}`,
    `ratio              ${(theirs.ms / ours.ms).toFixed(1)}× tshark's throughput`,
    `kafka-doctor found ${ours.requests} requests, ${ours.responses} responses (${ours.paired} paired), ${ours.gaps} TCP gaps, ${ours.warnings} warnings`,
    'api key  kafka-doctor requests+responses  tshark PDUs',
  ]
  const keys = [...new Set([...Object.keys(ours.perKey), ...Object.keys(theirs.perKey)])].sort(
    (a, b) => Number(a) - Number(b),
  )
  for (const key of keys) {
    const o = ours.perKey[key]
    lines.push(
      `${key.padStart(7)}  ${String((o?.requests ?? 0) + (o?.responses ?? 0)).padStart(32)}  ${String(theirs.perKey[key] ?? 0).padStart(11)}`,
    )
  }
  if (args.verify) {
    const { tshark, missing } = await verifyRequests(path, port)
    lines.push(
      `verify             ${tshark - missing.length} of the ${tshark} requests tshark decodes are found by kafka-doctor` +
        (missing.length > 0 ? ` (missing: ${missing.slice(0, 5).join(' ')})` : ''),
    )
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

await main()
