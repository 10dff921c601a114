import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { takeThreadDump } from '../../../src/collect/threads/dump-runner.js'
import { attachThreadDump } from '../../../src/collect/threads/hotspot-attach.js'
import { inspectJvm } from '../../../src/collect/threads/jvm-target.js'
import { sampleThreads } from '../../../src/collect/threads/sample-threads.js'
import { parseThreadDump } from '../../../src/collect/threads/thread-dump.js'
import { BadInputError, NotFoundError, PermissionError } from '../../../src/errors.js'
import { type JavaProgram, startJavaProgram, waitForJitToSettle } from '../../support/java-programs.js'

// A real JVM whose threads do known things: one spins, one decodes records in a loop, one sleeps,
// one parks. The test machine has two cores shared with other work, so the thresholds are loose.
let jvm: JavaProgram

beforeAll(async () => {
  jvm = await startJavaProgram('ThreadPatient', ['spin', 'deserialize', 'sleep', 'park'])
  await waitForJitToSettle(jvm.pid)
})
afterAll(async () => {
  await jvm?.stop()
})

describe('sampleThreads against a real JVM', () => {
  it('puts the two busy threads on top, joined with their stacks, and the sleeper at ~0%', async () => {
    const result = await sampleThreads({ pid: jvm.pid, intervalMs: 1000, rounds: 2, top: 4 })
    expect(result.schema).toBe('kafka-doctor/threads@1')
    expect(result.cpuMethod).toBe('schedstat')
    expect(result.rounds).toHaveLength(2)
    expect(result.jvm?.jdkMajor).toBe(17)
    // The top two, unless the JIT is still busy (then the top three).
    const busy = result.hottest.slice(0, 3).filter((t) => t.name.startsWith('busy-'))
    expect(busy.map((t) => t.name).sort()).toEqual(['busy-deserializer', 'busy-spinner'])
    for (const t of busy) {
      // CPU plus run-queue wait: what the thread wanted, whatever else the machine runs.
      expect(t.meanCpuPercent! + (t.runQueuePercent ?? 0)).toBeGreaterThan(25)
      expect(t.classification.kind).toBe('user-code')
      expect(t.state).toBe('RUNNABLE')
      expect(t.nidHex).toBe(`0x${t.tid!.toString(16)}`)
      expect(t.frames.length).toBeGreaterThan(0)
    }
    const spinner = result.hottest.find((t) => t.name === 'busy-spinner')!
    expect(spinner.frames.map((f) => f.method)).toContain('ThreadPatient.spin')
    const round = result.rounds[1]!
    const sleeper = round.threads.find((t) => t.name === 'sleeper')!
    expect(sleeper.cpuPercent!).toBeLessThan(1)
    expect(sleeper.classification.kind).toBe('idle')
    expect(round.threads.find((t) => t.name.startsWith('GC Thread'))?.classification.kind).toBe('gc')
    // Every thread in /proc is joined to a dumped thread (the launcher thread is not in the dump).
    const unjoined = round.threads.filter((t) => t.dumpIndex === undefined)
    expect(unjoined.map((t) => t.tid)).toEqual([jvm.pid])
    expect(round.dumpText).toContain('Full thread dump')
    expect(JSON.parse(JSON.stringify(result))).toEqual(result)
  })
})

describe('dumps and attach', () => {
  it('takes the same dump through its own attach client as through jcmd', async () => {
    const target = inspectJvm(jvm.pid)
    const viaAttach = parseThreadDump(await attachThreadDump(target))
    const viaJcmd = await takeThreadDump(target)
    expect(viaJcmd.via).toMatch(/jcmd$/)
    const names = (d: ReturnType<typeof parseThreadDump>) =>
      d.threads.map((t) => t.name).filter((n) => n !== 'Attach Listener')
    expect(names(viaAttach)).toEqual(names(parseThreadDump(viaJcmd.text)))
  })

  it('dumps a JVM that runs as another user by running the tool as that user', async () => {
    const other = await startJavaProgram('ThreadPatient', ['spin'], { uid: 65534, gid: 65534 })
    try {
      const target = inspectJvm(other.pid)
      expect(target.user).toBe('nobody')
      const dump = await takeThreadDump(target)
      expect(parseThreadDump(dump.text).threads.map((t) => t.name)).toContain('busy-spinner')
      const profiled = await takeThreadDump(target, { preferAttach: true })
      expect(profiled.text).toContain('busy-spinner')
    } finally {
      await other.stop()
    }
  })

  it('says what to do when the JVM refuses attach (-XX:+DisableAttachMechanism)', async () => {
    const closed = await startJavaProgram('ThreadPatient', ['sleep'], {
      jvmArgs: ['-XX:+DisableAttachMechanism'],
    })
    try {
      const target = inspectJvm(closed.pid)
      const error = await takeThreadDump(target, { timeoutMs: 15_000 }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(PermissionError)
      expect((error as PermissionError).oneLine()).toMatch(
        new RegExp(
          `attach to JVM ${closed.pid} refused: .*the attach socket /tmp/.java_pid${closed.pid} is missing`,
        ),
      )
    } finally {
      await closed.stop()
    }
  })

  it('detects a JVM in another mount namespace and names the way in', async () => {
    const boxed = await startJavaProgram('ThreadPatient', ['sleep'], { wrapper: ['unshare', '--mount'] })
    try {
      const target = inspectJvm(boxed.pid)
      expect(target.otherMountNamespace).toBe(true)
      const { attachHint } = await import('../../../src/collect/threads/dump-runner.js')
      expect(attachHint(target)).toContain(`nsenter -t ${boxed.pid} -m -p`)
      // Its /tmp is reached through /proc/<pid>/root, so our own attach client still works.
      expect(await attachThreadDump(target)).toContain('"sleeper"')
    } finally {
      await boxed.stop()
    }
  })
})

describe('errors a user can cause', () => {
  it('no such pid', async () => {
    const error = await sampleThreads({ pid: 4_000_000 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as NotFoundError).oneLine()).toBe(
      'no such process 4000000: check the pid with `jps -l` or `pgrep -a java`',
    )
  })

  it('not a JVM', async () => {
    await expect(sampleThreads({ pid: process.pid })).rejects.toThrow(BadInputError)
    await expect(sampleThreads({ pid: process.pid })).rejects.toThrow(/is not a JVM: no libjvm.so is mapped/)
  })

  it('no JDK tools', async () => {
    const error = await sampleThreads({ pid: jvm.pid, intervalMs: 100, tools: [] }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect((error as NotFoundError).oneLine()).toMatch(/^no JDK tools found: .* or set JAVA_HOME$/)
  })

  it('attach from another non-root user', async () => {
    const target = inspectJvm(jvm.pid)
    await expect(takeThreadDump(target, { euid: 1234 })).rejects.toThrow(
      /JVM \d+ runs as root \(uid 0\) and kafka-doctor as uid 1234/,
    )
  })
})
