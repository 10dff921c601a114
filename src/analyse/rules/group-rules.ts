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

/** Times the group's state left Stable (a rebalance, or its only member leaving) over the samples. */
function stateFlaps(series: readonly { state: string }[]): number {
  let departures = 0
  for (let i = 1; i < series.length; i++)
    if (series[i - 1]?.state === 'Stable' && series[i]?.state !== 'Stable') departures++
  return departures
}

/**
 * Churn in a short run (a diagnose watch is seconds to minutes, the traffic analysis' own rule wants
 * four generations): two generation steps or two LeaveGroups in the capture, or the group's state
 * leaving Stable twice over the lag samples. A healthy group shows none of these.
 */
export const rebalanceThresholds = { minGenerationSteps: 2, minLeaves: 2, minFlaps: 2 } as const

export const rebalanceStormRule: Rule<'doctor.rebalance-storm'> = {
  id: 'doctor.rebalance-storm',
  title: 'Rebalance storm',
  evaluate(evidence) {
    const blind = withoutGroupEvidence(evidence, 'doctor.rebalance-storm')
    if (blind) return [blind]
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
    // Short captures and watches: the churn the traffic analysis needs a longer window for, seen as
    // the generation climbing or members leaving and joining again, and as the group's state flapping
    // between Stable and anything else from one lag sample to the next.
    const targets = new Set(evidence.bundle.manifest.target.groups)
    const traffic = new Map((evidence.traffic?.report.groups ?? []).map((g) => [g.group, g]))
    const states = groupStates(evidence)
    for (const group of new Set([...traffic.keys(), ...states.keys()])) {
      if (seen.has(group) || (targets.size > 0 && !targets.has(group))) continue
      const g = traffic.get(group)
      const steps =
        g && g.generations.length > 0 ? Math.max(...g.generations) - Math.min(...g.generations) : 0
      const leaves = g?.leaveGroups ?? 0
      const series = states.get(group) ?? []
      const flaps = stateFlaps(series)
      const t = rebalanceThresholds
      if (steps < t.minGenerationSteps && leaves < t.minLeaves && flaps < t.minFlaps) continue
      const parts: string[] = []
      if (g && (steps >= t.minGenerationSteps || leaves >= t.minLeaves))
        parts.push(
          `the capture saw generation ${Math.min(...g.generations)} → ${Math.max(...g.generations)}, ${g.joinGroups} JoinGroup and ${leaves} LeaveGroup in ${Math.round((g.lastT - g.firstT) * 10) / 10} s`,
        )
      if (flaps >= t.minFlaps)
        parts.push(
          `its state went ${series.map((s) => s.state).join(' → ')} over ${series.length} lag samples`,
        )
      out.push(
        ruleFinding('doctor.rebalance-storm', {
          verdict: 'issue',
          severity: 'warning',
          confidence: parts.length > 1 ? 0.85 : 0.7,
          subject: { group },
          summary: `group ${group} keeps rebalancing: ${parts.join('; ')}`,
          evidence: [
            ...(g
              ? [
                  {
                    source: bundleFiles.traffic,
                    at: `/groups/${evidence.traffic?.full.groups.indexOf(g)}`,
                    observed: { generations: g.generations, joinGroups: g.joinGroups, leaveGroups: leaves },
                  },
                ]
              : []),
            ...(series.length > 0
              ? [
                  {
                    source: bundleFiles.lagSnapshots,
                    at: `describe-groups ${group}`,
                    observed: { states: series.map((s) => s.state) },
                  },
                ]
              : []),
          ],
          remedy: renderRemedy('rebalance-storm', { group, bootstrap: bootstrapOf(evidence) }),
          facts: {
            group,
            ...(g ? { generations: g.generations, joinGroups: g.joinGroups } : {}),
            ...(series.length > 0 ? { states: series.map((s) => s.state) } : {}),
          },
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
    const blind = withoutGroupEvidence(evidence, 'doctor.offset-reset-loop')
    if (blind) return [blind]
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

/**
 * The group rules see a group through the capture (JoinGroup, errors) or the lag samples (state,
 * members): with neither, they can only say so.
 */
function withoutGroupEvidence<
  R extends 'doctor.rebalance-storm' | 'doctor.offset-reset-loop' | 'doctor.coordinator-errors',
>(evidence: Evidence, id: R): RuleFinding<R> | undefined {
  if (evidence.traffic || evidence.lag) return undefined
  return insufficient(
    id,
    `neither a capture nor lag samples: ${unavailableReason(evidence, 'capture')}; ${unavailableReason(evidence, 'lag')}`,
    ['capture', 'lag'],
  )
}

const coordinatorErrors = ['NOT_COORDINATOR', 'COORDINATOR_NOT_AVAILABLE', 'COORDINATOR_LOAD_IN_PROGRESS']

export const coordinatorErrorsRule: Rule<'doctor.coordinator-errors'> = {
  id: 'doctor.coordinator-errors',
  title: 'Coordinator error loop',
  evaluate(evidence) {
    const blind = withoutGroupEvidence(evidence, 'doctor.coordinator-errors')
    if (blind) return [blind]
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
