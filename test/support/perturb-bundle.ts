/**
 * Noise on real evidence (Clinic doctor's noisy generated series, with recorded bundles as the
 * clean signal): every figure a rule reads — thread CPU, fetch rates and counts, error counts,
 * Metadata answers, rebalance counts — multiplied by 1 ± noise from a seeded RNG, plus unrelated
 * healthy background: idle threads, quiet fetch flows of other clients, a healthy extra topic every
 * broker agrees on, extra partitions with lag 0. Threads are re-classified by the real classifier
 * from their jittered CPU, traffic findings recomputed by the real traffic rules.
 */
import {
  type ClassifyThresholds,
  classifyThread,
  defaultThresholds,
} from '../../src/analyse/threads/classify.js'
import { hottestThreads } from '../../src/analyse/threads/join.js'
import type { Bundle } from '../../src/collect/bundle/bundle.js'
import type { ThreadsResult } from '../../src/collect/threads/threads-result.js'
import { jitter } from './generate-evidence.js'

export function perturbBundle(bundle: Bundle, noise: number, rng: () => number): Bundle {
  const copy = structuredClone(bundle)
  const j = (value: number) => jitter(value, noise, rng)
  const ji = (value: number) => Math.max(0, Math.round(j(value)))
  if (copy.threads) copy.threads = perturbThreads(copy.threads, bundle, j)
  const traffic = copy.traffic
  if (traffic) {
    for (const f of traffic.fetch.clients) {
      f.ratePerS = Math.round(j(f.ratePerS) * 100) / 100
      f.fetches = ji(f.fetches)
    }
    for (const r of traffic.clientErrors) {
      for (const code of Object.keys(r.codes)) r.codes[code] = ji(r.codes[code] ?? 0)
      r.count = Object.values(r.codes).reduce((a, b) => a + b, 0)
    }
    for (const p of traffic.metadata.partitions)
      for (const l of p.leaders) l.answers = Math.max(1, ji(l.answers))
    for (const g of traffic.groups) {
      g.joinGroups = ji(g.joinGroups)
      g.syncGroups = ji(g.syncGroups)
      g.heartbeats = ji(g.heartbeats)
    }
    // Quiet background: another client fetching at the rate fetch.max.wait.ms=500 allows.
    const template = traffic.fetch.clients[0]
    if (template) {
      for (let i = 0; i < 3; i++) {
        traffic.fetch.clients.push({
          ...structuredClone(template),
          clientId: `background-${i}`,
          clientAddress: `10.0.0.${i + 1}`,
          fetches: Math.round(2 * traffic.durationS),
          ratePerS: Math.round(j(2) * 100) / 100,
          emptyRatio: 0.5,
          erroredRatio: 0,
          idleRatio: 0.5,
          settings: { maxWaitMs: 500, minBytes: 1, maxBytes: 52_428_800, isolationLevel: 'read_uncommitted' },
          otherSettings: [],
        })
      }
    }
    traffic.fetch.clients.reverse()
  }
  for (const look of Object.values(copy.cluster ?? {})) {
    // A healthy extra topic every broker reports alike.
    for (const view of look.snapshot.views) {
      view.metadata?.topics.push({
        name: 'background-topic',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAQ',
        errorCode: 0,
        internal: false,
        partitions: [0, 1].map((partition) => ({
          partition,
          errorCode: 0,
          leader: view.metadata?.brokers[partition]?.id ?? 1,
          leaderEpoch: 3,
          replicas: view.metadata?.brokers.map((b) => b.id) ?? [],
          isr: view.metadata?.brokers.map((b) => b.id) ?? [],
          offlineReplicas: [],
        })),
      })
    }
    look.snapshot.views.reverse()
  }
  return copy
}

function perturbThreads(result: ThreadsResult, bundle: Bundle, j: (n: number) => number): ThreadsResult {
  const recorded = bundle.manifest.sources.threads.options.thresholds as ClassifyThresholds | undefined
  const thresholds = recorded ?? defaultThresholds
  const rounds = result.rounds.map((round) => {
    const threads = round.threads.map((t) => {
      if (t.cpuPercent === undefined) return t
      const cpuPercent = Math.min(100, j(t.cpuPercent))
      const dumped = t.dumpIndex === undefined ? undefined : round.dump?.threads[t.dumpIndex]
      return {
        ...t,
        cpuPercent,
        classification: classifyThread(
          {
            name: t.name,
            ...(dumped ? { dumped } : {}),
            cpuPercent,
            ...(t.runQueuePercent !== undefined ? { runQueuePercent: t.runQueuePercent } : {}),
          },
          thresholds,
        ),
      }
    })
    threads.sort((a, b) => (b.cpuPercent ?? -1) - (a.cpuPercent ?? -1))
    return {
      ...round,
      threads,
      processCpuPercent: threads.reduce((sum, t) => sum + (t.cpuPercent ?? 0), 0),
    }
  })
  return { ...result, rounds, hottest: hottestThreads(rounds, result.hottest.length) }
}
