import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { foldedText } from '../../../src/analyse/threads/fold.js'
import { parseCollapsed } from '../../../src/collect/profile/collapsed-input.js'
import { profileJvm, threadMatcher } from '../../../src/collect/profile/profile-jvm.js'
import { type JavaProgram, startJavaProgram } from '../../support/java-programs.js'

let jvm: JavaProgram

beforeAll(async () => {
  jvm = await startJavaProgram('ThreadPatient', ['spin', 'deserialize', 'sleep', 'park'])
})
afterAll(async () => {
  await jvm?.stop()
})

describe('profileJvm against a real JVM', () => {
  it('weights each stack by its thread’s CPU: busy threads dominate, sleeping threads weigh nothing', async () => {
    const profile = await profileJvm({ pid: jvm.pid, durationMs: 3000, rate: 5 })
    expect(profile.schema).toBe('kafka-doctor/profile@1')
    expect(profile.weightUnit).toBe('cpu-us')
    expect(profile.dumpVia).toBe('attach')
    expect(profile.dumps).toBeGreaterThanOrEqual(12)
    const names = profile.threads.map((t) => t.name)
    // A freshly started JVM may still be JIT-compiling: the C2 thread can sit between the two.
    expect(names.slice(0, 3)).toEqual(expect.arrayContaining(['busy-deserializer', 'busy-spinner']))
    const jit = profile.threads.find((t) => t.name.startsWith('C2 CompilerThread'))
    if (jit) expect(jit.kind).toBe('jit')
    expect(names).not.toContain('sleeper')
    expect(names).not.toContain('parked-worker')
    const spinner = profile.threads.find((t) => t.name === 'busy-spinner')!
    // Weight is CPU µs. The two busy threads share two cores with whatever else runs, so only a
    // loose floor: ≥ 5% of a core over ~3 s, and together most of the profile.
    expect(spinner.weight).toBeGreaterThan(150_000)
    expect(spinner.cpuPercent!).toBeGreaterThan(5)
    const busy = profile.threads.filter((t) => t.name.startsWith('busy-')).reduce((s, t) => s + t.weight, 0)
    expect(busy / profile.totalWeight).toBeGreaterThan(0.5)
    expect(spinner.kind).toBe('user-code')
    const spinStack = profile.stacks.find((s) => s.frames[0] === 'busy-spinner')!
    expect(spinStack.frames.at(-1)).toBe('ThreadPatient.spin')
    expect(profile.hotMethods.some((m) => m.method === 'ThreadPatient.spin' && m.self > 0)).toBe(true)
    // Integer weights, and the folded text reads back to the same stacks.
    expect(profile.stacks.every((s) => Number.isInteger(s.weight))).toBe(true)
    expect(parseCollapsed(foldedText(profile.stacks)).stacks).toEqual(profile.stacks)
  })

  it('keeps only the threads asked for', async () => {
    const profile = await profileJvm({ pid: jvm.pid, durationMs: 1000, rate: 5, thread: 'deserializer' })
    expect(new Set(profile.stacks.map((s) => s.frames[0]))).toEqual(new Set(['busy-deserializer']))
    expect(profile.threadFilter).toBe('deserializer')
  })
})

describe('threadMatcher', () => {
  it('matches a tid in decimal or hex, or a part of the name', () => {
    expect(threadMatcher('4242')('x', 4242)).toBe(true)
    expect(threadMatcher('0x1092')('x', 4242)).toBe(true)
    expect(threadMatcher('coordinator')('kafka-coordinator-heartbeat-thread | g', 1)).toBe(true)
    expect(threadMatcher('coordinator')('main', 1)).toBe(false)
    expect(threadMatcher(undefined)('main', 1)).toBe(true)
  })
})
