import type { ClusterSnapshot } from '../../collect/cluster/snapshot.js'
import { compareSeverity, type Severity, worstSeverity } from '../../outcome.js'
import type { Finding } from '../finding.js'
import { analyseBrokers } from './broker-rules.js'
import { analyseDivergence } from './divergence.js'
import { analysePartitions } from './partition-rules.js'
import { analyseQuorum } from './quorum-rules.js'
import type { ClusterAnalysis, ControllerSummary, PartitionState } from './types.js'
import { answered, latestViews } from './views.js'

/**
 * From a cluster snapshot to the cluster as its brokers agree on it, and the findings. Pure: the same
 * snapshot (live, or read back from an evidence bundle) always gives the same analysis.
 */

export interface AnalyseClusterOptions {
  /** Bootstrap address to write into remedy commands (default: the snapshot's first bootstrap). */
  bootstrap?: string
  /** A broker last caught up with the metadata log longer ago than this is lagging (default 10 s). */
  metadataLogLagMs?: number
  /** Share of a broker's preferred partitions led by others above which it is imbalanced (0.1, as Kafka). */
  leaderImbalanceRatio?: number
}

export function analyseCluster(
  snapshot: ClusterSnapshot,
  options: AnalyseClusterOptions = {},
): ClusterAnalysis {
  const context = {
    bootstrap: options.bootstrap ?? snapshot.bootstrap.map((b) => b.address).join(','),
    mode: snapshot.mode,
  }
  const divergent = analyseDivergence(snapshot, context)
  const { divergence, consensus } = divergent
  const registeredIds =
    divergence.brokerList?.agreed ??
    [...snapshot.views]
      .reverse()
      .find((v) => v.metadata)
      ?.metadata?.brokers.map((b) => b.id) ??
    []
  const health = analysePartitions(snapshot, consensus, context)
  const brokerPart = analyseBrokers(snapshot, consensus, registeredIds, context, {
    leaderImbalanceRatio: options.leaderImbalanceRatio ?? 0.1,
  })
  const quorumFindings = analyseQuorum(snapshot, registeredIds, context, {
    metadataLogLagMs: options.metadataLogLagMs ?? 10_000,
  })
  const findings = sortFindings([
    ...divergent.findings,
    ...health.findings,
    ...brokerPart.findings,
    ...quorumFindings,
  ])

  const problemsOf = new Map<string, Set<string>>()
  for (const f of findings) {
    if (f.subject.topic === undefined || f.subject.partition === undefined || f.severity === 'info') continue
    const key = `${f.subject.topic}/${f.subject.partition}`
    const set = problemsOf.get(key) ?? new Set<string>()
    set.add(f.id.replace(/^cluster\./, ''))
    problemsOf.set(key, set)
  }
  for (const f of findings) {
    if (f.id !== 'cluster.preferred-leader-not-leading') continue
    const key = `${f.subject.topic}/${f.subject.partition}`
    problemsOf.set(key, new Set([...(problemsOf.get(key) ?? []), 'not-preferred-leader']))
  }
  const divergentKeys = new Set(divergence.partitions.map((p) => `${p.topic}/${p.partition}`))
  const partitions: PartitionState[] = consensus.map((p) => ({
    topic: p.topic,
    partition: p.partition,
    ...p.agreed,
    minInsyncReplicas: health.minIsr(p.topic),
    reportedBy: p.agreeing,
    divergent: divergentKeys.has(`${p.topic}/${p.partition}`),
    problems: [...(problemsOf.get(`${p.topic}/${p.partition}`) ?? [])],
  }))

  const counts: Record<Severity, number> = { info: 0, warning: 0, critical: 0 }
  const byId: Record<string, number> = {}
  for (const f of findings) {
    counts[f.severity] += 1
    byId[f.id] = (byId[f.id] ?? 0) + 1
  }
  const brokers = brokerPart.brokers
  return {
    clusterId: divergence.clusterId?.agreed ?? snapshot.describeCluster.clusterId ?? null,
    mode: snapshot.mode,
    controller: controllerSummary(snapshot, divergence.controller?.agreed ?? null),
    quorum: snapshot.quorum,
    brokers,
    topics: health.topics,
    partitions,
    divergence,
    findings,
    summary: {
      brokers: {
        known: brokers.length,
        registered: brokers.filter((b) => b.registered).length,
        reachable: brokers.filter((b) => b.reachable).length,
        unreachable: brokers.filter((b) => !b.reachable).length,
      },
      topics: health.topics.length,
      partitions: partitions.length,
      findings: counts,
      byId,
      worst: worstSeverity(findings),
    },
  }
}

function controllerSummary(snapshot: ClusterSnapshot, zkController: number | null): ControllerSummary {
  const reportedByBrokers = latestViews(snapshot)
    .filter(answered)
    .map((v) => ({ broker: v.brokerId, controllerId: v.metadata.controllerId }))
  const describeCluster = snapshot.describeCluster.controllerId ?? null
  if (snapshot.mode === 'kraft') {
    const leader = snapshot.quorum.leaderId
    return leader !== undefined && leader >= 0 && snapshot.quorum.errorCode === undefined
      ? { id: leader, source: 'describe-quorum', reportedByBrokers, describeCluster }
      : { id: null, source: 'unknown', reportedByBrokers, describeCluster }
  }
  return zkController !== null && zkController >= 0
    ? { id: zkController, source: 'metadata', reportedByBrokers, describeCluster }
    : { id: null, source: 'unknown', reportedByBrokers, describeCluster }
}

/** Worst first; then by id and subject, so that output is stable. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const subjectKey = (f: Finding) =>
    [
      f.subject.topic ?? '',
      String(f.subject.partition ?? -1).padStart(8, '0'),
      String(f.subject.broker ?? -1).padStart(8, '0'),
    ].join('/')
  return [...findings].sort(
    (a, b) =>
      compareSeverity(b.severity, a.severity) ||
      a.id.localeCompare(b.id) ||
      subjectKey(a).localeCompare(subjectKey(b)),
  )
}
