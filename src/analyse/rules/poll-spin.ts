import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { HotThread } from '../../collect/threads/threads-result.js'
import type { EvidenceRef, Finding } from '../finding.js'
import { type Evidence, unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import {
  bootstrapOf,
  groupOf,
  hotThreadFact,
  insufficient,
  ok,
  pidOf,
  ruleFinding,
  threadLabel,
  threadRef,
} from './rule-support.js'
import type { PollSpinFacts, Rule, RuleFinding } from './rule-types.js'
import { consumedRecordsPerSecond, isOwnClient, trafficIndex } from './source-helpers.js'

/**
 * Consumer poll spin (FM1, FM9): a thread burns CPU in the Kafka client's poll/network loop, and the
 * capture shows why — fetches far above what fetch.max.wait.ms allows, coming back empty or errored
 * (the traffic analysis' poll storm, wrapped). The hot thread alone is a spin seen but not explained;
 * a hot poll thread that moves many records a second is work, not a spin (FM11's discriminator).
 */
export const pollSpinThresholds = {
  /** Records a second over the run from which CPU in the poll loop counts as real work. */
  busyRecordsPerSecond: 50,
  /** …or fetches that mostly bring records back (share of empty or errored answers below this). */
  busyIdleRatio: 0.5,
} as const

export const pollSpinRule: Rule<'doctor.poll-spin'> = {
  id: 'doctor.poll-spin',
  title: 'Consumer poll spin',
  evaluate(evidence) {
    const hot = spinningThread(evidence)
    const storms = (evidence.traffic?.findings ?? []).filter(
      (f) => f.id === 'traffic.poll-storm' && !isOwnClient(f.subject.client),
    )
    const consumed = consumedRecordsPerSecond(evidence)
    if (!evidence.threads && !evidence.traffic) {
      return [
        insufficient(
          'doctor.poll-spin',
          `neither thread samples nor a capture: ${unavailableReason(evidence, 'threads')}; ${unavailableReason(evidence, 'capture')}`,
          ['threads', 'capture'],
        ),
      ]
    }
    const storm = storms.sort(
      (a, b) => (fetchOf(evidence, b)?.ratePerS ?? 0) - (fetchOf(evidence, a)?.ratePerS ?? 0),
    )[0]
    if (!hot && !storm) {
      if (!evidence.threads) {
        return [
          insufficient(
            'doctor.poll-spin',
            `the capture shows no poll storm, but a spin inside the client (poll(0)) cannot be seen without thread samples: ${unavailableReason(evidence, 'threads')}`,
            ['threads'],
          ),
        ]
      }
      const top = evidence.threads.hottest[0]
      return [
        ok(
          'doctor.poll-spin',
          top
            ? `no thread spins in the Kafka client (hottest: ${threadLabel(hotThreadFact(top.thread))} at ${hotThreadFact(top.thread).cpuPercent}% of a core, ${top.thread.classification.label})`
            : 'no thread spins in the Kafka client',
          top ? [threadRef(top.index)] : [],
        ),
      ]
    }
    const facts: PollSpinFacts = {
      ...(hot ? { thread: hotThreadFact(hot.thread) } : {}),
      ...(consumed !== undefined ? { consumedRecords: Math.round(consumed.records) } : {}),
    }
    const fetch = storm ? fetchOf(evidence, storm) : undefined
    if (fetch) facts.fetch = fetch
    const flowIndex = fetch
      ? (evidence.traffic?.full.fetch.clients.findIndex(
          (f) => f.clientId === fetch.client && f.brokerId === fetch.broker,
        ) ?? -1)
      : -1
    const refs: EvidenceRef[] = [
      ...(hot ? [threadRef(hot.index)] : []),
      ...(flowIndex >= 0
        ? [
            trafficRef(`/fetch/clients/${flowIndex}`, {
              ratePerS: fetch?.ratePerS,
              idleRatio: fetch?.idleRatio,
            }),
          ]
        : (storm?.evidence ?? [])),
    ]
    const remedy = renderRemedy('poll-spin', {
      thread: facts.thread?.name ?? '(unknown: no thread samples)',
      bootstrap: bootstrapOf(evidence),
      group: groupOf(evidence),
      pid: pidOf(evidence),
    })
    const threadText = facts.thread
      ? `thread ${threadLabel(facts.thread)} spins in the Kafka client's poll loop at ${facts.thread.cpuPercent}% of a core`
      : 'a consumer spins in its poll loop (no thread samples say which thread)'
    if (storm && fetch) {
      return [
        spin(hot ? 0.9 : 0.65, `${threadText}: ${stormText(fetch)}`, refs, remedy, facts, [storm.id], storm),
      ]
    }
    // A hot poll thread without a storm in the traffic: work when records flow (FM11's discriminator:
    // bytes and records consumed high means legitimate cost; both ≈ 0 with high CPU means a spin).
    const flows = trafficIndex(evidence)?.fetchClients ?? []
    const fetches = flows.reduce((sum, f) => sum + f.fetches, 0)
    const idle =
      fetches > 0 ? flows.reduce((sum, f) => sum + f.idleRatio * f.fetches, 0) / fetches : undefined
    const busyByRecords =
      consumed !== undefined && consumed.perSecond >= pollSpinThresholds.busyRecordsPerSecond
    const busyByFetches = idle !== undefined && idle < pollSpinThresholds.busyIdleRatio
    if (busyByRecords || busyByFetches) {
      const why = [
        ...(consumed ? [`the group consumed ${Math.round(consumed.perSecond)} records/s`] : []),
        ...(idle !== undefined ? [`${Math.round((1 - idle) * 100)}% of its fetches brought records`] : []),
      ]
      return [
        ok(
          'doctor.poll-spin',
          `${threadText.replace(' spins in', ' works in')}, but ${why.join(' and ')}: that is work, not a spin`,
          refs,
        ),
      ]
    }
    if (evidence.traffic) {
      // Fetches returning at once without a storm finding: max_wait_ms 0 allows any rate (the
      // fetch-settings rule names it); the spin is the fetches, not the application's loop.
      const index = trafficIndex(evidence)
      const fastest = [...(index?.fetchClients ?? [])].sort((a, b) => b.ratePerS - a.ratePerS)[0]
      if (fastest && fastest.ratePerS >= 20 && fastest.idleRatio >= 0.8) {
        const fast: NonNullable<PollSpinFacts['fetch']> = {
          client: fastest.clientId,
          ...(fastest.brokerId !== undefined ? { broker: fastest.brokerId } : {}),
          ratePerS: fastest.ratePerS,
          ...(fastest.settings ? { maxWaitMs: fastest.settings.maxWaitMs } : {}),
          idleRatio: fastest.idleRatio,
          erroredRatio: fastest.erroredRatio,
        }
        const i = evidence.traffic.full.fetch.clients.indexOf(fastest)
        return [
          spin(
            0.8,
            `${threadText}: ${stormText(fast)}${fastest.settings ? `, fetching with max_wait_ms=${fastest.settings.maxWaitMs}` : ''}`,
            [
              ...refs,
              trafficRef(`/fetch/clients/${i}`, { ratePerS: fast.ratePerS, idleRatio: fast.idleRatio }),
            ],
            remedy,
            { ...facts, fetch: fast },
            [],
          ),
        ]
      }
      return [
        spin(
          0.7,
          `${threadText}, while its fetches come at a normal rate: the application itself calls poll() in a tight loop (poll(Duration.ZERO) or a very short timeout)${consumed ? `; ${Math.round(consumed.perSecond)} records/s consumed` : ''}`,
          refs,
          remedy,
          facts,
          [],
        ),
      ]
    }
    return [
      spin(
        0.5,
        `${threadText}${consumed ? ` while the group consumed ${Math.round(consumed.perSecond)} records/s` : ''}; why needs the traffic: ${unavailableReason(evidence, 'capture')}`,
        refs,
        remedy,
        facts,
        [],
      ),
    ]
  },
}

function spin(
  confidence: number,
  summary: string,
  evidence: EvidenceRef[],
  remedy: string,
  facts: PollSpinFacts,
  basedOn: string[],
  storm?: Finding,
): RuleFinding<'doctor.poll-spin'> {
  return ruleFinding('doctor.poll-spin', {
    verdict: 'issue',
    severity: 'warning',
    confidence,
    subject: {
      ...(facts.thread ? { thread: facts.thread.name } : {}),
      ...(storm?.subject.client ? { client: storm.subject.client } : {}),
      ...(storm?.subject.broker !== undefined ? { broker: storm.subject.broker } : {}),
    },
    summary,
    evidence,
    remedy,
    facts,
    basedOn,
  })
}

function stormText(f: NonNullable<PollSpinFacts['fetch']>): string {
  const rate = f.ratePerS >= 100 ? Math.round(f.ratePerS) : Math.round(f.ratePerS * 10) / 10
  return `client ${f.client} fetches ${rate}/s${f.broker !== undefined ? ` from broker ${f.broker}` : ''}${
    f.allowedPerS !== undefined
      ? `, ${Math.round(f.ratePerS / Math.max(0.001, f.allowedPerS))}× what fetch.max.wait.ms=${f.maxWaitMs} allows`
      : ''
  }, ${Math.round(f.idleRatio * 100)}% of the answers empty or errored (${Math.round(f.erroredRatio * 100)}% errored)`
}

/** The hottest thread that spins in the Kafka client (the classic poll thread, or KIP-848's background thread). */
function spinningThread(evidence: Evidence): { thread: HotThread; index: number } | undefined {
  return evidence.threads?.hottest.find(
    ({ thread }) =>
      thread.classification.kind === 'kafka-poll-spinning' ||
      (thread.classification.kind === 'kafka-background-thread' && thread.classification.busy === true),
  )
}

/** The fetch flow behind a poll-storm finding. */
function fetchOf(evidence: Evidence, storm: Finding): PollSpinFacts['fetch'] | undefined {
  const index = trafficIndex(evidence)
  const flow = index?.fetchClients.find(
    (f) =>
      f.clientId === storm.subject.client &&
      (storm.subject.broker === undefined || f.brokerId === storm.subject.broker),
  )
  if (!flow) return undefined
  const maxWait = flow.settings?.maxWaitMs
  return {
    client: flow.clientId,
    ...(flow.brokerId !== undefined ? { broker: flow.brokerId } : {}),
    ratePerS: flow.ratePerS,
    ...(maxWait !== undefined && maxWait > 0
      ? { allowedPerS: Math.round((1000 / maxWait) * 100) / 100, maxWaitMs: maxWait }
      : {}),
    idleRatio: flow.idleRatio,
    erroredRatio: flow.erroredRatio,
  }
}

export const trafficRef = (pointer: string, observed?: unknown): EvidenceRef => ({
  source: bundleFiles.traffic,
  at: pointer,
  ...(observed !== undefined ? { observed } : {}),
})
