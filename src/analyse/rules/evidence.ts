import type { Bundle } from '../../collect/bundle/bundle.js'
import { bundleFiles, type ClusterPhase, clusterPhases } from '../../collect/bundle/bundle-files.js'
import type { LeaderOffsets } from '../../collect/bundle/leader-offsets.js'
import type { SourceName } from '../../collect/bundle/manifest.js'
import type { ClusterSnapshot } from '../../collect/cluster/snapshot.js'
import type { LagSample } from '../../collect/lag/lag-samples.js'
import type { LagSnapshot } from '../../collect/lag/lag-snapshot.js'
import type { ProfileResult } from '../../collect/profile/profile-result.js'
import type { HotThread, ThreadsResult } from '../../collect/threads/threads-result.js'
import { analyseCluster } from '../cluster/analyse-cluster.js'
import type { ClusterAnalysis } from '../cluster/types.js'
import type { EvidenceRef, Finding } from '../finding.js'
import { analyseLag, type LagReport } from '../lag/analyse-lag.js'
import type { ThreadKind } from '../threads/classify.js'
import type { TrafficReport } from '../traffic/traffic-report.js'
import { trafficFindings } from '../traffic/traffic-rules.js'

/**
 * What the rules read: the bundle, and each source's own analysis run once (the cluster health and
 * divergence analysis, the lag report, the traffic analysis) so that every rule wraps the same
 * findings rather than recomputing them differently. Pure: built from the bundle alone.
 */
export interface Evidence {
  bundle: Bundle
  threads?: ThreadsEvidence
  profile?: ProfileResult
  /** The cluster analysed as `kafka-doctor cluster` would, at each look (start, end). */
  cluster?: ClusterEvidence
  lag?: LagEvidence
  traffic?: TrafficEvidence
  /** Every finding the sources' own analyses made, in the order they made them. */
  sourceFindings: Finding[]
}

export interface ThreadsEvidence {
  result: ThreadsResult
  /** Whole-process CPU, % of one core, averaged over the rounds that measured it. */
  processCpuPercent?: number
  /** CPU per thread kind, % of one core, averaged over the rounds (all GC threads together, …). */
  cpuByKind: Partial<Record<ThreadKind, number>>
  /** `hottest` with each entry's index in threads.json, hottest first. */
  hottest: { thread: HotThread; index: number }[]
}

export interface ClusterLookEvidence {
  phase: ClusterPhase
  snapshot: ClusterSnapshot
  analysis: ClusterAnalysis
  leaderOffsets?: LeaderOffsets
  /** The analysis' findings with their evidence pointing into this look's bundle files. */
  findings: Finding[]
}

export interface ClusterEvidence {
  /** In time order (start, then end); at least one. */
  looks: ClusterLookEvidence[]
  /** The latest look: the cluster as it is now. */
  latest: ClusterLookEvidence
}

export interface LagEvidence {
  report: LagReport
  snapshots: LagSnapshot[]
  samples: LagSample[]
}

export interface TrafficEvidence {
  /** The report narrowed to the target group's clients (see `targetClients`). */
  report: TrafficReport
  /** The report as the bundle holds it: evidence pointers (`/fetch/clients/3`) index into this one. */
  full: TrafficReport
  /** The client ids judged, or null when every client (but kafka-doctor's own) was. */
  clients: string[] | null
  /** The traffic analysis' findings, recomputed from the report (so a newer kafka-doctor applies its rules). */
  findings: Finding[]
}

export function gatherEvidence(bundle: Bundle): Evidence {
  const evidence: Evidence = { bundle, sourceFindings: [] }
  if (bundle.threads) evidence.threads = threadsEvidence(bundle.threads)
  if (bundle.profile) evidence.profile = bundle.profile
  const bootstrap = bundle.manifest.target.bootstrap ?? undefined
  if (bundle.cluster) {
    const looks: ClusterLookEvidence[] = []
    for (const phase of clusterPhases) {
      const look = bundle.cluster[phase]
      if (!look) continue
      const analysis = analyseCluster(look.snapshot, bootstrap ? { bootstrap } : {})
      looks.push({
        phase,
        snapshot: look.snapshot,
        analysis,
        ...(look.leaderOffsets ? { leaderOffsets: look.leaderOffsets } : {}),
        findings: analysis.findings.map((f) => inPhase(f, phase)),
      })
    }
    const latest = looks.at(-1)
    if (latest) {
      evidence.cluster = { looks, latest }
      evidence.sourceFindings.push(...latest.findings)
    }
  }
  if (bundle.lag) {
    const report = analyseLag(bundle.lag.snapshots, { requestedGroups: bundle.manifest.target.groups })
    const findings = report.findings.map(inLagFiles)
    evidence.lag = {
      report: { ...report, findings },
      snapshots: bundle.lag.snapshots,
      samples: bundle.lag.samples,
    }
    evidence.sourceFindings.push(...findings)
  }
  if (bundle.traffic) {
    const clients = targetClients(bundle)
    const report = focusTraffic(bundle.traffic, clients, new Set(bundle.manifest.target.groups))
    const findings = trafficFindings(report).map(inTrafficFiles)
    evidence.traffic = {
      report,
      full: bundle.traffic,
      findings,
      clients: clients ? [...clients].sort() : null,
    }
    evidence.sourceFindings.push(...findings)
  }
  return evidence
}

/**
 * The clients the diagnosis is about: `--client-id` when given, else the members of the target groups,
 * by client id, over every lag sample. A capture filtered on the brokers' addresses holds every client of the host (and
 * kafka-doctor's own requests); the rules judge the group's consumers. Undefined when no member is
 * known (a manually assigned consumer, no lag samples): then every client but kafka-doctor's own.
 */
export function targetClients(bundle: Bundle): Set<string> | undefined {
  const given = bundle.manifest.target.clientIds ?? []
  if (given.length > 0) return new Set(given)
  const groups = new Set(bundle.manifest.target.groups)
  const clients = new Set<string>()
  for (const s of bundle.lag?.snapshots ?? [])
    for (const g of s.groups) if (groups.has(g.group)) for (const m of g.members) clients.add(m.clientId)
  return clients.size > 0 ? clients : undefined
}

/** The traffic tables narrowed to the target clients and groups (the timeline stays whole). */
function focusTraffic(
  report: TrafficReport,
  clients: ReadonlySet<string> | undefined,
  groups: ReadonlySet<string>,
): TrafficReport {
  const keep = (clientId: string) =>
    !clientId.startsWith('kafka-doctor') && (!clients || clients.has(clientId))
  return {
    ...report,
    clients: report.clients.filter((c) => keep(c.clientId)),
    flows: report.flows.filter((f) => keep(f.clientId)),
    clientErrors: report.clientErrors.filter((e) => keep(e.clientId)),
    fetch: { ...report.fetch, clients: report.fetch.clients.filter((f) => keep(f.clientId)) },
    groups: groups.size > 0 ? report.groups.filter((g) => groups.has(g.group)) : report.groups,
  }
}

/** A cluster finding's evidence (`cluster/views/…`) pointed at the look's own files (`cluster/end/views/…`). */
function inPhase(finding: Finding, phase: ClusterPhase): Finding {
  return {
    ...finding,
    evidence: finding.evidence.map((e) =>
      e.source.startsWith('cluster/')
        ? { ...e, source: `${bundleFiles.clusterDir(phase)}/${e.source.slice(8)}` }
        : e,
    ),
  }
}

/** Lag findings name their evidence by request (`offset-fetch`, `list-offsets` …): all of it is in the snapshots. */
function inLagFiles(finding: Finding): Finding {
  return {
    ...finding,
    evidence: finding.evidence.map(
      (e): EvidenceRef =>
        e.source.endsWith('.jsonl')
          ? { ...e, source: e.source === 'lag-samples.jsonl' ? bundleFiles.lagSamples : e.source }
          : { ...e, source: bundleFiles.lagSnapshots, at: `${e.source}${e.at ? ` ${e.at}` : ''}` },
    ),
  }
}

/**
 * Traffic findings point at frames of the capture files (by byte offset of the file the analysis
 * read, which the bundle's headers-only capture does not keep) and at tables of the report: all of
 * it is in traffic.json, so the references say that, with the frame's time.
 */
function inTrafficFiles(finding: Finding): Finding {
  return {
    ...finding,
    evidence: finding.evidence.map((e): EvidenceRef => {
      const frame = /^offset (\d+) \(t=([\d.]+) s\)$/.exec(e.at ?? '')
      if (frame)
        return {
          source: bundleFiles.traffic,
          at: `frame at t=${frame[2]} s (byte ${frame[1]} of the capture analysed)`,
        }
      return {
        ...e,
        source: bundleFiles.traffic,
        at: `/${e.source.replaceAll('.', '/')}${e.at ? `/${e.at}` : ''}`,
      }
    }),
  }
}

/** Why a source cannot be used, in a few words (for insufficient-data summaries). */
export function unavailableReason(evidence: Evidence, source: SourceName): string {
  const a = evidence.bundle.availability[source]
  const entry = evidence.bundle.manifest.sources[source]
  const why = a.reason ?? entry.reason ?? entry.error?.message
  return `${source} ${a.status === 'missing' ? 'missing from the bundle' : a.status}${why ? ` (${why})` : ''}`
}

export function usable(evidence: Evidence, source: SourceName): boolean {
  return evidence.bundle.availability[source].usable
}

function threadsEvidence(result: ThreadsResult): ThreadsEvidence {
  const measured = result.rounds.filter((r) => r.processCpuPercent !== undefined)
  const processCpuPercent =
    measured.length > 0
      ? round1(measured.reduce((sum, r) => sum + (r.processCpuPercent ?? 0), 0) / measured.length)
      : undefined
  const cpuByKind: Partial<Record<ThreadKind, number>> = {}
  for (const r of measured) {
    for (const t of r.threads) {
      if (t.cpuPercent === undefined) continue
      const kind = t.classification.kind
      cpuByKind[kind] = (cpuByKind[kind] ?? 0) + t.cpuPercent / measured.length
    }
  }
  for (const kind of Object.keys(cpuByKind) as ThreadKind[]) cpuByKind[kind] = round1(cpuByKind[kind] ?? 0)
  const hottest = result.hottest
    .map((thread, index) => ({ thread, index }))
    .sort((a, b) => threadDemand(b.thread) - threadDemand(a.thread))
  return {
    result,
    ...(processCpuPercent !== undefined ? { processCpuPercent } : {}),
    cpuByKind,
    hottest,
  }
}

/** A hot thread's CPU over the run: its mean, else its single figure. */
export function threadCpu(thread: HotThread): number {
  return thread.meanCpuPercent ?? thread.cpuPercent ?? 0
}

/**
 * What a thread wanted: its CPU plus the time it sat runnable waiting for a CPU (schedstat). On a
 * saturated host a spinning thread gets a share of a core; its demand is still a whole one. The
 * thresholds of the rules compare demand, as the thread classifier does.
 */
export function threadDemand(thread: HotThread): number {
  return threadCpu(thread) + (thread.runQueuePercent ?? 0)
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10
}
