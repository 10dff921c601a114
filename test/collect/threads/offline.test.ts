import { describe, expect, it } from 'vitest'
import { cpuFromDumps } from '../../../src/collect/threads/dump-cpu.js'
import { analyseThreadFiles } from '../../../src/collect/threads/offline.js'
import { parseThreadDump } from '../../../src/collect/threads/thread-dump.js'
import { parseTopOutput } from '../../../src/collect/threads/top-output.js'
import { BadInputError } from '../../../src/errors.js'
import { fixturePath, readFixture } from '../../support/fixtures.js'

const dumpFile = (name: string) => ({
  text: readFixture('thread-dumps', name),
  source: fixturePath('thread-dumps', name),
})

describe('parseTopOutput (a real top -H -b -n 2 -d 1 -p PID)', () => {
  it('reads both iterations and the threads of the last one', () => {
    const iterations = parseTopOutput(readFixture('thread-dumps', 'jdk17-top-H.txt'))
    expect(iterations).toHaveLength(2)
    const last = iterations[1]!
    expect(last.rows).toHaveLength(25)
    expect(last.clockS! - iterations[0]!.clockS!).toBe(1)
    expect(last.rows.find((r) => r.tid === 9513)).toEqual({
      tid: 9513,
      cpuPercent: 11.8,
      state: 'R',
      command: 'busy-spin+',
    })
    expect(last.rows.find((r) => r.tid === 9496)?.command).toBe('GC Thread+')
  })

  it('rejects text without a top table', () => {
    expect(() => parseTopOutput('hello\n')).toThrow(BadInputError)
  })
})

describe('analyseThreadFiles', () => {
  it('joins saved top -H output with the dump taken after it, by nid', () => {
    const result = analyseThreadFiles({
      topText: readFixture('thread-dumps', 'jdk17-top-H.txt'),
      dumpTexts: [dumpFile('jdk17-jcmd-after-top.txt')],
      top: 3,
    })
    expect(result.cpuMethod).toBe('top-file')
    expect(result.jvm?.jdkMajor).toBe(17)
    expect(result.rounds[0]?.intervalMs).toBe(1000)
    expect(result.hottest.map((t) => [t.name, t.nidHex, t.meanCpuPercent, t.classification.kind])).toEqual([
      ['busy-spinner', '0x2529', 11.8, 'user-code'],
      ['busy-deserializer', '0x252b', 10.8, 'user-code'],
      ['Attach Listener', '0x2543', 0, 'vm-other'],
    ])
    expect(result.hottest[0]?.frames[0]?.method).toBe('ThreadPatient.spin')
    // top shows the thread-group leader (9493, the launcher thread) with the whole process's CPU
    // (22.5 = 11.8 + 10.8); it is not in the dump and is left out.
    expect(result.warnings).toEqual(['1 top rows are not threads of the dumped JVM and were ignored'])
  })

  it('computes per-thread CPU from the cpu= figures of two dumps (JDK 11+)', () => {
    const result = analyseThreadFiles({
      dumpTexts: [dumpFile('jdk17-jcmd-a.txt'), dumpFile('jdk17-jcmd-b.txt')],
      top: 2,
    })
    expect(result.cpuMethod).toBe('dump-cpu')
    expect(result.rounds).toHaveLength(1)
    const [first, second] = result.hottest
    expect(first?.name).toBe('busy-spinner')
    expect(second?.name).toBe('busy-deserializer')
    // The machine was shared by five spinning JVMs when these dumps were recorded.
    expect([first?.cpuMs, first?.meanCpuPercent]).toEqual([258.84, 9.082])
    expect(result.rounds[0]!.intervalMs).toBe(2850)
  })

  it('classifies by stack alone, and says so, from a single dump', () => {
    const result = analyseThreadFiles({ dumpTexts: [dumpFile('jdk8-constructed-kafka-consumer.txt')] })
    expect(result.cpuMethod).toBe('none')
    const main = result.rounds[0]!.threads.find((t) => t.name === 'main')
    expect(main?.classification.kind).toBe('kafka-poll')
    expect(result.warnings[0]).toMatch(/single dump has no CPU/)
  })

  it('keeps what a truncated dump holds and warns', () => {
    const result = analyseThreadFiles({ dumpTexts: [dumpFile('truncated-jdk21.txt')] })
    expect(result.rounds[0]!.dump!.complete).toBe(false)
    expect(result.warnings.some((w) => w.includes('truncated'))).toBe(true)
    expect(result.rounds[0]!.threads.map((t) => t.name)).toContain('busy-spinner')
  })
})

describe('cpuFromDumps', () => {
  it('takes the interval from the threads’ elapsed= difference', () => {
    const a = parseThreadDump(readFixture('thread-dumps', 'jdk17-jcmd-a.txt'))
    const b = parseThreadDump(readFixture('thread-dumps', 'jdk17-jcmd-b.txt'))
    const deltas = cpuFromDumps(a, b)
    const spinnerA = a.threads.find((t) => t.name === 'busy-spinner')!
    const spinnerB = b.threads.find((t) => t.name === 'busy-spinner')!
    const spinner = deltas.cpu.find((c) => c.tid === spinnerA.osTid)!
    expect(spinner.cpuMs).toBeCloseTo(spinnerB.cpuMs! - spinnerA.cpuMs!, 6)
    expect(deltas.intervalMs).toBeCloseTo((spinnerB.elapsedS! - spinnerA.elapsedS!) * 1000, 6)
    expect(deltas.withoutCpu).toBe(0)
  })
})
