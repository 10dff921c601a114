import { describe, expect, it } from 'vitest'
import { gatherEvidence } from '../../../src/analyse/rules/evidence.js'
import { notKafkaRule } from '../../../src/analyse/rules/not-kafka.js'
import { bundleOf, generateThreads, noiseLevels, stacks } from '../../support/generate-evidence.js'

const evaluate = (threads: Parameters<typeof generateThreads>[0]['threads'], noise: number, seed = 7) =>
  notKafkaRule.evaluate(gatherEvidence(bundleOf({ threads: generateThreads({ threads, noise, seed }) })))

describe.each(noiseLevels)('doctor.not-kafka at noise %s', (noise) => {
  it('names user code that burns CPU as not a Kafka problem', () => {
    const [finding, ...rest] = evaluate(
      [
        { name: 'order-worker', cpu: 92, frames: stacks.userCode },
        { name: 'main', cpu: 2, frames: stacks.kafkaPoll },
      ],
      noise,
    )
    expect(rest).toEqual([])
    expect(finding).toMatchObject({
      verdict: 'issue',
      severity: 'warning',
      subject: { thread: 'order-worker' },
      facts: { area: 'user-code', thread: { name: 'order-worker', frames: expect.arrayContaining([]) } },
    })
    expect(finding?.summary).toMatch(/^not a Kafka problem: the CPU goes to the application’s own code/)
    expect(finding?.summary).toContain('PriceCalculator.compute')
    expect(finding?.remedy).toContain('kafka-doctor profile --pid 4199')
  })

  it('names deserialization on the poll thread', () => {
    const [finding] = evaluate([{ name: 'main', cpu: 95, frames: stacks.deserializing }], noise)
    expect(finding).toMatchObject({
      verdict: 'issue',
      facts: { area: 'deserialization', thread: { name: 'main' } },
    })
  })

  it('adds up GC threads', () => {
    const gc = Array.from({ length: 4 }, (_, i) => ({ name: `GC Thread#${i}`, cpu: 22, vm: true }))
    const [finding] = evaluate([...gc, { name: 'main', cpu: 3, frames: stacks.kafkaPoll }], noise)
    expect(finding).toMatchObject({ verdict: 'issue', facts: { area: 'gc' } })
    expect((finding?.facts?.thread.cpuPercent ?? 0) > 60).toBe(true)
  })

  it('is OK when the hot thread is the Kafka poll loop (the poll-spin rule speaks for it)', () => {
    const [finding] = evaluate(
      [
        { name: 'main', cpu: 90, frames: stacks.kafkaPoll },
        { name: 'order-worker', cpu: 8, frames: stacks.userCode },
      ],
      noise,
    )
    expect(finding).toMatchObject({ verdict: 'ok', severity: 'info' })
    expect(finding?.summary).toContain("'main'")
  })

  it('is OK for a quiet consumer', () => {
    const [finding] = evaluate([{ name: 'main', cpu: 1, frames: stacks.kafkaPoll }], noise)
    expect(finding?.verdict).toBe('ok')
  })
})

describe('doctor.not-kafka with CPU figures but no stacks', () => {
  it('does not call a hot thread without a stack user code: insufficient-data', () => {
    const [finding] = evaluate([{ name: 'order-worker', cpu: 90, frames: [] }], 0)
    expect(finding).toMatchObject({ verdict: 'insufficient-data', severity: 'info' })
    expect(finding?.summary).toMatch(
      /^thread 'order-worker' \(tid 4200, nid 0x1068\) uses 90% of a core, but its stack could not be read/,
    )
  })
})

describe('doctor.not-kafka without thread samples', () => {
  it('says insufficient-data with the reason from the manifest, never a guess', () => {
    const bundle = bundleOf({ reasons: { threads: 'no --pid given: the JVM was not sampled' } })
    const [finding] = notKafkaRule.evaluate(gatherEvidence(bundle))
    expect(finding).toMatchObject({
      verdict: 'insufficient-data',
      severity: 'info',
      confidence: 0,
      evidence: [{ source: 'manifest.json', at: '/sources/threads' }],
    })
    expect(finding?.summary).toBe(
      'cannot tell where the CPU goes: threads skipped (no --pid given: the JVM was not sampled)',
    )
  })
})
