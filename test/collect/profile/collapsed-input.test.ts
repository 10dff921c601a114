import { describe, expect, it } from 'vitest'
import { foldedText } from '../../../src/analyse/threads/fold.js'
import {
  normaliseFrame,
  parseCollapsed,
  profileFromCollapsed,
} from '../../../src/collect/profile/collapsed-input.js'
import { BadInputError } from '../../../src/errors.js'

// async-profiler `-t -o collapsed` style: thread frame `[name tid=N]` first, slashed class names,
// `_[j]` / `_[i]` frame-type suffixes (written here by hand from the documented format).
const asyncProfiler = [
  '[main tid=4242];java/lang/Thread.run_[j];org/apache/kafka/clients/consumer/KafkaConsumer.poll_[j];org/apache/kafka/clients/NetworkClient.poll_[j];org/apache/kafka/common/network/Selector.poll_[i];sun/nio/ch/EPoll.wait_[j];epoll_wait_[k] 900',
  '[main tid=4242];java/lang/Thread.run_[j];org/apache/kafka/clients/consumer/KafkaConsumer.poll_[j];org/apache/kafka/clients/NetworkClient.poll_[j];org/apache/kafka/clients/Metadata.update_[j] 100',
  '[GC Thread#0 tid=4243];thread_native_entry;GCTaskThread::run 5',
].join('\n')

describe('parseCollapsed', () => {
  it('reads async-profiler output: thread frames, slashed names, type suffixes', () => {
    const p = parseCollapsed(asyncProfiler)
    expect(p.perThread).toBe(true)
    expect(p.totalWeight).toBe(1005)
    expect(p.stacks[0]).toEqual({
      frames: [
        'main',
        'java.lang.Thread.run',
        'org.apache.kafka.clients.consumer.KafkaConsumer.poll',
        'org.apache.kafka.clients.NetworkClient.poll',
        'org.apache.kafka.common.network.Selector.poll',
        'sun.nio.ch.EPoll.wait',
        'epoll_wait',
      ],
      weight: 900,
    })
    expect(p.stacks[2]?.frames).toEqual(['GC Thread#0', 'thread_native_entry', 'GCTaskThread::run'])
  })

  it('reads FlameGraph stackcollapse-jstack output, whose root frame is the thread name', () => {
    const p = parseCollapsed(
      'busy-spinner;java.lang.Thread.run;ThreadPatient.spin 12\nmain;ThreadPatient.main 3\n',
    )
    expect(p.perThread).toBe(true)
    expect(p.stacks.map((s) => s.frames[0])).toEqual(['busy-spinner', 'main'])
  })

  it('puts thread-less stacks under one root, rounds decimal counts, ignores a differential column', () => {
    const p = parseCollapsed('start_thread;java/lang/Thread.run;Foo.bar 2.6\nstart_thread;Foo.baz 3 7\n')
    expect(p.perThread).toBe(false)
    expect(p.stacks).toEqual([
      { frames: ['all threads', 'start_thread', 'java.lang.Thread.run', 'Foo.bar'], weight: 3 },
      { frames: ['all threads', 'start_thread', 'Foo.baz'], weight: 3 },
    ])
  })

  it('skips bad lines with a warning and rejects a file with none good', () => {
    const p = parseCollapsed('a;b 1\nnot a stack line\n', 'x.folded')
    expect(p.warnings).toEqual([
      "x.folded: 1 line(s) are not 'stack count' and were skipped (first at line 2)",
    ])
    expect(() => parseCollapsed('hello world\n')).toThrow(BadInputError)
    expect(() => parseCollapsed('')).toThrow(/not a collapsed-stack file/)
  })

  it('reads back what kafka-doctor writes', () => {
    const stacks = [
      { frames: ['main', 'java.lang.Thread.run', 'Foo.bar'], weight: 10 },
      { frames: ['worker-1', 'Foo.baz'], weight: 4 },
    ]
    expect(parseCollapsed(foldedText(stacks)).stacks).toEqual(stacks)
  })
})

describe('profileFromCollapsed', () => {
  it('builds threads, classifications and hot methods from collapsed stacks', () => {
    const p = profileFromCollapsed(asyncProfiler, { source: 'ap.collapsed' })
    expect(p.weightUnit).toBe('samples')
    expect(p.threads.map((t) => [t.name, t.weight, t.kind])).toEqual([
      ['main', 1000, 'kafka-poll'],
      ['GC Thread#0', 5, 'gc'],
    ])
    expect(p.hotMethods[0]).toMatchObject({
      method: 'epoll_wait',
      self: 900,
      selfPercent: 89.55,
      kafka: false,
    })
    expect(
      p.hotMethods.find((m) => m.method === 'org.apache.kafka.clients.NetworkClient.poll'),
    ).toMatchObject({
      self: 0,
      total: 1000,
      kafka: true,
    })
  })

  it('filters by thread name', () => {
    const p = profileFromCollapsed(asyncProfiler, { thread: 'GC' })
    expect(p.totalWeight).toBe(5)
    expect(p.threadFilter).toBe('GC')
  })
})

describe('normaliseFrame', () => {
  it.each([
    ['java/lang/Thread.run_[j]', 'java.lang.Thread.run'],
    ['org/apache/kafka/common/network/Selector.poll_[i]', 'org.apache.kafka.common.network.Selector.poll'],
    ['epoll_wait_[k]', 'epoll_wait'],
    ['GCTaskThread::run', 'GCTaskThread::run'],
    ['libjvm.so', 'libjvm.so'],
  ])('%s → %s', (raw, normalised) => {
    expect(normaliseFrame(raw)).toBe(normalised)
  })
})
