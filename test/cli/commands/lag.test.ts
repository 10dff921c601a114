import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseLagSamples } from '../../../src/collect/lag/lag-samples.js'
import { runCli } from '../../support/cli.js'
import { commitGroupOffsets } from '../../support/group-offsets.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'

const topic = 'lag-cli'
const okGroup = 'lag-cli-ok'
const aheadGroup = 'lag-cli-ahead'
let kafka: KafkaCluster
let dir: string

beforeAll(async () => {
  kafka = await sharedCluster()
  dir = await mkdtemp(join(tmpdir(), 'kafka-doctor-lag-cli-'))
  await kafka.createTopic(topic, { partitions: 2, replicationFactor: 3 })
  await kafka.produce(
    topic,
    Array.from({ length: 8 }, (_, i) => `v${i}`),
    { partition: 0 },
  )
  await commitGroupOffsets(kafka.bootstrap, [
    { group: okGroup, topic, partition: 0, offset: 3 },
    { group: aheadGroup, topic, partition: 0, offset: 11 },
  ])
}, 120_000)

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('kafka-doctor lag', () => {
  it('prints the kafka-consumer-groups table plus its own columns, exit 0', async () => {
    const run = await runCli(['lag', '--bootstrap-server', kafka.bootstrap, '--group', okGroup])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]?.split(/\s+/)).toEqual([
      'GROUP',
      'TOPIC',
      'PARTITION',
      'CURRENT-OFFSET',
      'LOG-END-OFFSET',
      'LAG',
      'CONSUMER-ID',
      'HOST',
      'CLIENT-ID',
      'LSO',
      'LAG-LSO',
      'LOG-START',
      'LEADER',
      'EPOCH',
      'STATUS',
    ])
    const leader = (await kafka.metadata({ topics: [topic] })).topics[0]?.partitions.find(
      (p) => p.partition === 0,
    )?.leader
    expect(lines[1]?.split(/\s+/)).toEqual([
      okGroup,
      topic,
      '0',
      '3',
      '8',
      '5',
      '-',
      '-',
      '-',
      '8',
      '5',
      '0',
      String(leader),
      '0',
      'OK',
    ])
    expect(lines[2]?.split(/\s+/).slice(0, 6)).toEqual([okGroup, topic, '1', '-', '0', '-'])
    expect(lines[2]?.endsWith('NO-COMMIT')).toBe(true)
    expect(run.stdout).toMatch(
      new RegExp(
        `\\n${okGroup}\\s+classic\\s+Empty\\s+0\\s+\\d\\s+unknown\\s+5\\s+5 \\(${topic}-0\\)\\s+OK\\n`,
      ),
    )
    expect(run.stdout).toContain(`note: group '${okGroup}' has no active members`)
  })

  it('prints only JSON with --json', async () => {
    const run = await runCli(['lag', '--bootstrap-server', kafka.bootstrap, '--group', okGroup, '--json'])
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report.schema).toBe('kafka-doctor/lag@1')
    expect(report.groups[0]).toMatchObject({ group: okGroup, state: 'Empty', status: 'OK', totalLag: 5 })
    expect(report.groups[0].rows[0]).toMatchObject({
      topic,
      partition: 0,
      committed: 3,
      highWatermark: 8,
      lag: 5,
      status: 'OK',
    })
    expect(report.requests.last.total).toBeGreaterThan(5)
    expect(report.exitCode).toBe(0)
  })

  it('exits 2 on negative lag and explains it', async () => {
    const run = await runCli(['lag', '--bootstrap-server', kafka.bootstrap, '--group', aheadGroup])
    expect(run.code).toBe(2)
    expect(run.stdout).toMatch(new RegExp(`${aheadGroup}\\s+${topic}\\s+0\\s+11\\s+8\\s+-3\\s.*NEGATIVE`))
    expect(run.stdout).toContain(
      'FINDINGS\nCRITICAL lag.negative.beyond-log-end  lag-cli-0: group lag-cli-ahead committed 11',
    )
    expect(run.stdout).toContain('What to do (lag.negative.beyond-log-end):')
  })

  it('watches, adds LAG-SECONDS, and writes the samples as JSON lines', async () => {
    const out = join(dir, 'samples.jsonl')
    const run = await runCli([
      'lag',
      '--bootstrap-server',
      kafka.bootstrap,
      '--group',
      okGroup,
      '--watch',
      '300ms',
      '--samples',
      '3',
      '--samples-out',
      out,
    ])
    expect(run.stderr).toBe('')
    expect(run.stdout).toMatch(/^3 samples over \d/)
    expect(run.stdout.split('\n')[2]).toMatch(/STATUS\s+LAG-SECONDS$/)
    const samples = parseLagSamples(await readFile(out, 'utf8'))
    expect(samples.map((s) => [s.sample, s.partition, s.committed])).toEqual([
      [0, 0, 3n],
      [0, 1, null],
      [1, 0, 3n],
      [1, 1, null],
      [2, 0, 3n],
      [2, 1, null],
    ])
    // Nobody consumes and nothing is produced: the offset never moves and the HW never came down
    // to it, so by Burrow's rule 3 the partition is STOP (exit 2).
    expect(run.stdout).toMatch(new RegExp(`${okGroup}\\s+${topic}\\s+0\\s+3\\s+8\\s+5\\s.*STOP\\s+>=0\\.\\d`))
    expect(run.code).toBe(2)
  })

  it.each([
    [
      ['lag', '--bootstrap-server', 'x:1'],
      /^kafka-doctor: give --group GROUP \(repeatable\) or --all-groups\n$/,
    ],
    [
      ['lag', '--bootstrap-server', 'x:1', '--group', 'g', '--all-groups'],
      /^kafka-doctor: give either --group or --all-groups/,
    ],
    [
      ['lag', '--bootstrap-server', 'x:1', '--group', 'g', '--samples-out', 'f'],
      /--samples-out needs --watch/,
    ],
    [['lag', '--group', 'g'], /required option '--bootstrap-server/],
    [['lag', '--bootstrap-server', 'nonsense', '--group', 'g'], /invalid broker address 'nonsense'/],
  ])('usage errors exit 3 with one line: %j', async (args, message) => {
    const run = await runCli(args)
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })

  it('exits 3 quickly when no broker answers', async () => {
    // A port that accepts connections but never speaks Kafka.
    const server = createServer(() => {})
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as { port: number }).port
    const started = Date.now()
    const run = await runCli([
      'lag',
      '--bootstrap-server',
      `127.0.0.1:${port}`,
      '--group',
      'g',
      '--timeout',
      '800ms',
    ])
    server.close()
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(
      /^kafka-doctor: no bootstrap server reachable \(127\.0\.0\.1:\d+ did not answer within 800 ms\)/,
    )
    expect(Date.now() - started).toBeLessThan(10_000)
  })

  it('exits 3 for a group that does not exist', async () => {
    const run = await runCli([
      'lag',
      '--bootstrap-server',
      kafka.bootstrap,
      '--group',
      'lag-cli-no-such-group',
    ])
    expect(run.code).toBe(3)
    expect(run.stdout).toMatch(/^no partitions to show\n/)
    expect(run.stdout).toMatch(/lag-cli-no-such-group\s+unknown\s+Dead\s+0\s+\d\s+unknown\s+-\s+-\s+NOTFOUND/)
    expect(run.stdout).toContain(
      "WARNING  lag.group-not-found  consumer group 'lag-cli-no-such-group' does not exist",
    )
  })
})
