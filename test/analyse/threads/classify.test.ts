import { describe, expect, it } from 'vitest'
import { classifyThread } from '../../../src/analyse/threads/classify.js'
import { parseThreadDump } from '../../../src/collect/threads/thread-dump.js'
import type { DumpedThread, StackFrame } from '../../../src/collect/threads/thread-dump-types.js'
import { readFixture } from '../../support/fixtures.js'

const jdk8 = parseThreadDump(readFixture('thread-dumps', 'jdk8-constructed-kafka-consumer.txt'))
const jdk17 = parseThreadDump(readFixture('thread-dumps', 'jdk17-jcmd-a.txt'))
const find = (name: string, dump = jdk8) => dump.threads.find((t) => t.name === name)!

/** A Java thread whose stack is given innermost frame first, as dumps print it. */
function javaThread(
  name: string,
  methods: string[],
  state: DumpedThread['state'] = 'RUNNABLE',
): DumpedThread {
  const frames: StackFrame[] = methods.map((method) => ({ method, location: '' }))
  return { name, javaId: 20, daemon: false, state, frames, locks: [], ownableSynchronizers: [] }
}

describe('classifyThread: Kafka poll/network is decided by CPU, not by state', () => {
  const main = find('main')

  it('calls a consumer RUNNABLE in epoll at ~0% CPU idle', () => {
    const c = classifyThread({ name: 'main', dumped: main, cpuPercent: 0.4 })
    expect(c.kind).toBe('kafka-poll-idle')
    expect(c.label).toBe('Kafka poll/network: idle (waiting in epoll)')
    expect(c.kafka).toBe(true)
    expect(c.busy).toBe(false)
  })

  it('calls the very same stack SPINNING when the thread burns CPU', () => {
    const c = classifyThread({ name: 'main', dumped: main, cpuPercent: 97 })
    expect(c.kind).toBe('kafka-poll-spinning')
    expect(c.label).toBe('Kafka poll/network: SPINNING')
    expect(c.reason).toContain('97.0% of a core while in Selector.select (waiting in epoll)')
  })

  it('says it cannot tell when CPU is unknown', () => {
    expect(classifyThread({ name: 'main', dumped: main }).kind).toBe('kafka-poll')
  })

  it('uses the spin threshold given', () => {
    const c = classifyThread(
      { name: 'main', dumped: main, cpuPercent: 12 },
      { busyCpuPercent: 5, spinCpuPercent: 10 },
    )
    expect(c.kind).toBe('kafka-poll-spinning')
  })

  it('counts utility frames reached from KafkaConsumer.poll as the poll loop', () => {
    const t = javaThread('consumer', [
      'org.apache.kafka.common.utils.SystemTime.milliseconds',
      'org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer.poll',
      'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
      'com.example.Loop.run',
    ])
    expect(classifyThread({ name: 'consumer', dumped: t, cpuPercent: 90 }).kind).toBe('kafka-poll-spinning')
  })
})

describe('classifyThread: coordinator calls inside poll()', () => {
  const pollLoop = [
    'org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer.updateAssignmentMetadataIfNeeded',
    'org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer.poll',
    'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
    'kafkadoctor.patients.ConsumerPatient.run',
  ]

  it('counts routine coordinator work done by a spinning poll(0) loop as the poll loop', () => {
    // Captured from a poll(Duration.ZERO) patient: each turn passes through the auto-commit check.
    const t = javaThread('main', [
      'org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.maybeAutoCommitOffsetsAsync',
      'org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.poll',
      ...pollLoop,
    ])
    expect(classifyThread({ name: 'main', dumped: t, cpuPercent: 85 }).kind).toBe('kafka-poll-spinning')
  })

  it('keeps a poll() that is finding the coordinator or rejoining the group as coordinator work', () => {
    const t = javaThread('main', [
      'org.apache.kafka.clients.consumer.internals.ConsumerNetworkClient.poll',
      'org.apache.kafka.clients.consumer.internals.AbstractCoordinator.ensureCoordinatorReady',
      'org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.poll',
      ...pollLoop,
    ])
    expect(classifyThread({ name: 'main', dumped: t, cpuPercent: 85 }).kind).toBe('kafka-coordinator')
  })
})

describe('classifyThread: other Kafka threads', () => {
  it('puts a thread in CompletedFetch.parseRecord → a user Deserializer under fetch/deserialization', () => {
    const t = javaThread('consumer', [
      'java.lang.String.split',
      'com.example.HeavyDeserializer.deserialize',
      'org.apache.kafka.common.serialization.Deserializer.deserialize',
      'org.apache.kafka.clients.consumer.internals.CompletedFetch.parseRecord',
      'org.apache.kafka.clients.consumer.internals.CompletedFetch.fetchRecords',
      'org.apache.kafka.clients.consumer.internals.FetchCollector.fetchRecords',
      'org.apache.kafka.clients.consumer.internals.FetchCollector.collectFetch',
      'org.apache.kafka.clients.consumer.internals.ClassicKafkaConsumer.pollForFetches',
      'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
    ])
    const c = classifyThread({ name: 'consumer', dumped: t, cpuPercent: 95 })
    expect(c.kind).toBe('kafka-fetch-deserialization')
    expect(c.label).toBe('Kafka fetch/deserialization in HeavyDeserializer.deserialize')
  })

  it('recognises the heartbeat thread and the KIP-848 background thread by name', () => {
    expect(
      classifyThread({
        name: find('kafka-coordinator-heartbeat-thread | doctor-group').name,
        dumped: find('kafka-coordinator-heartbeat-thread | doctor-group'),
        cpuPercent: 0,
      }).kind,
    ).toBe('kafka-coordinator')
    const bg = javaThread('consumer_background_thread', [
      'sun.nio.ch.EPoll.wait',
      'org.apache.kafka.common.network.Selector.poll',
      'org.apache.kafka.clients.consumer.internals.ConsumerNetworkThread.run',
    ])
    const c = classifyThread({ name: 'consumer_background_thread', dumped: bg, cpuPercent: 60 })
    expect(c).toMatchObject({ kind: 'kafka-background-thread', busy: true, kafka: true })
  })

  it('calls a network wait driven by the group coordinator a coordinator wait', () => {
    const t = javaThread('consumer', [
      'sun.nio.ch.EPoll.wait',
      'org.apache.kafka.common.network.Selector.poll',
      'org.apache.kafka.clients.NetworkClient.poll',
      'org.apache.kafka.clients.consumer.internals.ConsumerNetworkClient.poll',
      'org.apache.kafka.clients.consumer.internals.AbstractCoordinator.ensureCoordinatorReady',
      'org.apache.kafka.clients.consumer.internals.ConsumerCoordinator.poll',
      'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
    ])
    expect(classifyThread({ name: 'consumer', dumped: t, cpuPercent: 1 }).kind).toBe('kafka-coordinator')
  })
})

describe('classifyThread: JVM threads, user code, idle', () => {
  it.each([
    ['GC Thread#0', 'gc'],
    ['G1 Conc#0', 'gc'],
    ['GC task thread#0 (ParallelGC)', 'gc'],
    ['C2 CompilerThread0', 'jit'],
    ['C1 CompilerThre', 'jit'],
    ['VM Thread', 'vm-other'],
    ['Attach Listener', 'vm-other'],
  ])('%s → %s', (name, kind) => {
    const dumped = jdk17.threads.find((t) => t.name === name) ?? jdk8.threads.find((t) => t.name === name)
    expect(classifyThread({ name, ...(dumped ? { dumped } : {}), cpuPercent: 30 }).kind).toBe(kind)
  })

  it('calls a busy non-Kafka thread user code, naming its first non-JDK frame', () => {
    const c = classifyThread({
      name: 'busy-deserializer',
      dumped: find('busy-deserializer', jdk17),
      cpuPercent: 88,
    })
    expect(c.kind).toBe('user-code')
    expect(c.reason).toBe('88.0% of a core in ThreadPatient$RecordDecoder.decode')
  })

  it('calls a quiet non-Kafka thread idle, whatever its state', () => {
    expect(classifyThread({ name: 'sleeper', dumped: find('sleeper', jdk17), cpuPercent: 0 })).toMatchObject({
      kind: 'idle',
      reason: '0.0% of a core (TIMED_WAITING, sleeping)',
    })
    expect(
      classifyThread({ name: 'busy-spinner', dumped: find('busy-spinner', jdk17), cpuPercent: 1 }).kind,
    ).toBe('idle')
  })
})
