import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { EvidenceRef } from '../finding.js'
import { unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import { insufficient, ok, ruleFinding } from './rule-support.js'
import type { Rule, RuleFinding } from './rule-types.js'
import { isOwnClient, trafficIndex } from './source-helpers.js'

/**
 * The client's own side: its version (FM8) and its fetch settings (FM9).
 *
 * Old client: the Java client before 3.7 retries a stale leader without backoff (KIP-580) and without
 * the broker's leader hint (KIP-951); the version comes from the capture (ApiVersions v3+, when the
 * connection started inside it) or from the kafka-clients jar the JVM holds open. It matters when the
 * client loops — then it is a warning and "upgrade the client" joins the remedies; otherwise it is
 * informational.
 *
 * Fetch settings: max_wait_ms = 0 (or under 50 ms) with min_bytes ≤ 1 makes every fetch of an idle
 * partition return at once, so the consumer fetches at network round-trip rate without any broker
 * error (the traffic analysis' fetch-settings finding, wrapped, plus short waits it lets through).
 */

export const busyLoopFixedIn = {
  version: [3, 7, 0] as const,
  text: '3.7.0: KIP-580 backoff, KIP-951 leader hints',
}

export const oldClientRule: Rule<'doctor.old-client'> = {
  id: 'doctor.old-client',
  title: 'Old client version with known busy-loop fixes',
  evaluate(evidence) {
    const versions: { client: string; software: string; version: string; ref: EvidenceRef }[] = []
    for (const c of evidence.traffic?.report.clients ?? []) {
      if (!c.software || isOwnClient(c.clientId) || !/java/i.test(c.software.name)) continue
      versions.push({
        client: c.clientId,
        software: c.software.name,
        version: c.software.version,
        ref: {
          source: bundleFiles.traffic,
          at: `/clients/${evidence.traffic?.full.clients.indexOf(c)}/software`,
          observed: c.software,
        },
      })
    }
    evidence.bundle.jvmLibraries?.kafkaClients.forEach((lib, i) => {
      versions.push({
        client: `the consumer in JVM ${evidence.bundle.jvmLibraries?.pid}`,
        software: 'kafka-clients',
        version: lib.version,
        ref: { source: bundleFiles.jvmLibraries, at: `/kafkaClients/${i}`, observed: lib },
      })
    })
    if (versions.length === 0) {
      const why = [
        evidence.traffic
          ? 'the capture saw no connection start (ApiVersions)'
          : unavailableReason(evidence, 'capture'),
        evidence.bundle.jvmLibraries
          ? 'the JVM holds no kafka-clients jar open'
          : unavailableReason(evidence, 'threads'),
      ]
      return [
        insufficient('doctor.old-client', `the client's version is unknown: ${why.join('; ')}`, [
          'capture',
          'threads',
        ]),
      ]
    }
    const looping =
      evidence.traffic?.findings.some(
        (f) =>
          !isOwnClient(f.subject.client) &&
          (f.id === 'traffic.not-leader-loop' ||
            f.id === 'traffic.poll-storm' ||
            f.id === 'traffic.rebalance-churn'),
      ) === true ||
      evidence.threads?.hottest.some((h) => h.thread.classification.kind === 'kafka-poll-spinning') === true
    const out: RuleFinding<'doctor.old-client'>[] = []
    const seen = new Set<string>()
    for (const v of versions) {
      const parsed = parseVersion(v.version)
      if (!parsed || compareVersion(parsed, busyLoopFixedIn.version) >= 0) continue
      if (seen.has(v.version)) continue
      seen.add(v.version)
      const known = [
        `keeps fetching from a stale leader without backoff (KAFKA-15615; fixed by KIP-580/KIP-951 in 3.7)`,
      ]
      if (compareVersion(parsed, [2, 5, 0]) === 0)
        known.push('polls with a zero timeout during rebalances (KAFKA-10134)')
      out.push(
        ruleFinding('doctor.old-client', {
          verdict: 'issue',
          severity: looping ? 'warning' : 'info',
          confidence: looping ? 0.8 : 0.5,
          subject: { client: v.client },
          summary: `${v.client} runs ${v.software} ${v.version}, which ${known.join(' and ')}${looping ? ' — and it is looping now' : ''}`,
          evidence: [v.ref],
          remedy: renderRemedy('old-client', {
            client: v.client.replace(/^the consumer in /, ''),
            software: v.software,
            version: v.version,
            fixedIn: busyLoopFixedIn.text,
          }),
          facts: {
            client: v.client,
            software: v.software,
            version: v.version,
            fixedIn: busyLoopFixedIn.text,
            looping,
          },
        }),
      )
    }
    if (out.length > 0) return out
    return [
      ok(
        'doctor.old-client',
        `client version ${[...new Set(versions.map((v) => v.version))].join(', ')} has the busy-loop fixes (${busyLoopFixedIn.text})`,
        versions.map((v) => v.ref),
      ),
    ]
  },
}

export const fetchSettingsThresholds = { maxWaitMs: 50, minRatePerS: 20, minIdleRatio: 0.8 } as const

export const fetchSettingsRule: Rule<'doctor.fetch-settings'> = {
  id: 'doctor.fetch-settings',
  title: 'Fetch settings that guarantee spinning',
  evaluate(evidence) {
    const index = trafficIndex(evidence)
    if (!index) {
      return [
        insufficient(
          'doctor.fetch-settings',
          `the fetch settings are in the Fetch requests: ${unavailableReason(evidence, 'capture')}`,
          ['capture'],
        ),
      ]
    }
    const t = fetchSettingsThresholds
    const out: RuleFinding<'doctor.fetch-settings'>[] = []
    const seen = new Set<string>()
    for (const flow of index.fetchClients) {
      const s = flow.settings
      if (!s || s.maxWaitMs >= t.maxWaitMs || s.minBytes > 1 || seen.has(flow.clientId)) continue
      const flows = index.fetchClients.filter((f) => f.clientId === flow.clientId)
      const rate = Math.round(flows.reduce((sum, f) => sum + f.ratePerS, 0) * 10) / 10
      const idle =
        flows.reduce((sum, f) => sum + f.idleRatio * f.fetches, 0) /
        Math.max(
          1,
          flows.reduce((sum, f) => sum + f.fetches, 0),
        )
      // max_wait 0 always spins; a short wait spins only when the fetches do come back empty, fast.
      if (s.maxWaitMs > 0 && (rate < t.minRatePerS || idle < t.minIdleRatio)) continue
      seen.add(flow.clientId)
      const wrapped = evidence.traffic?.findings.find(
        (f) => f.id === 'traffic.fetch-settings-spin' && f.subject.client === flow.clientId,
      )
      out.push(
        ruleFinding('doctor.fetch-settings', {
          verdict: 'issue',
          severity: 'warning',
          confidence: wrapped ? Math.max(wrapped.confidence, 0.85) : 0.75,
          subject: { client: flow.clientId },
          summary: `client ${flow.clientId} fetches with max_wait_ms=${s.maxWaitMs} and min_bytes=${s.minBytes}: ${rate} fetches/s over ${flows.length} broker(s), ${Math.round(idle * 100)}% of them empty — every fetch returns at once, no broker error needed`,
          evidence: [
            ...(wrapped?.evidence ?? []),
            {
              source: bundleFiles.traffic,
              at: `/fetch/clients/${evidence.traffic?.full.fetch.clients.indexOf(flow) ?? 0}/settings`,
              observed: s,
            },
          ],
          remedy: renderRemedy('fetch-settings', {
            client: flow.clientId,
            maxWaitMs: s.maxWaitMs,
            minBytes: s.minBytes,
            ratePerS: rate,
          }),
          facts: { client: flow.clientId, maxWaitMs: s.maxWaitMs, minBytes: s.minBytes, ratePerS: rate },
          basedOn: wrapped ? [wrapped.id] : [],
        }),
      )
    }
    if (out.length > 0) return out
    const waits = [
      ...new Set(index.fetchClients.map((f) => f.settings?.maxWaitMs).filter((w) => w !== undefined)),
    ]
    return [
      ok(
        'doctor.fetch-settings',
        waits.length > 0
          ? `the consumers fetch with max_wait_ms ${waits.join(', ')}: brokers hold empty fetches`
          : 'no Fetch request in the capture',
      ),
    ]
  },
}

function parseVersion(text: string): number[] | undefined {
  const match = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  if (!match) return undefined
  return [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)]
}

function compareVersion(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}
