import type { ClusterSnapshot, QuorumReplica } from '../../collect/cluster/snapshot.js'
import { clusterFiles } from '../../collect/cluster/snapshot-files.js'
import { errorName } from '../../protocol/generated/errors.js'
import type { Finding } from '../finding.js'
import { type RemedyContext, remedies } from './remedies.js'

/**
 * The KRaft metadata quorum (FM3 of the research notes):
 * - quorum-unavailable: DescribeQuorum not answered → info, insufficient data (the rest still runs);
 * - no-quorum-leader: the quorum has no leader → critical, nothing in the cluster can change;
 * - metadata-log-lag: a registered broker (observer) or a voter that is behind the leader's log and
 *   was last caught up more than `metadataLogLagMs` before the leader's own clock says now → warning:
 *   it serves stale leadership and ISR. Both timestamps come from the controller's clock, so clock
 *   skew between kafka-doctor and the cluster does not matter.
 */

export interface QuorumRuleOptions {
  metadataLogLagMs: number
}

const source = clusterFiles.quorum

export function analyseQuorum(
  snapshot: ClusterSnapshot,
  registeredIds: readonly number[],
  context: RemedyContext,
  options: QuorumRuleOptions,
): Finding[] {
  if (snapshot.mode !== 'kraft') return []
  const quorum = snapshot.quorum
  if (quorum.outcome !== 'ok' || quorum.errorCode !== undefined) {
    const why =
      quorum.errorCode !== undefined ? errorName(quorum.errorCode) : (quorum.error?.message ?? quorum.outcome)
    return [
      {
        id: 'cluster.quorum-unavailable',
        verdict: 'insufficient-data',
        severity: 'info',
        confidence: 1,
        subject: {},
        summary: `the KRaft quorum could not be described: ${why}`,
        evidence: [{ source, observed: { outcome: quorum.outcome, errorCode: quorum.errorCode } }],
      },
    ]
  }
  const findings: Finding[] = []
  if ((quorum.leaderId ?? -1) < 0) {
    findings.push({
      id: 'cluster.no-quorum-leader',
      verdict: 'issue',
      severity: 'critical',
      confidence: 0.9,
      subject: {},
      summary: `the KRaft metadata quorum has no leader (epoch ${quorum.leaderEpoch})`,
      evidence: [{ source, at: '/leaderId', observed: quorum.leaderId }],
      remedy: remedies.noQuorumLeader(context),
    })
    return findings
  }
  const voters = quorum.voters ?? []
  const observers = quorum.observers ?? []
  const leader = voters.find((v) => v.replicaId === quorum.leaderId)
  const controllerNow = Math.max(
    leader?.lastCaughtUpTimestamp ?? -1,
    ...[...voters, ...observers].map((r) => r.lastFetchTimestamp),
  )
  if (controllerNow <= 0) return findings
  const registered = new Set(registeredIds)
  const check = (replica: QuorumReplica, role: 'voter' | 'observer', index: number) => {
    if (replica.replicaId === quorum.leaderId) return
    if (role === 'observer' && !registered.has(replica.replicaId)) return
    if (replica.lag <= 0n || replica.lastCaughtUpTimestamp < 0) return
    const behindMs = controllerNow - replica.lastCaughtUpTimestamp
    if (behindMs <= options.metadataLogLagMs) return
    findings.push({
      id: 'cluster.metadata-log-lag',
      verdict: 'issue',
      severity: 'warning',
      confidence: 0.8,
      subject: { broker: replica.replicaId },
      summary: `${role === 'voter' ? 'controller' : 'broker'} ${replica.replicaId} is ${replica.lag} records behind the metadata log leader and was last caught up ${Math.round(behindMs / 1000)} s ago`,
      evidence: [
        {
          source,
          at: `/${role}s/${index}`,
          observed: {
            replicaId: replica.replicaId,
            lag: replica.lag,
            lastCaughtUpTimestamp: replica.lastCaughtUpTimestamp,
          },
        },
        { source, at: '/highWatermark', observed: quorum.highWatermark },
      ],
      remedy: remedies.metadataLogLag({ ...context, broker: replica.replicaId }),
    })
  }
  for (const [i, v] of voters.entries()) check(v, 'voter', i)
  for (const [i, o] of observers.entries()) check(o, 'observer', i)
  return findings
}
