import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { Finding } from '../finding.js'
import { type Evidence, unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { bootstrapOf, groupOf, insufficient, ok, ruleFinding } from './rule-support.js'
import type { Rule, RuleFinding } from './rule-types.js'
import { isOwnClient } from './source-helpers.js'

/**
 * The group-level loops: rebalance storms (FM10), offset-out-of-range reset loops (FM6) and
 * coordinator error loops. The capture sees them directly (the traffic analysis' findings, wrapped);
 * the lag samples see their traces from outside — a group's state flipping into rebalances, its
 * generation climbing, its committed offset going backwards, its coordinator refusing kafka-doctor too.
 */

const rebalancing = /^(PreparingRebalance|CompletingRebalance|Assigning|Reconciling)$/

/** Rebalances seen from outside: entries into a rebalancing state, or generation steps, over the samples. */
export const rebalanceThresholds = { minRebalances: 3 } as const

export const rebalanceStormRule: Rule<'doctor.rebalance-storm'> = {
  id: 'doctor.rebalance-storm',
  title: 'Rebalance storm',
  evaluate(evidence) {
    if (!evidence.traffic && !evidence.lag) {
      return [
        insufficient(
          'doctor.rebalance-storm',
          `neither a capture nor lag samples: ${unavailableReason(evidence, 'capture')}; ${unavailableReason(evidence, 'lag')}`,
          ['capture', 'lag'],
        ),
      ]
    }
    const out: RuleFinding<'doctor.rebalance-storm'>[] = []
    for (const f of evidence.traffic?.findings ?? []) {
      if (f.id !== 'traffic.rebalance-churn') continue
      const group = f.subject.group ?? groupOf(evidence)
      const report = evidence.traffic?.report.groups.find((g) => g.group === group)
      out.push(
        wrap(
          'doctor.rebalance-storm',
          f,
          evidence,
          'rebalance-storm',
          { group },
          {
            group,
            ...(report ? { generations: report.generations, joinGroups: report.joinGroups } : {}),
          },
        ),
      )
    }
    const seen = new Set(out.map((f) => f.subject.group))
    for (const [group, states] of groupStates(evidence)) {
      if (seen.has(group)) continue
      let entries = 0
      for (let i = 0; i < states.length; i++) {
        const now = states[i]
        const before = states[i - 1]
        if (now && rebalancing.test(now.state) && (!before || !rebalancing.test(before.state))) entries++
        if (
          now &&
          before &&
          now.epoch !== undefined &&
          before.epoch !== undefined &&
          now.epoch > before.epoch &&
          !rebalancing.test(now.state)
        )
          entries += rebalancing.test(before.state) ? 0 : 1
      }
      if (entries < rebalanceThresholds.minRebalances) continue
      out.push(
        ruleFinding('doctor.rebalance-storm', {
          verdict: 'issue',
          severity: 'warning',
          confidence: 0.7,
          subject: { group },
          summary: `group ${group} rebalanced ${entries} times over ${states.length} samples (states ${states.map((s) => s.state).join(' → ')})`,
          evidence: [
            { source: bundleFiles.lagSamples, at: group, observed: { states: states.map((s) => s.state) } },
          ],
          remedy: renderRemedy('rebalance-storm', { group, bootstrap: bootstrapOf(evidence) }),
          facts: { group, states: states.map((s) => s.state) },
        }),
      )
    }
    if (out.length > 0) return out
    return [ok('doctor.rebalance-storm', 'no group rebalances again and again')]
  },
}

export const offsetResetLoopRule: Rule<'doctor.offset-reset-loop'> = {
  id: 'doctor.offset-reset-loop',
  title: 'Offset-out-of-range reset loop',
  evaluate(evidence) {
    if (!evidence.traffic && !evidence.lag) {
      return [
        insufficient(
          'doctor.offset-reset-loop',
          `neither a capture nor lag samples: ${unavailableReason(evidence, 'capture')}; ${unavailableReason(evidence, 'lag')}`,
          ['capture', 'lag'],
        ),
      ]
    }
    const out: RuleFinding<'doctor.offset-reset-loop'>[] = []
    for (const f of evidence.traffic?.findings ?? []) {
      if (f.id !== 'traffic.offset-out-of-range-loop' || isOwnClient(f.subject.client)) continue
      const row = evidence.traffic?.report.clientErrors.find(
        (r) =>
          r.clientId === f.subject.client &&
          r.topic === f.subject.topic &&
          r.partition === f.subject.partition,
      )
      out.push(
        wrap(
          'doctor.offset-reset-loop',
          f,
          evidence,
          'offset-reset-loop',
          { topic: f.subject.topic ?? '<topic>' },
          {
            ...(f.subject.topic !== undefined ? { topic: f.subject.topic } : {}),
            ...(f.subject.partition !== undefined ? { partition: f.subject.partition } : {}),
            ...(f.subject.client !== undefined ? { client: f.subject.client } : {}),
            errors: row?.codes.OFFSET_OUT_OF_RANGE ?? 0,
          },
        ),
      )
    }
    // Seen from outside: the committed offset went backwards and stayed there (Burrow's REWIND).
    for (const f of evidence.lag?.report.findings ?? []) {
      if (f.id !== 'lag.status.rewind') continue
      out.push(
        wrap(
          'doctor.offset-reset-loop',
          f,
          evidence,
          'offset-reset-loop',
          { topic: f.subject.topic ?? '<topic>' },
          {
            errors: 0,
          },
        ),
      )
    }
    if (out.length > 0) return out
    return [
      ok('doctor.offset-reset-loop', 'no OFFSET_OUT_OF_RANGE loop and no committed offset going backwards'),
    ]
  },
}

const coordinatorErrors = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']

export const coordinatorErrorsRule: Rule<'doctor.coordinator-errors'> = {
  id: 'doctor.coordinator-errors',
  title: 'Coordinator error loop',
  evaluate(evidence) {
    if (!evidence.traffic && !evidence.lag) {
      return [
        insufficient(
          'doctor.coordinator-errors',
          `neither a capture nor lag samples: ${unavailableReason(evidence, 'capture')}; ${unavailableReason(evidence, 'lag')}`,
          ['capture', 'lag'],
        ),
      ]
    }
    const out: RuleFinding<'doctor.coordinator-errors'>[] = []
    for (const f of evidence.traffic?.findings ?? []) {
      if (f.id !== 'traffic.coordinator-error-loop' || isOwnClient(f.subject.client)) continue
      const codes: Record<string, number> = {}
      for (const r of evidence.traffic?.report.clientErrors ?? []) {
        if (r.clientId !== f.subject.client) continue
        for (const name of coordinatorErrors)
          if (r.codes[name]) codes[name] = (codes[name] ?? 0) + (r.codes[name] ?? 0)
      }
      out.push(
        wrap(
          'doctor.coordinator-errors',
          f,
          evidence,
          'coordinator-errors',
          { codes: codeText(codes) },
          {
            ...(f.subject.group !== undefined ? { group: f.subject.group } : {}),
            ...(f.subject.client !== undefined ? { client: f.subject.client } : {}),
            codes,
          },
        ),
      )
    }
    // From outside: the coordinator refused kafka-doctor's own lookups in every sample.
    const snapshots = evidence.lag?.snapshots ?? []
    if (snapshots.length >= 2) {
      for (const group of evidence.bundle.manifest.target.groups) {
        const errors = snapshots.map((s) => s.groups.find((g) => g.group === group)?.coordinatorError ?? null)
        if (!errors.every((e) => e !== null && coordinatorErrors.some((c) => e.includes(c)))) continue
        const codes: Record<string, number> = {}
        for (const e of errors) if (e) codes[e] = (codes[e] ?? 0) + 1
        out.push(
          ruleFinding('doctor.coordinator-errors', {
            verdict: 'issue',
            severity: 'warning',
            confidence: 0.7,
            subject: { group },
            summary: `group ${group}'s coordinator could not be found in any of ${snapshots.length} samples (${codeText(codes)})`,
            evidence: [
              { source: bundleFiles.lagSnapshots, at: `find-coordinator ${group}`, observed: codes },
            ],
            remedy: renderRemedy('coordinator-errors', {
              codes: codeText(codes),
              group,
              bootstrap: bootstrapOf(evidence),
            }),
            facts: { group, codes },
          }),
        )
      }
    }
    if (out.length > 0) return out
    return [ok('doctor.coordinator-errors', 'the group coordinators answered')]
  },
}

function wrap<R extends 'doctor.rebalance-storm' | 'doctor.offset-reset-loop' | 'doctor.coordinator-errors'>(
  id: R,
  f: Finding,
  evidence: Evidence,
  remedy: 'rebalance-storm' | 'offset-reset-loop' | 'coordinator-errors',
  values: Record<string, string>,
  facts: NonNullable<RuleFinding<R>['facts']>,
): RuleFinding<R> {
  return ruleFinding(id, {
    verdict: 'issue',
    severity: f.severity,
    confidence: f.confidence,
    subject: f.subject,
    summary: f.summary,
    evidence: f.evidence,
    remedy: renderRemedy(remedy, {
      group: f.subject.group ?? groupOf(evidence),
      bootstrap: bootstrapOf(evidence),
      topic: f.subject.topic ?? '<topic>',
      ...values,
    }),
    facts,
    basedOn: [f.id],
  })
}

function codeText(codes: Record<string, number>): string {
  return Object.entries(codes)
    .map(([name, n]) => `${n}× ${name}`)
    .join(', ')
}

/** Each target group's state (and generation, KIP-848) per lag sample, in time order. */
function groupStates(evidence: Evidence): Map<string, { state: string; epoch?: number }[]> {
  const out = new Map<string, { state: string; epoch?: number }[]>()
  for (const s of evidence.lag?.snapshots ?? []) {
    for (const g of s.groups) {
      if (g.state === null) continue
      const list = out.get(g.group) ?? []
      list.push({ state: g.state, ...(g.groupEpoch !== undefined ? { epoch: g.groupEpoch } : {}) })
      out.set(g.group, list)
    }
  }
  return out
}
