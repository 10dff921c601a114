import type { RuleFinding, RuleId } from './rules/rule-types.js'

/**
 * The decision table (Clinic doctor's issue-category, for Kafka consumers): each rule's verdict
 * becomes one signal — issue, ok or no data — and the first row whose pattern matches the signals
 * names the root cause. Rows are ordered by how much they explain: a leadership loop that the
 * brokers' disagreement explains beats the loop alone, which beats every symptom it causes.
 *
 * Cells: `X` issue, `.` ok, `?` no data (insufficient-data), `-` anything, `~` anything but an issue.
 * test/analyse/decision-table.test.ts prints the same table with every case it checks.
 */

/** The rules whose verdict is a column, in column order. The old-client rule is a modifier, not a cause. */
export const signalColumns = [
  ['spin', 'doctor.poll-spin'],
  ['ldr', 'doctor.not-leader-loop'],
  ['div', 'doctor.metadata-divergence'],
  ['neg', 'doctor.negative-lag'],
  ['repl', 'doctor.replication'],
  ['rebal', 'doctor.rebalance-storm'],
  ['notk', 'doctor.not-kafka'],
  ['fcfg', 'doctor.fetch-settings'],
  ['oor', 'doctor.offset-reset-loop'],
  ['coord', 'doctor.coordinator-errors'],
  ['off', 'doctor.leader-offline'],
] as const satisfies readonly (readonly [string, RuleId])[]

export type SignalColumn = (typeof signalColumns)[number][0]
export type Signal = 'X' | '.' | '?'
export type Cell = Signal | '-' | '~'
export type Signals = Record<SignalColumn, Signal>

export const rootCauseKinds = [
  'stale-leadership',
  'leadership-error-loop',
  'leader-offline',
  'broker-metadata-divergence',
  'consumer-config-spin',
  'offset-reset-loop',
  'coordinator-error-loop',
  'rebalance-storm',
  'consumer-poll-loop',
  'spin-undetermined',
  'not-kafka',
  'replication',
  'lag-anomaly',
  'healthy',
  'insufficient-data',
] as const
export type RootCauseKind = (typeof rootCauseKinds)[number]

export interface DecisionRow {
  cells: Record<SignalColumn, Cell>
  kind: RootCauseKind
  /** Why this row sits where it does. */
  note: string
}

function row(pattern: string, kind: RootCauseKind, note: string): DecisionRow {
  const tokens = pattern.trim().split(/\s+/)
  if (tokens.length !== signalColumns.length)
    throw new Error(`decision row '${pattern}' needs ${signalColumns.length} cells`)
  const cells = {} as Record<SignalColumn, Cell>
  signalColumns.forEach(([column], i) => {
    const token = tokens[i]
    if (token !== 'X' && token !== '.' && token !== '?' && token !== '-' && token !== '~')
      throw new Error(`decision row '${pattern}': bad cell '${token}'`)
    cells[column] = token
  })
  return { cells, kind, note }
}

// Each pattern's columns: spin ldr div neg repl rebal notk fcfg oor coord off
export const decisionRows: readonly DecisionRow[] = [
  row(
    '  -    X   X   -   -    -     -    -    -   -     -  ',
    'stale-leadership',
    'the loop, and a broker whose own view names the refusing leader: the reference incident',
  ),
  row(
    '  -    X   ~   X   -    -     -    -    -   -     -  ',
    'stale-leadership',
    'the loop, and a high watermark that reads below the commit from a stale broker',
  ),
  row(
    '  -    X   ~   ~   -    -     -    -    -   -     -  ',
    'leadership-error-loop',
    'the loop alone: the brokers agree (or could not be asked) — a client-side cache or a broker refusing',
  ),
  row(
    '  -    ~   -   -   -    -     -    -    -   -     X  ',
    'leader-offline',
    'a partition has no leader because the brokers holding it are down: it explains the offline partition, a moved coordinator, rebalances and brokers disagreeing while one is gone',
  ),
  row(
    '  -    ~   X   -   -    -     -    -    -   -     ~  ',
    'broker-metadata-divergence',
    'brokers disagree about leadership; no client loop seen (yet)',
  ),
  row(
    '  -    ~   ~   -   -    -     -    X    -   -     ~  ',
    'consumer-config-spin',
    'fetch settings that make every fetch return at once, no broker errors',
  ),
  row(
    '  -    ~   ~   X   -    -     -    ~    X   -     ~  ',
    'lag-anomaly',
    'a commit beyond the log and fetches out of range: the loop is the consequence of the commit (recreated topic, truncation: FM6)',
  ),
  row(
    '  -    ~   ~   -   -    -     -    ~    X   -     ~  ',
    'offset-reset-loop',
    'OFFSET_OUT_OF_RANGE again and again',
  ),
  row(
    '  -    ~   ~   -   -    -     -    ~    ~   X     ~  ',
    'coordinator-error-loop',
    'the group coordinator keeps refusing',
  ),
  row(
    '  -    ~   ~   -   -    X     -    ~    ~   ~     ~  ',
    'rebalance-storm',
    'the group rebalances again and again',
  ),
  row(
    '  X    .   ~   -   -    ~     -    .    .   .     ~  ',
    'consumer-poll-loop',
    'spinning in poll while the capture shows no broker errors and sane fetch settings: the application polls in a tight loop',
  ),
  row(
    '  X    -   ~   -   -    ~     -    ~    ~   ~     ~  ',
    'spin-undetermined',
    'spinning in poll, and the evidence that would say why (a capture) is missing',
  ),
  row(
    '  ~    -   ~   -   -    ~     X    ~    ~   ~     ~  ',
    'not-kafka',
    'the CPU goes to user code, deserialization or GC',
  ),
  row(
    '  ~    -   ~   -   X    ~     ~    ~    ~   ~     ~  ',
    'replication',
    'under-replicated, at or under min ISR: the high watermark lags',
  ),
  row(
    '  ~    -   ~   X   ~    ~     ~    ~    ~   ~     ~  ',
    'lag-anomaly',
    'negative lag without a leadership problem: recreated topic, truncation, a transient HW',
  ),
  row(
    '  ~    ~   ~   ~   ~    ~     ~    ~    ~   ~     ~  ',
    'healthy',
    'no issue anywhere (the caller tells healthy from no data at all)',
  ),
]

export function cellMatches(cell: Cell, signal: Signal): boolean {
  if (cell === '-') return true
  if (cell === '~') return signal !== 'X'
  return cell === signal
}

/** The first matching row's root cause. Every combination of signals matches some row. */
export function decide(signals: Signals): { kind: RootCauseKind; row: number } {
  for (let index = 0; index < decisionRows.length; index++) {
    const r = decisionRows[index] as DecisionRow
    if (signalColumns.every(([column]) => cellMatches(r.cells[column], signals[column]))) {
      if (r.kind === 'healthy' && signalColumns.every(([column]) => signals[column] === '?'))
        return { kind: 'insufficient-data', row: index }
      return { kind: r.kind, row: index }
    }
  }
  // Unreachable: the last row matches every combination without an issue, and each issue column has
  // a row of its own; kept so that a table edit that breaks this fails loudly in tests.
  throw new Error(`decision table: no row for ${JSON.stringify(signals)}`)
}

/** A rule's findings → its signal: any issue (warning or worse), else ok if it looked, else no data. */
export function signalOf(findings: readonly RuleFinding[]): Signal {
  if (findings.some((f) => f.verdict === 'issue' && f.severity !== 'info')) return 'X'
  if (findings.some((f) => f.verdict === 'ok' || f.verdict === 'issue')) return '.'
  return '?'
}

export function signalsOf(findings: readonly RuleFinding[]): Signals {
  const signals = {} as Signals
  for (const [column, rule] of signalColumns)
    signals[column] = signalOf(findings.filter((f) => f.id === rule))
  return signals
}
