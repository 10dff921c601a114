import { describe, expect, it } from 'vitest'
import {
  decide,
  decisionRows,
  type Signal,
  type Signals,
  signalColumns,
  signalOf,
} from '../../src/analyse/decision-table.js'
import type { RuleFinding } from '../../src/analyse/rules/rule-types.js'

/**
 * The decision table as a truth table (Clinic doctor style): each line is the signal of every rule —
 * X issue, . ok, ? no data — and the root cause it must give. Read it top to bottom as the cases an
 * operator meets.
 */
const truthTable = `
  spin ldr div neg repl rebal notk fcfg oor coord off -> root cause
  X    X   X   X   .    .     .    .    .   .     .   -> stale-leadership
  X    X   X   .   .    .     .    .    .   .     .   -> stale-leadership
  X    X   .   X   .    .     .    .    .   .     .   -> stale-leadership
  X    X   ?   X   ?    .     .    .    .   .     .   -> stale-leadership
  .    X   X   ?   .    .     ?    .    .   .     .   -> stale-leadership
  X    X   .   .   .    .     .    .    .   .     .   -> leadership-error-loop
  X    X   ?   ?   ?    ?     .    .    .   .     .   -> leadership-error-loop
  X    .   .   .   X    .     .    .    .   .     X   -> leader-offline
  .    .   .   .   X    .     .    .    .   X     X   -> leader-offline
  .    .   .   .   X    X     .    .    .   .     X   -> leader-offline
  .    .   X   .   X    .     .    .    .   .     X   -> leader-offline
  ?    ?   .   .   X    ?     ?    ?    ?   ?     X   -> leader-offline
  ?    ?   ?   ?   ?    ?     ?    ?    ?   ?     X   -> leader-offline
  X    X   X   .   X    .     .    .    .   .     X   -> stale-leadership
  X    X   .   .   X    .     .    .    .   .     X   -> leadership-error-loop
  .    .   X   X   .    .     .    .    .   .     .   -> broker-metadata-divergence
  ?    ?   X   .   .    .     ?    ?    ?   ?     .   -> broker-metadata-divergence
  X    .   .   .   .    .     .    X    .   .     .   -> consumer-config-spin
  X    .   .   .   .    .     .    .    X   .     .   -> offset-reset-loop
  X    .   .   X   .    .     .    .    X   .     .   -> lag-anomaly
  ?    .   .   X   .    .     ?    .    X   .     .   -> lag-anomaly
  .    .   .   .   .    .     .    .    .   X     .   -> coordinator-error-loop
  X    .   .   .   .    X     .    .    .   .     .   -> rebalance-storm
  .    .   .   .   .    X     X    .    .   .     .   -> rebalance-storm
  X    .   .   .   .    .     .    .    .   .     .   -> consumer-poll-loop
  X    ?   .   .   .    .     .    ?    ?   ?     .   -> spin-undetermined
  X    ?   ?   ?   ?    ?     .    ?    ?   ?     .   -> spin-undetermined
  .    .   .   .   .    .     X    .    .   .     .   -> not-kafka
  ?    ?   ?   ?   ?    ?     X    ?    ?   ?     .   -> not-kafka
  .    .   .   .   X    .     X    .    .   .     .   -> not-kafka
  .    .   .   .   X    .     .    .    .   .     .   -> replication
  ?    ?   .   X   X    .     ?    ?    ?   ?     .   -> replication
  .    .   .   X   .    .     .    .    .   .     .   -> lag-anomaly
  ?    ?   .   X   .    ?     ?    ?    ?   ?     .   -> lag-anomaly
  .    .   .   .   .    .     .    .    .   .     .   -> healthy
  ?    ?   .   .   .    ?     ?    ?    ?   ?     .   -> healthy
  ?    ?   ?   ?   ?    ?     ?    ?    ?   ?     ?   -> insufficient-data
`

interface Case {
  line: string
  signals: Signals
  expected: string
}

function parseTable(text: string): Case[] {
  const lines = text.split('\n').filter((line) => line.trim() !== '')
  const header = lines.shift() ?? ''
  const names = header.split('->')[0]?.trim().split(/\s+/) ?? []
  expect(names).toEqual(signalColumns.map(([column]) => column))
  return lines.map((line) => {
    const match = /^\s*((?:[X.?]\s+){11})->\s*([a-z-]+)\s*$/.exec(line)
    if (!match) throw new Error(`bad truth-table line: ${line}`)
    const cells = (match[1] ?? '').trim().split(/\s+/) as Signal[]
    const signals = Object.fromEntries(signalColumns.map(([column], i) => [column, cells[i]])) as Signals
    return { line: line.trim(), signals, expected: match[2] ?? '' }
  })
}

describe('the decision table', () => {
  const cases = parseTable(truthTable)

  it.each(cases.map((c) => [c.line, c] as const))('%s', (_line, c) => {
    expect(decide(c.signals).kind).toBe(c.expected)
  })

  it('gives a root cause for every one of the 3^11 combinations of signals', () => {
    const values: Signal[] = ['X', '.', '?']
    let combinations = 0
    const violations: string[] = []
    const kinds = new Map<string, number>()
    for (let n = 0; n < 3 ** signalColumns.length; n++) {
      let rest = n
      const signals = {} as Signals
      for (const [column] of signalColumns) {
        signals[column] = values[rest % 3] as Signal
        rest = Math.floor(rest / 3)
      }
      const { kind } = decide(signals)
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1)
      combinations++
      // Invariants an operator relies on, whatever else is seen (collected, then asserted once: an
      // expect() per combination would take seconds).
      const anyIssue = Object.values(signals).includes('X')
      const quiet = kind === 'healthy' || kind === 'insufficient-data'
      if (signals.ldr === 'X' && signals.div === 'X' && kind !== 'stale-leadership')
        violations.push(`${JSON.stringify(signals)} -> ${kind}`)
      // A partition without a leader explains every symptom but a leadership-error loop.
      if (signals.off === 'X' && signals.ldr !== 'X' && kind !== 'leader-offline')
        violations.push(`${JSON.stringify(signals)} -> ${kind}`)
      if (anyIssue === quiet) violations.push(`${JSON.stringify(signals)} -> ${kind}`)
    }
    expect(violations).toEqual([])
    expect(combinations).toBe(177_147)
    // Every row is reachable.
    for (const row of decisionRows) expect(kinds.get(row.kind) ?? 0, row.kind).toBeGreaterThan(0)
  })
})

describe('signals from findings', () => {
  const finding = (verdict: RuleFinding['verdict'], severity: RuleFinding['severity']): RuleFinding => ({
    id: 'doctor.poll-spin',
    verdict,
    severity,
    confidence: 0.5,
    subject: {},
    summary: '',
    evidence: [],
    basedOn: [],
  })

  it('an issue of warning or worse is X, an informational one counts as looked (.)', () => {
    expect(signalOf([finding('issue', 'warning')])).toBe('X')
    expect(signalOf([finding('issue', 'critical'), finding('ok', 'info')])).toBe('X')
    expect(signalOf([finding('issue', 'info')])).toBe('.')
    expect(signalOf([finding('ok', 'info')])).toBe('.')
    expect(signalOf([finding('insufficient-data', 'info')])).toBe('?')
    expect(signalOf([])).toBe('?')
  })
})
