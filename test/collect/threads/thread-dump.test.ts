import { describe, expect, it } from 'vitest'
import {
  jdkMajorFromVm,
  parseThreadDump,
  parseThreadDumps,
} from '../../../src/collect/threads/thread-dump.js'
import { BadInputError } from '../../../src/errors.js'
import { readFixture } from '../../support/fixtures.js'

const dump = (name: string) => parseThreadDump(readFixture('thread-dumps', name))
const thread = (file: string, name: string) => {
  const t = dump(file).threads.find((x) => x.name === name)
  if (!t) throw new Error(`${name} not in ${file}`)
  return t
}

describe('parseThreadDump on real dumps of each JDK', () => {
  it.each([
    ['jdk11-jcmd.txt', 11, 22, 0x26a0, 1196.36],
    ['jdk11-jstack.txt', 11, 22, 0x26a0, 1668.54],
    ['jdk17-jcmd-a.txt', 17, 24, 0x2529, 15746.55],
    ['jdk17-jstack.txt', 17, 24, 0x2529, 16169.28],
    ['jdk21-jcmd.txt', 21, 23, 9881, 808.7],
    ['jdk21-jstack.txt', 21, 23, 9881, 3569.5],
    ['jdk25-jcmd.txt', 25, 23, 9856, 1247.17],
  ])('%s: JDK %i, %i threads, busy-spinner nid and cpu=', (file, major, count, nid, cpuMs) => {
    const d = dump(file)
    expect(d.jdkMajor).toBe(major)
    expect(d.complete).toBe(true)
    expect(d.warnings).toEqual([])
    expect(d.threads).toHaveLength(count)
    const spinner = d.threads.find((t) => t.name === 'busy-spinner')
    expect(spinner).toMatchObject({ osTid: nid, cpuMs, daemon: true, state: 'RUNNABLE', status: 'runnable' })
    expect(spinner?.frames[0]).toEqual({ method: 'ThreadPatient.spin', location: 'ThreadPatient.java:42' })
    // Every thread of these dumps has an OS tid to join /proc with.
    expect(d.threads.filter((t) => t.osTid === undefined)).toEqual([])
  })

  it('reads hex nids (JDK ≤17) and decimal nids with [tid] (JDK 21+) to the same kind of number', () => {
    expect(thread('jdk17-jcmd-a.txt', 'main').osTid).toBe(0x2517)
    expect(thread('jdk21-jcmd.txt', 'main')).toMatchObject({ javaId: 1, osTid: 9815 })
    expect(thread('jdk25-jcmd.txt', 'main')).toMatchObject({ javaId: 3, osTid: 9809 })
  })

  it('reads VM and GC threads, which have no Java id, priority or state', () => {
    const gc = thread('jdk17-jcmd-a.txt', 'GC Thread#0')
    expect(gc).toEqual({
      name: 'GC Thread#0',
      daemon: false,
      osPriority: 0,
      cpuMs: 43.2,
      elapsedS: 36.57,
      osTid: 0x2518,
      status: 'runnable',
      frames: [],
      locks: [],
      ownableSynchronizers: [],
    })
  })

  it('reads a JDK 21 carrier thread that prints no nid but its [tid] and the virtual thread it carries', () => {
    const carrier = thread('jdk21-jcmd-virtual.txt', 'ForkJoinPool-1-worker-1')
    expect(carrier).toMatchObject({ javaId: 19, osTid: 9879, cpuMs: 665.81, carryingVirtualThread: 18 })
    expect(carrier.state).toBeUndefined()
    expect(carrier.status).toBeUndefined()
    expect(carrier.frames[0]?.method).toBe('jdk.internal.vm.Continuation.run')
  })

  it('keeps lock lines with the frame they belong to, states with their detail, and compile tasks', () => {
    const finalizer = thread('jdk17-jcmd-a.txt', 'Finalizer')
    expect(finalizer.state).toBe('WAITING')
    expect(finalizer.stateDetail).toBe('on object monitor')
    expect(finalizer.locks[0]).toEqual({
      frame: 0,
      kind: 'waiting-on',
      address: '0x0000000687400520',
      className: 'java.lang.ref.ReferenceQueue$Lock',
    })
    expect(thread('jdk21-jcmd-virtual.txt', 'ForkJoinPool-1-worker-2').locks[0]?.kind).toBe('parking')
    expect(thread('jdk17-jcmd-a.txt', 'sleeper').stateDetail).toBe('sleeping')
    expect(thread('jdk17-jcmd-a.txt', 'C2 CompilerThread0').compileTask).toBe('No compile task')
  })

  it('reads the JDK 8 header format (no cpu=, HotSpot 25.x version) from the constructed fixture', () => {
    const d = dump('jdk8-constructed-kafka-consumer.txt')
    expect(d.jdkMajor).toBe(8)
    expect(d.threads).toHaveLength(13)
    const main = d.threads.find((t) => t.name === 'main')
    expect(main).toMatchObject({ javaId: 1, osTid: 0x2ef6, priority: 5, osPriority: 0, state: 'RUNNABLE' })
    expect(main?.cpuMs).toBeUndefined()
    expect(main?.frames[0]?.method).toBe('sun.nio.ch.EPollArrayWrapper.epollWait')
    expect(main?.locks.map((l) => l.frame)).toEqual([3, 3, 3])
    expect(d.threads.find((t) => t.name === 'GC task thread#0 (ParallelGC)')?.osTid).toBe(0x2ef8)
    expect(d.threads.find((t) => t.name.startsWith('kafka-coordinator'))?.name).toBe(
      'kafka-coordinator-heartbeat-thread | doctor-group',
    )
  })
})

describe('bad input', () => {
  it('keeps the threads of a truncated dump and says it is truncated', () => {
    const d = dump('truncated-jdk21.txt')
    expect(d.complete).toBe(false)
    expect(d.threads.map((t) => t.name)).toContain('busy-spinner')
    expect(d.warnings[0]).toMatch(/truncated.*after 11 threads/)
  })

  it('rejects text that is not a dump', () => {
    expect(() => parseThreadDump(readFixture('thread-dumps', 'garbage.txt'))).toThrow(BadInputError)
    expect(() => parseThreadDump('')).toThrow(/not a thread dump/)
  })

  it('skips a deadlock report whose lines also start with a quoted thread name', () => {
    const text = `${readFixture('thread-dumps', 'jdk17-jcmd-a.txt')}\nFound one Java-level deadlock:\n=============================\n"Thread-1":\n  waiting to lock monitor 0x00007f (object 0x000000, a java.lang.Object),\n  which is held by "Thread-0"\n`
    const d = parseThreadDump(text)
    expect(d.threads).toHaveLength(24)
    expect(d.warnings).toEqual([])
  })

  it('splits concatenated dumps (the poor man’s profiler habit)', () => {
    const text =
      readFixture('thread-dumps', 'jdk17-jcmd-a.txt') + readFixture('thread-dumps', 'jdk17-jcmd-b.txt')
    const dumps = parseThreadDumps(text)
    expect(dumps).toHaveLength(2)
    expect(dumps.map((d) => d.printedAt)).toEqual(['2026-11-25 08:38:21', '2026-11-25 08:38:24'])
    expect(parseThreadDump(text).warnings).toEqual([
      'the input holds 2 thread dumps; only the first was used',
    ])
  })

  it('handles CRLF line ends and thread names with quotes', () => {
    const text =
      '"a "quoted" name" #5 prio=5 os_prio=0 cpu=1.00ms elapsed=2.00s tid=0x1 nid=0x10 runnable  [0x2]\r\n   java.lang.Thread.State: RUNNABLE\r\n\tat Foo.bar(Foo.java:1)\r\n\r\nJNI global refs: 1, weak refs: 0\r\n'
    const d = parseThreadDump(text)
    expect(d.threads[0]).toMatchObject({
      name: 'a "quoted" name',
      osTid: 16,
      frames: [{ method: 'Foo.bar' }],
    })
    expect(d.complete).toBe(true)
  })
})

describe('jdkMajorFromVm', () => {
  it.each([
    ['OpenJDK 64-Bit Server VM (25.412-b08 mixed mode)', 8],
    ['Java HotSpot(TM) 64-Bit Server VM (24.80-b11 mixed mode)', 7],
    ['OpenJDK 64-Bit Server VM (11.0.13+8 mixed mode)', 11],
    ['OpenJDK 64-Bit Server VM (25.0.3+9-LTS mixed mode, sharing)', 25],
    ['OpenJDK 64-Bit Server VM (17.0.15+6-Debian-1deb12u1 mixed mode, sharing)', 17],
  ])('%s → %i', (vm, major) => {
    expect(jdkMajorFromVm(vm)).toBe(major)
  })
})
