/**
 * More scenarios, each a real consumer on the shared cluster diagnosed live: the root cause ranked
 * first must be the right one.
 *
 * - fetch.max.wait.ms=0 on an idle topic: a spin without any broker error → consumer configuration;
 * - poll(Duration.ZERO) in a tight loop: a hot poll thread with normal fetch traffic → the
 *   application's loop;
 * - CPU spent in a heavy deserializer → not a Kafka problem;
 * - processing slower than max.poll.interval.ms → a rebalance storm;
 * - the topic deleted and created again under the group → negative lag without a spin.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type DiagnoseRun, diagnoseRun } from '../../support/diagnose-run.js'
import { commitGroupOffsets } from '../../support/group-offsets.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { type Patient, runProducerPatient, startConsumerPatient } from '../../support/patients.js'

let cluster: KafkaCluster
const runs: DiagnoseRun[] = []
const patients: Patient[] = []

beforeAll(async () => {
  cluster = await sharedCluster()
}, 180_000)

// Each scenario's patients stop when it ends, passed or not, so that none leaks into the next capture.
afterEach(async () => {
  for (const p of patients.splice(0)) await p.stop({ timeoutMs: 10_000 }).catch(() => undefined)
})

afterAll(async () => {
  for (const r of runs) await r.cleanup()
})

const unique = (name: string) => `${name}-${Date.now().toString(36)}`

/** A topic with `records` records in each of its 3 partitions. */
async function topicWith(name: string, records: number): Promise<string> {
  const topic = unique(name)
  await cluster.createTopic(topic, { partitions: 3, replicationFactor: 3 })
  for (let partition = 0; partition < 3; partition++) {
    if (records > 0)
      await cluster.produce(
        topic,
        Array.from({ length: records }, (_, n) => `r-${partition}-${n}`),
        { partition },
      )
  }
  return topic
}

async function consumer(options: Parameters<typeof startConsumerPatient>[0]): Promise<Patient> {
  const patient = await startConsumerPatient({ statusIntervalMs: 1000, ...options })
  patients.push(patient)
  return patient
}

async function diagnose(
  name: string,
  group: string,
  pid: number | undefined,
  seconds = 10,
  extra: string[] = [],
): Promise<DiagnoseRun> {
  const args = [
    ...extra,
    '--bootstrap-server',
    cluster.bootstrap,
    '--group',
    group,
    ...(pid !== undefined ? ['--pid', String(pid), '--profile-duration', '3s'] : []),
    '--capture',
    `${seconds}s`,
    '--interface',
    'lo',
    '--duration',
    `${seconds}s`,
    // A spinning thread on this shared 2-core machine gets a fraction of a core (see the incident test).
    '--spin-cpu',
    '10',
  ]
  const run = await diagnoseRun(name, args)
  runs.push(run)
  return run
}

describe('a consumer with fetch.max.wait.ms=0 on an idle topic', () => {
  it('is a consumer configuration spin, no broker at fault', async () => {
    const topic = await topicWith('maxwait0', 20)
    const group = `${topic}-group`
    const patient = await consumer({
      bootstrap: cluster.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'current',
      props: { 'fetch.max.wait.ms': '0' },
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 60, { timeoutMs: 60_000 })
    const { run, report } = await diagnose('fetch-max-wait-0', group, patient.pid)
    expect(report.rootCause.kind).toBe('consumer-config-spin')
    const settings = report.findings.find((f) => f.id === 'doctor.fetch-settings')
    expect(settings).toMatchObject({ verdict: 'issue', facts: { maxWaitMs: 0, minBytes: 1 } })
    expect(report.findings.find((f) => f.id === 'doctor.not-leader-loop')?.verdict).toBe('ok')
    expect(report.rootCause.remedies[0]?.markdown).toContain('fetch.max.wait.ms=500')
    expect(run.code).toBe(1)
  }, 240_000)
})

describe('a consumer calling poll(Duration.ZERO) in a tight loop', () => {
  it('is the application’s own loop: a hot poll thread, normal fetch traffic', async () => {
    const topic = await topicWith('pollzero', 20)
    const group = `${topic}-group`
    const patient = await consumer({
      bootstrap: cluster.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'current',
      mode: 'poll-zero',
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 60, { timeoutMs: 60_000 })
    const { run, report } = await diagnose('poll-zero', group, patient.pid)
    expect(report.rootCause.kind).toBe('consumer-poll-loop')
    expect(report.rootCause.chain[0]).toMatchObject({ label: 'hot thread', status: 'seen' })
    expect(report.findings.find((f) => f.id === 'doctor.fetch-settings')?.verdict).toBe('ok')
    expect(report.findings.find((f) => f.id === 'doctor.not-leader-loop')?.verdict).toBe('ok')
    expect(run.code).toBe(1)
  }, 240_000)
})

describe('a consumer whose deserializer burns the CPU', () => {
  it('is not a Kafka problem, and says so', async () => {
    const topic = await topicWith('heavy', 0)
    const group = `${topic}-group`
    const producer = await runProducerPatient({ bootstrap: cluster.bootstrap, topic, count: -1, rate: 400 })
    patients.push(producer)
    const patient = await consumer({
      bootstrap: cluster.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'current',
      mode: 'heavy-deserializer',
      deserializerCostUs: 3000,
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 100, { timeoutMs: 60_000 })
    const { run, report } = await diagnose('heavy-deserializer', group, patient.pid)
    expect(report.rootCause.kind).toBe('not-kafka')
    expect(report.rootCause.summary).toMatch(
      /^not a Kafka problem: the CPU goes to turning fetched records into objects/,
    )
    expect(report.findings.find((f) => f.id === 'doctor.not-kafka')?.facts).toMatchObject({
      area: 'deserialization',
    })
    expect(run.code).toBe(1)
  }, 240_000)
})

describe('a consumer slower than max.poll.interval.ms', () => {
  it('is a rebalance storm', async () => {
    const topic = await topicWith('rebalance', 0)
    const group = `${topic}-group`
    const producer = await runProducerPatient({ bootstrap: cluster.bootstrap, topic, count: -1, rate: 300 })
    patients.push(producer)
    const patient = await consumer({
      bootstrap: cluster.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'current',
      mode: 'heavy-deserializer',
      deserializerCostUs: 4000,
      props: { 'max.poll.interval.ms': '1000', 'max.poll.records': '500' },
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 100, { timeoutMs: 60_000 })
    const { report } = await diagnose('rebalance-storm', group, patient.pid, 12)
    expect(report.rootCause.kind).toBe('rebalance-storm')
    const storm = report.findings.find((f) => f.id === 'doctor.rebalance-storm')
    expect(storm).toMatchObject({ verdict: 'issue', subject: { group } })
    expect(report.rootCause.remedies[0]?.markdown).toContain('max.poll.interval.ms')
  }, 240_000)
})

describe('the topic deleted and created again under the group', () => {
  it('is negative lag without a spin, explained as a recreated topic', async () => {
    const topic = unique('recreated')
    const group = `${topic}-group`
    // As in the lag analysis' own test (test/analyse/lag/negative-lag.test.ts): both incarnations on
    // the same replicas and leader, and a manually assigned consumer with auto-commit and no reset
    // policy, which keeps committing its old position (100) into the new topic (Burrow#256).
    const create = async () => {
      const created = await cluster.runTool('kafka-topics', [
        '--bootstrap-server',
        cluster.bootstrap,
        '--create',
        '--topic',
        topic,
        '--replica-assignment',
        cluster.brokers.map((b) => b.id).join(':'),
      ])
      expect(created.code, created.stderr).toBe(0)
      await cluster.waitForMetadata(
        (m) => m.topics.some((t) => t.name === topic && t.partitions[0]?.leader === cluster.brokers[0]?.id),
        { topics: [topic] },
      )
    }
    await create()
    await cluster.produce(
      topic,
      Array.from({ length: 100 }, (_, i) => `old${i}`),
    )
    await commitGroupOffsets(cluster.bootstrap, [{ group, topic, partition: 0, offset: 0 }])
    const patient = await consumer({
      bootstrap: cluster.bootstrap,
      assign: [`${topic}:0`],
      group,
      clientId: `${topic}-consumer`,
      commit: 'none',
      props: { 'enable.auto.commit': 'true', 'auto.commit.interval.ms': '300', 'auto.offset.reset': 'none' },
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) === 100, { timeoutMs: 60_000 })
    const deleted = await cluster.runTool('kafka-topics', [
      '--bootstrap-server',
      cluster.bootstrap,
      '--delete',
      '--topic',
      topic,
    ])
    expect(deleted.code, deleted.stderr).toBe(0)
    await cluster.waitForMetadata((m) => !m.topics.some((t) => t.name === topic && t.errorCode === 0), {
      topics: [topic],
    })
    await create()
    await cluster.produce(
      topic,
      Array.from({ length: 10 }, (_, i) => `new${i}`),
    )
    // The stale position lands in the new topic within an auto-commit interval or two.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    // A manually assigned consumer is no member of the group: name it, so that other clients of the
    // shared cluster in the capture are not judged.
    const { run, report } = await diagnose('topic-recreated', group, undefined, 8, [
      '--client-id',
      `${topic}-consumer`,
    ])
    expect(report.rootCause.kind).toBe('lag-anomaly')
    const negative = report.findings.find((f) => f.id === 'doctor.negative-lag')
    expect(negative).toMatchObject({
      severity: 'critical',
      subject: { group, topic, partition: 0 },
      facts: { committed: '100', highWatermark: '10', lag: '-90', cause: 'lag.negative.topic-recreated' },
    })
    expect(report.rootCause.summary).toMatch(/leader epoch 0/)
    expect(report.findings.find((f) => f.id === 'doctor.poll-spin')?.verdict).toBe('insufficient-data')
    expect(run.code).toBe(2)
  }, 240_000)
})
