import { describe, expect, it } from 'vitest'
import { RuleSet } from '../../src/proxy/rule-set.js'
import { parseRules } from '../../src/proxy/rules.js'

const origin = (brokerId: number, clientId: string | null = 'client-1') => ({ brokerId, clientId })

describe('RuleSet', () => {
  it('gives rule ids, lists candidates by type, broker and client', () => {
    const rules = new RuleSet()
    const added = rules.add(
      parseRules(
        [
          { type: 'latency', ms: 1, brokers: [1] },
          { type: 'latency', ms: 2, clientIds: ['admin*'] },
          { type: 'latency', ms: 3, excludeClientIds: ['kafka-doctor*'] },
          { id: 'mine', type: 'drop-connection' },
        ],
        'x',
      ),
      'control',
    )
    expect(added.map((rule) => rule.id)).toEqual(['latency-1', 'latency-2', 'latency-3', 'mine'])
    const ms = (brokerId: number, clientId: string | null) =>
      rules
        .candidates('latency', origin(brokerId, clientId))
        .map((state) => (state.rule as { ms: number }).ms)
    expect(ms(1, 'client-1')).toEqual([1, 3])
    expect(ms(2, 'adminclient-1')).toEqual([2, 3])
    expect(ms(2, 'kafka-doctor')).toEqual([])
    expect(ms(2, null)).toEqual([3])
    expect(rules.hasAny(['latency'], 5)).toBe(true)
    expect(rules.hasAny(['error'], 1)).toBe(false)
  })

  it('stops a rule after its count and keeps it listed as exhausted', () => {
    const rules = new RuleSet()
    rules.add(parseRules({ id: 'two', type: 'drop-connection', count: 2 }, 'x'), 'control')
    const [state] = rules.candidates('drop-connection', origin(1))
    expect(state).toBeDefined()
    if (!state) return
    expect([rules.take(state), rules.take(state), rules.take(state)]).toEqual([true, true, false])
    expect(state).toMatchObject({ applied: 2, exhausted: true })
    expect(rules.candidates('drop-connection', origin(1))).toEqual([])
    expect(rules.list()).toHaveLength(1)
  })

  it('applies a probability with the random source given', () => {
    const draws = [0.1, 0.7, 0.29, 0.3]
    const rules = new RuleSet(() => draws.shift() ?? 1)
    rules.add(parseRules({ type: 'latency', ms: 1, probability: 0.3 }, 'x'), 'control')
    const [state] = rules.candidates('latency', origin(1))
    if (!state) throw new Error('no rule')
    expect([rules.take(state), rules.take(state), rules.take(state), rules.take(state)]).toEqual([
      true,
      false,
      true,
      false,
    ])
    expect(state.applied).toBe(2)
  })

  it('replaces the rules of one source and keeps the others; removes and clears', () => {
    const rules = new RuleSet()
    rules.add(parseRules({ id: 'keep', type: 'latency', ms: 1 }, 'x'), 'control')
    rules.add(parseRules({ id: 'old', type: 'latency', ms: 2 }, 'x'), 'file')
    const version = rules.version
    rules.replaceSource(parseRules({ id: 'new', type: 'latency', ms: 3 }, 'x'), 'file')
    expect(rules.version).toBeGreaterThan(version)
    expect(rules.list().map((state) => state.rule.id)).toEqual(['keep', 'new'])
    expect(rules.remove('keep')).toBe(true)
    expect(rules.remove('keep')).toBe(false)
    expect(rules.clear()).toBe(1)
    expect(rules.list()).toEqual([])
  })

  it('replaces a rule added again with the same id', () => {
    const rules = new RuleSet()
    rules.add(parseRules({ id: 'a', type: 'latency', ms: 1 }, 'x'), 'control')
    rules.add(parseRules({ id: 'a', type: 'latency', ms: 9 }, 'x'), 'control')
    expect(rules.list().map((state) => (state.rule as { ms: number }).ms)).toEqual([9])
  })
})
