import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { clientVersions } from '../../scripts/kafka/versions.js'
import { ensurePatients } from '../../scripts/patients/install.js'
import { type KafkaCluster, sharedCluster } from './kafka.js'
import { type Patient, runProducerPatient, startConsumerPatient } from './patients.js'
import { parseConsumerGroupsDescribe } from './tool-output.js'

let kafka: KafkaCluster
beforeAll(async () => {
  // Compiling the patients and starting the shared cluster may take a while on a fresh clone.
  await Promise.all(Object.keys(clientVersions).map((name) => ensurePatients(name)))
  kafka = await sharedCluster()
})

const started: Patient[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((patient) => patient.stop()))
})

const statusWith =
  (predicate: (event: Record<string, unknown>) => boolean) => (event: Record<string, unknown>) =>
    event.event === 'status' && predicate(event)

describe.each([
  ['legacy', clientVersions.legacy],
  ['old', clientVersions.old],
  ['latest', clientVersions.latest],
])('consumer patient with the %s client (%s)', (name, version) => {
  it('reads every record a producer patient wrote and commits offsets kafka-consumer-groups reports', async () => {
    const topic = `patients-${name}`
    const group = `patients-group-${name}`
    const records = 300
    await kafka.createTopic(topic, { partitions: 3, replicationFactor: 3 })

    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic,
      count: records,
      clientVersion: name,
    })
    expect(producer.clientVersion).toBe(version)
    const { done, exit } = await producer.result()
    expect(exit.code).toBe(0)
    expect(done).toMatchObject({ sent: records, acked: records, errors: 0 })
    const lastOffsets = done.lastOffsets as Record<string, number>
    const endOffsets = Object.fromEntries(Object.entries(lastOffsets).map(([tp, offset]) => [tp, offset + 1]))
    expect(Object.values(endOffsets).reduce((sum, end) => sum + end, 0)).toBe(records)

    const consumer = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group,
      clientVersion: name,
      statusIntervalMs: 200,
    })
    started.push(consumer)
    expect(consumer.clientVersion).toBe(version)
    expect(consumer.pid).toBeGreaterThan(0)
    await consumer.awaitEvent(
      statusWith((event) => event.consumed === records && sameOffsets(event.committed, endOffsets)),
      { timeoutMs: 60_000 },
    )
    const exitStatus = await consumer.stop()
    expect(exitStatus.code).toBe(0)
    const closed = consumer.events.find((event) => event.event === 'closed')
    expect(closed).toMatchObject({ consumed: records, committed: endOffsets })

    const described = await kafka.runTool('kafka-consumer-groups', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--describe',
      '--group',
      group,
    ])
    expect(described.code).toBe(0)
    const rows = parseConsumerGroupsDescribe(described.stdout)
    expect(rows).toHaveLength(3)
    for (const row of rows) {
      expect(row.currentOffset).toBe(BigInt(endOffsets[`${topic}-${row.partition}`] ?? -1))
      expect(row.logEndOffset).toBe(row.currentOffset)
      expect(row.lag).toBe(0n)
    }
    expect(rows.reduce((sum, row) => sum + (row.currentOffset ?? 0n), 0n)).toBe(BigInt(records))
  })
})

describe('producer patient transactions', () => {
  it('leaves the last stable offset below the high watermark with an open transaction', async () => {
    const topic = 'patients-open-transaction'
    await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
    // Two committed transactions of 25 (each followed by a commit marker), then 10 records left open:
    // offsets 0-24, marker 25, 26-50, marker 51, open records 52-61. HW = 62, LSO = 52.
    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic,
      count: 60,
      transactionalId: 'patients-open',
      transactionSize: 25,
      endWith: 'open',
    })
    started.push(producer)
    await producer.awaitEvent((event) => event.event === 'transaction-open', { timeoutMs: 60_000 })

    const offsets = await kafka.runTool('kafka-get-offsets', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--topic',
      topic,
    ])
    expect(offsets.stdout.trim()).toBe(`${topic}:0:62`)

    const committedReader = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      assign: [`${topic}:0`],
      props: { 'isolation.level': 'read_committed' },
      statusIntervalMs: 200,
    })
    const uncommittedReader = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      assign: [`${topic}:0`],
      statusIntervalMs: 200,
    })
    started.push(committedReader, uncommittedReader)
    const topicPartition = `${topic}-0`
    await committedReader.awaitEvent(
      statusWith(
        (event) =>
          event.consumed === 50 && (event.positions as Record<string, number>)[topicPartition] === 52,
      ),
    )
    await uncommittedReader.awaitEvent(
      statusWith(
        (event) =>
          event.consumed === 60 && (event.positions as Record<string, number>)[topicPartition] === 62,
      ),
    )
    // The read_committed reader stays at the LSO while the transaction is open.
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const last = [...committedReader.events].reverse().find((event) => event.event === 'status')
    expect(last).toMatchObject({ consumed: 50, positions: { [topicPartition]: 52 } })
    expect((await producer.stop()).code).toBe(0)
  })
})

describe('producer patient options', () => {
  it('writes batches with the requested compression and key pattern', async () => {
    const topic = 'patients-zstd'
    await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic,
      count: 30,
      compression: 'zstd',
      keyPattern: 'mod:3',
      valueSize: 50,
    })
    expect((await producer.result()).exit.code).toBe(0)
    const leader = (await kafka.metadata({ topics: [topic] })).topics[0]?.partitions[0]?.leader ?? 1
    const segment = join(kafka.dataDir(leader), `${topic}-0`, '00000000000000000000.log')
    const dump = await kafka.runTool('kafka-dump-log', ['--files', segment, '--print-data-log'])
    expect(dump.code).toBe(0)
    expect(dump.stdout).toMatch(/compresscodec: ZSTD/i)
    const keys = [...dump.stdout.matchAll(/key: (key-\d+)/g)].map((match) => match[1])
    expect(keys).toHaveLength(30)
    expect(new Set(keys)).toEqual(new Set(['key-0', 'key-1', 'key-2']))
  })
})

const otherJdk = '/usr/lib/jvm/temurin-25-jdk-amd64'

describe('patients on another JDK', () => {
  it.skipIf(!existsSync(otherJdk))('run under the JDK given as javaHome', async () => {
    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic: 'patients-jdk',
      count: 0,
      javaHome: otherJdk,
    })
    const ready = producer.events.find((event) => event.event === 'ready')
    expect(String(ready?.javaVersion)).toMatch(/^25\b/)
    const seen: string[] = []
    for await (const line of producer.lines()) seen.push(line.event)
    expect(seen).toEqual(['ready', 'done'])
    expect((await producer.result()).exit.code).toBe(0)
  })
})

describe('consumer patient modes', () => {
  it('polls hundreds of times a second with poll-zero and at most twice with normal', async () => {
    const topic = 'patients-modes'
    await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
    // Polls per second between the status lines at >= 1 s and >= 3 s, by the patient's own clock. One
    // patient at a time: the spinning one takes a whole core.
    const pollRate = async (mode: 'poll-zero' | 'normal') => {
      const patient = await startConsumerPatient({ bootstrap: kafka.bootstrap, assign: [`${topic}:0`], mode })
      started.push(patient)
      const at = (seconds: number) =>
        patient.awaitEvent(statusWith((event) => Number(event.elapsedMs) >= seconds * 1000))
      const [first, second] = [await at(1), await at(3)]
      await patient.stop()
      return (
        (Number(second.polls) - Number(first.polls)) /
        ((Number(second.elapsedMs) - Number(first.elapsedMs)) / 1000)
      )
    }
    const normalRate = await pollRate('normal')
    const spinRate = await pollRate('poll-zero')
    // An idle poll(500 ms) returns at most about twice a second; poll(0) returns at once, every time.
    expect(normalRate).toBeGreaterThan(0)
    expect(normalRate).toBeLessThanOrEqual(2.5)
    expect(spinRate).toBeGreaterThan(100)
  })

  it('spends the configured time per record in the heavy deserializer', async () => {
    const topic = 'patients-heavy'
    await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
    await kafka.produce(
      topic,
      Array.from({ length: 40 }, (_, index) => `record-${index}`),
    )
    const heavy = await startConsumerPatient({
      bootstrap: kafka.bootstrap,
      assign: [`${topic}:0`],
      mode: 'heavy-deserializer',
      deserializerCostUs: 25_000,
      maxRecords: 40,
    })
    started.push(heavy)
    const closed = await heavy.awaitEvent((event) => event.event === 'closed', { timeoutMs: 60_000 })
    expect(closed.consumed).toBe(40)
    // 40 records at 25 ms each cannot take less than one second of deserialization.
    const finalStatus = [...heavy.events].reverse().find((event) => event.event === 'status')
    expect(Number(finalStatus?.elapsedMs)).toBeGreaterThanOrEqual(1000)
    expect((await heavy.exited).code).toBe(0)
  })
})

function sameOffsets(actual: unknown, expected: Record<string, number>): boolean {
  if (!actual || typeof actual !== 'object') return false
  const entries = Object.entries(actual as Record<string, unknown>)
  return (
    entries.length === Object.keys(expected).length &&
    entries.every(([tp, offset]) => expected[tp] === offset)
  )
}
