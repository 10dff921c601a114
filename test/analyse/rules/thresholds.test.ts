/**
 * The rules at their thresholds, on real evidence altered in one place each (recorded bundles and the
 * cluster helper's recorded snapshots): once is a warning and twice is critical, one rebalance is not
 * a storm but two are, max_wait 0 spins and 100 ms does not, a version below 3.7 matters only when the
 * client loops, a hot poll thread that moves records is work.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import { diagnoseBundle } from '../../../src/analyse/diagnosis.js'
import { fetchSettingsRule, oldClientRule } from '../../../src/analyse/rules/client-rules.js'
import { gatherEvidence } from '../../../src/analyse/rules/evidence.js'
import { rebalanceStormRule } from '../../../src/analyse/rules/group-rules.js'
import { metadataDivergenceRule } from '../../../src/analyse/rules/metadata-divergence.js'
import { negativeLagRule } from '../../../src/analyse/rules/negative-lag.js'
import { pollSpinRule } from '../../../src/analyse/rules/poll-spin.js'
import type { Bundle } from '../../../src/collect/bundle/bundle.js'
import { readBundle } from '../../../src/collect/bundle/read-bundle.js'
import type { ClusterSnapshot } from '../../../src/collect/cluster/snapshot.js'
import { everywhere, partitionIn, recorded, withSecondRound } from '../../support/cluster-snapshots.js'
import { bundleOf } from '../../support/generate-evidence.js'
import { recordedBundle } from '../../support/recorded-bundles.js'

const fixture = (name: string) => readBundle(recordedBundle(name))
const fresh = (bundle: Bundle) => structuredClone(bundle)

let healthy: Bundle
let incident: Bundle
let pollZero: Bundle
beforeAll(async () => {
  healthy = await fixture('healthy')
  incident = await fixture('incident-current')
  pollZero = await fixture('poll-zero')
})

describe('doctor.metadata-divergence: persistence decides the severity', () => {
  /** Broker 2 still names itself leader of orders-0, one epoch behind the others. */
  const stale = (snapshot: ClusterSnapshot, round = 1) => {
    const p = partitionIn(snapshot, 2, 'orders', 0, round)
    p.leader = 2
    p.leaderEpoch -= 1
  }
  const base = () => {
    const s = recorded('healthy')
    everywhere(s, 'orders', 0, (p) => {
      p.leader = 1
      p.leaderEpoch = 5
    })
    return s
  }
  const evaluate = (cluster: Bundle['cluster']) =>
    metadataDivergenceRule.evaluate(gatherEvidence(bundleOf({ cluster })))

  it('seen once: a warning (an election propagating looks the same for a moment)', () => {
    const s = base()
    stale(s)
    const [finding] = evaluate({ end: { snapshot: s } })
    expect(finding).toMatchObject({
      verdict: 'issue',
      severity: 'warning',
      facts: {
        broker: 2,
        claimedLeader: 2,
        claimedEpoch: 4,
        agreedLeader: 1,
        agreedEpoch: 5,
        persistent: false,
      },
    })
  })

  it('still so when asked again, or at the start and the end of the run: critical', () => {
    const again = withSecondRound(base(), (s) => {
      stale(s, 1)
      stale(s, 2)
    })
    expect(evaluate({ end: { snapshot: again } })[0]).toMatchObject({
      severity: 'critical',
      facts: { persistent: true },
    })
    const start = base()
    const end = base()
    stale(start)
    stale(end)
    const [finding] = evaluate({ start: { snapshot: start }, end: { snapshot: end } })
    expect(finding).toMatchObject({
      severity: 'critical',
      facts: { persistent: true, phases: ['start', 'end'] },
    })
    expect(finding?.summary).toContain('still so at the start and the end of the run')
  })

  it('an ISR-only disagreement is the cluster analysis’ warning, wrapped', () => {
    const s = base()
    partitionIn(s, 3, 'orders', 0).isr = [1, 3]
    const [finding] = evaluate({ end: { snapshot: s } })
    expect(finding).toMatchObject({ severity: 'warning', basedOn: ['cluster.metadata-divergence'] })
    expect(finding?.facts).toBeUndefined()
  })

  it('brokers that agree: ok', () => {
    expect(evaluate({ end: { snapshot: base() } })[0]?.verdict).toBe('ok')
  })
})

describe('doctor.negative-lag: which broker, how often, and transactions', () => {
  it('the stale broker’s HW below the commit at one look only: a warning', () => {
    const bundle = fresh(incident)
    delete bundle.cluster?.start
    const [finding] = negativeLagRule.evaluate(gatherEvidence(bundle))
    expect(finding).toMatchObject({
      severity: 'warning',
      facts: { broker: 2, negativeSamples: 1, samples: 1, lag: '-5' },
    })
  })

  it('an open transaction is named, and lag is still measured against the high watermark', () => {
    const bundle = fresh(incident)
    for (const s of bundle.lag?.snapshots ?? [])
      for (const p of s.partitions)
        if (p.partition === 0 && p.highWatermark !== null) p.lastStableOffset = p.highWatermark - 3n
    const [finding] = negativeLagRule.evaluate(gatherEvidence(bundle))
    expect(finding).toMatchObject({ severity: 'critical', facts: { highWatermark: '95', lag: '-5' } })
    expect(finding?.summary).toContain(
      'an open transaction holds the LSO at 97 (read_committed consumers lag against it)',
    )
  })
})

describe('doctor.rebalance-storm: one rebalance is not a storm', () => {
  const withStates = (states: string[]) => {
    const bundle = fresh(healthy)
    delete bundle.traffic
    bundle.manifest.sources.capture.status = 'skipped'
    bundle.availability.capture = { status: 'skipped', usable: false }
    const snapshots = bundle.lag?.snapshots ?? []
    snapshots.splice(states.length)
    snapshots.forEach((s, i) => {
      for (const g of s.groups) g.state = states[i] ?? 'Stable'
    })
    return rebalanceStormRule.evaluate(gatherEvidence(bundle))
  }

  it('Stable → Empty → Stable: ok', () => {
    expect(withStates(['Stable', 'Empty', 'Stable', 'Stable'])[0]?.verdict).toBe('ok')
  })

  it('leaving Stable twice: a storm', () => {
    const [finding] = withStates(['Stable', 'PreparingRebalance', 'Stable', 'Empty'])
    expect(finding).toMatchObject({ verdict: 'issue', severity: 'warning' })
    expect(finding?.summary).toMatch(
      /its state went Stable → PreparingRebalance → Stable → Empty over 4 lag samples$/,
    )
  })
})

describe('doctor.fetch-settings: max_wait that makes fetches return at once', () => {
  const withSettings = (maxWaitMs: number, ratePerS: number, idleRatio: number) => {
    const bundle = fresh(healthy)
    // Every flow of the consumer (one per broker) fetches alike.
    const flows = bundle.traffic?.fetch.clients.filter((f) => !f.clientId.startsWith('kafka-doctor')) ?? []
    if (flows.length === 0) throw new Error('no consumer flow in the healthy capture')
    for (const flow of flows) {
      if (flow.settings) flow.settings.maxWaitMs = maxWaitMs
      flow.ratePerS = ratePerS / flows.length
      flow.idleRatio = idleRatio
    }
    return fetchSettingsRule.evaluate(gatherEvidence(bundle))[0]
  }

  it.each([
    [0, 3, 0.5, 'issue'],
    [10, 60, 0.95, 'issue'],
    [10, 5, 0.95, 'ok'],
    [10, 60, 0.3, 'ok'],
    [100, 60, 0.95, 'ok'],
    [500, 2, 0.5, 'ok'],
  ])('max_wait_ms=%s at %s fetches/s, %s idle: %s', (maxWait, rate, idle, verdict) => {
    expect(withSettings(maxWait, rate, idle)?.verdict).toBe(verdict)
  })
})

describe('doctor.old-client: the version matters when the client loops', () => {
  const withJar = (bundle: Bundle, version: string) => {
    const copy = fresh(bundle)
    copy.jvmLibraries = {
      schema: 'kafka-doctor/jvm-libraries@1',
      pid: 1,
      kafkaClients: [{ jar: `kafka-clients-${version}.jar`, version }],
      source: 'fd',
    }
    return oldClientRule.evaluate(gatherEvidence(copy))[0]
  }

  it('3.6.2 while looping: a warning; while healthy: informational; 3.7.0: ok', () => {
    expect(withJar(incident, '3.6.2')).toMatchObject({
      verdict: 'issue',
      severity: 'warning',
      facts: { looping: true },
    })
    expect(withJar(healthy, '3.6.2')).toMatchObject({
      verdict: 'issue',
      severity: 'info',
      facts: { looping: false },
    })
    expect(withJar(incident, '3.7.0')?.verdict).toBe('ok')
    expect(withJar(incident, '2.5.0')?.summary).toContain('KAFKA-10134')
  })

  it('no version anywhere: insufficient-data', () => {
    const bundle = fresh(healthy)
    delete bundle.jvmLibraries
    for (const c of bundle.traffic?.clients ?? []) c.software = undefined
    expect(oldClientRule.evaluate(gatherEvidence(bundle))[0]?.verdict).toBe('insufficient-data')
  })
})

describe('doctor.poll-spin: a hot poll thread that moves records is work', () => {
  it('poll(0) with nothing consumed is a spin; the same thread at 250 records/s is not', () => {
    expect(pollSpinRule.evaluate(gatherEvidence(fresh(pollZero)))[0]?.verdict).toBe('issue')
    const busy = fresh(pollZero)
    const first = Math.min(...(busy.lag?.samples ?? []).map((s) => s.t))
    for (const s of busy.lag?.samples ?? [])
      if (s.committed !== null) s.committed += BigInt(Math.round((s.t - first) / 12))
    const [finding] = pollSpinRule.evaluate(gatherEvidence(busy))
    expect(finding?.verdict).toBe('ok')
    expect(finding?.summary).toMatch(
      /the group consumed 250 records\/s and 0% of its fetches brought records: that is work, not a spin$/,
    )
    expect(diagnoseBundle(busy).rootCause.kind).toBe('healthy')
  })
})
