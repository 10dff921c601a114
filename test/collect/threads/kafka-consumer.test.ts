import { mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { profileJvm } from '../../../src/collect/profile/profile-jvm.js'
import { sampleThreads } from '../../../src/collect/threads/sample-threads.js'
import { writeProfileFiles } from '../../../src/report/profile-files.js'
import { withChromium } from '../../support/chromium.js'
import { waitForJitToSettle } from '../../support/java-programs.js'
import { sharedCluster } from '../../support/kafka.js'
import { type Patient, runProducerPatient, startConsumerPatient } from '../../support/patients.js'

// Real Java consumers (kafka-clients 3.9 from Maven Central) against the real 3-broker cluster. The
// consumer's poll loop runs on the JVM's `main` thread.
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
const patients: Patient[] = []
afterEach(async () => {
  await Promise.all(patients.splice(0).map((p) => p.stop()))
})

async function consumer(options: Parameters<typeof startConsumerPatient>[0]): Promise<Patient> {
  const patient = await startConsumerPatient(options)
  patients.push(patient)
  await patient.awaitEvent(
    (e) => e.event === 'assigned' && Array.isArray(e.partitions) && e.partitions.length > 0,
    {
      timeoutMs: 60_000,
    },
  )
  return patient
}

describe('threads against real Kafka consumers', () => {
  it('a poll(Duration.ZERO) consumer with fetch.max.wait.ms=0 on an empty topic: main thread on top, SPINNING', async () => {
    const kafka = await sharedCluster()
    await kafka.createTopic('threads-spin', { partitions: 1 })
    const patient = await consumer({
      bootstrap: kafka.bootstrap,
      topics: ['threads-spin'],
      group: 'threads-spin',
      mode: 'poll-zero',
      props: { 'fetch.max.wait.ms': '0' },
    })
    await waitForJitToSettle(patient.pid)
    const result = await sampleThreads({ pid: patient.pid, intervalMs: 1000, rounds: 3, top: 5 })
    const top = result.hottest[0]!
    expect(top.name).toBe('main')
    // CPU plus run-queue wait: what the thread wanted (other work shares the two cores).
    expect(top.meanCpuPercent! + (top.runQueuePercent ?? 0)).toBeGreaterThan(30)
    expect(top.classification.kind).toBe('kafka-poll-spinning')
    expect(top.classification.label).toBe('Kafka poll/network: SPINNING')
    expect(top.frames.some((f) => f.method === 'org.apache.kafka.clients.consumer.KafkaConsumer.poll')).toBe(
      true,
    )
    // Nothing else in the JVM is called spinning.
    expect(result.hottest.slice(1).filter((t) => t.classification.kind === 'kafka-poll-spinning')).toEqual([])
  })

  it('a consumer burning CPU in a heavy deserializer: main thread on top, fetch/deserialization', async () => {
    const kafka = await sharedCluster()
    await kafka.createTopic('threads-heavy', { partitions: 1 })
    const producer = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic: 'threads-heavy',
      count: 20_000,
    })
    await producer.result()
    const patient = await consumer({
      bootstrap: kafka.bootstrap,
      topics: ['threads-heavy'],
      group: 'threads-heavy',
      mode: 'heavy-deserializer',
      props: { 'auto.offset.reset': 'earliest' },
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) > 0, { timeoutMs: 60_000 })
    await waitForJitToSettle(patient.pid)
    const result = await sampleThreads({ pid: patient.pid, intervalMs: 1000, rounds: 3, top: 5 })
    const top = result.hottest[0]!
    expect(top.name).toBe('main')
    // CPU plus run-queue wait: what the thread wanted (other work shares the two cores).
    expect(top.meanCpuPercent! + (top.runQueuePercent ?? 0)).toBeGreaterThan(30)
    expect(top.classification.kind).toBe('kafka-fetch-deserialization')
    // The label names the user's deserializer when the dump caught the thread inside it (almost always:
    // that is where the CPU goes), not when it was caught in Kafka's own record-parsing frames.
    expect(top.classification.label).toMatch(
      /^Kafka fetch\/deserialization( in HeavyDeserializer\.deserialize)?$/,
    )
    const stacks = result.rounds.map((r) =>
      r.dump!.threads.find((t) => t.name === 'main')!.frames.map((f) => f.method),
    )
    expect(stacks.some((s) => s.includes('kafkadoctor.patients.HeavyDeserializer.deserialize'))).toBe(true)
    expect(result.hottest.filter((t) => t.classification.kind === 'kafka-poll-spinning')).toEqual([])
  })

  it('a healthy idle consumer: idle in epoll, nothing spinning', async () => {
    const kafka = await sharedCluster()
    await kafka.createTopic('threads-idle', { partitions: 1 })
    const patient = await consumer({
      bootstrap: kafka.bootstrap,
      topics: ['threads-idle'],
      group: 'threads-idle',
      mode: 'normal',
    })
    const result = await sampleThreads({ pid: patient.pid, intervalMs: 1000, rounds: 2, top: 50 })
    const all = result.rounds.flatMap((r) => r.threads)
    expect(all.filter((t) => t.classification.kind === 'kafka-poll-spinning')).toEqual([])
    const main = result.hottest.find((t) => t.name === 'main')!
    expect(main.classification.kind).toBe('kafka-poll-idle')
    expect(main.meanCpuPercent!).toBeLessThan(5)
    const heartbeat = result.hottest.find((t) => t.name.startsWith('kafka-coordinator-heartbeat-thread'))
    expect(heartbeat?.classification.kind).toBe('kafka-coordinator')
  })

  it('profiles a spinning consumer: Kafka frames dominate, and the flame graph page opens', async () => {
    const kafka = await sharedCluster()
    await kafka.createTopic('threads-profile', { partitions: 1 })
    const patient = await consumer({
      bootstrap: kafka.bootstrap,
      topics: ['threads-profile'],
      group: 'threads-profile',
      mode: 'poll-zero',
      props: { 'fetch.max.wait.ms': '0' },
    })
    await waitForJitToSettle(patient.pid)
    const profile = await profileJvm({ pid: patient.pid, durationMs: 3000, rate: 10 })
    const main = profile.threads.find((t) => t.name === 'main')!
    expect(profile.threads.slice(0, 2)).toContain(main) // the JIT may still be warming up
    expect(main.kind).toBe('kafka-poll-spinning')
    const poll = profile.hotMethods.find(
      (m) => m.method === 'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
    )!
    expect(poll.kafka).toBe(true)
    expect(poll.totalPercent).toBeGreaterThan(30)

    const files = await writeProfileFiles(
      profile,
      mkdtempSync(join(tmpdir(), 'kd-kafka-')),
      'spinning consumer',
      'test',
    )
    await withChromium(async (context) => {
      const page = await context.newPage()
      const problems: string[] = []
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text())
      })
      page.on('pageerror', (e) => problems.push(e.message))
      await page.goto(`file://${files.html}`)
      await page.waitForSelector('body[data-ready="true"]', { timeout: 10_000 })
      await page.click('#kafka')
      mkdirSync(join(repo, 'test-artifacts'), { recursive: true })
      await page.screenshot({
        path: join(repo, 'test-artifacts', 'flame-graph-spinning-consumer.png'),
        fullPage: true,
      })
      expect(problems).toEqual([])
    })
  })
})
