import type {
  LagSnapshot,
  PartitionEnds,
  ReplicaInvestigation,
  ReplicaLogEnd,
} from '../../collect/lag/lag-snapshot.js'
import { partitionKey } from '../../collect/lag/lag-snapshot.js'
import type { EvidenceRef, Finding } from '../finding.js'

/**
 * Why a committed offset is above the high watermark. Burrow, KMinion and kafka-lag-exporter clamp
 * this to 0 and kafka-consumer-groups prints it without a word; here every such partition gets a
 * finding that names the cause the evidence supports (docs/lag.md, "Negative lag"):
 *
 * - `lag.negative.transient`: the HW read again (fresh metadata) is at or above the commit: the
 *   first HW came from a leader whose HW was still catching up (failover, KIP-207). Not persistent.
 * - `lag.negative.stale-leader`: the broker that answered the HW has an older leader epoch than
 *   another broker reports, or another broker names a different leader: its view is behind.
 * - `lag.negative.hw-held-back`: the leader's own log reaches past the commit but its HW does not: an
 *   in-sync follower has not replicated that far (named, with its log end).
 * - `lag.negative.leader-behind-replica`: a follower's log reaches the commit, the leader's does not.
 * - `lag.negative.topic-recreated`: the commit's leader epoch is newer than the partition's, or the
 *   current epoch's own log never reached the commit: the topic was deleted and created again under
 *   the group (or the offset was written by hand).
 * - `lag.negative.log-truncated`: the log of the commit's (older) epoch ends before the commit:
 *   truncated at a leader change (unclean election).
 * - `lag.negative.beyond-log-end`: no epoch recorded with the commit and no replica holds it: written
 *   by a tool (reset-offsets, AdminClient, MirrorMaker) or against a topic since recreated.
 */

export interface NegativeCommit {
  group: string
  committed: bigint
  leaderEpoch: number | null
}

const cannotSee = [
  'What kafka-doctor cannot see from outside the cluster: the controller’s own view (the KRaft metadata',
  'log and how far each broker has applied it — `kafka-metadata-quorum.sh describe --replication`), which',
  'follower the leader is waiting for inside its fetch sessions (broker metric `ReplicaFetcherManager',
  'MaxLag`, `IsrShrinksPerSec`), unclean leader elections (`ControllerStats UncleanLeaderElectionsPerSec`,',
  'broker logs "Truncating"), when and by which member an offset was committed (OffsetFetch carries no',
  'timestamp; `__consumer_offsets` does), and whether a topic was recreated (a commit stores no topic id).',
].join(' ')

export function negativeLagFindings(snapshot: LagSnapshot): Finding[] {
  const first = new Map(snapshot.partitions.map((p) => [partitionKey(p.topic, p.partition), p]))
  const again = new Map(snapshot.rereads.map((p) => [partitionKey(p.topic, p.partition), p]))
  const investigations = new Map(snapshot.investigations.map((i) => [partitionKey(i.topic, i.partition), i]))
  const commits = new Map<string, NegativeCommit[]>()
  for (const g of snapshot.groups) {
    for (const c of g.committed) {
      const key = partitionKey(c.topic, c.partition)
      const hw = first.get(key)?.highWatermark
      if (c.offset === null || hw === null || hw === undefined || c.offset <= hw) continue
      const list = commits.get(key) ?? []
      list.push({ group: g.group, committed: c.offset, leaderEpoch: c.leaderEpoch })
      commits.set(key, list)
    }
  }
  const findings: Finding[] = []
  // One finding per group and partition: the partition's evidence is shared, but the commit's
  // leader epoch (and so the explanation) belongs to each group.
  for (const [key, list] of commits) {
    const ends = first.get(key)
    if (!ends) continue
    for (const commit of list) {
      findings.push(
        explainNegative({
          ends,
          reread: again.get(key),
          investigation: investigations.get(key),
          commits: [commit],
        }),
      )
    }
  }
  return findings
}

export interface NegativeCase {
  ends: PartitionEnds
  reread: PartitionEnds | undefined
  investigation: ReplicaInvestigation | undefined
  commits: readonly NegativeCommit[]
}

/** One finding for one partition whose commit(s) are above the HW, with the most specific cause. */
export function explainNegative(c: NegativeCase): Finding {
  const { ends, reread, investigation } = c
  const where = `${ends.topic}-${ends.partition}`
  const highest = c.commits.reduce((a, b) => (b.committed > a.committed ? b : a))
  const groups = [...new Set(c.commits.map((x) => x.group))].sort()
  const groupText = groups.length === 1 ? `group ${groups[0]}` : `groups ${groups.join(', ')}`
  const subject = {
    topic: ends.topic,
    partition: ends.partition,
    ...(groups.length === 1 ? { group: groups[0] } : {}),
  }
  const evidence: EvidenceRef[] = [
    ...c.commits.map((x) => ({
      source: 'offset-fetch',
      at: `${x.group}/${where}`,
      observed: { committed: x.committed, leaderEpoch: x.leaderEpoch },
    })),
    {
      source: 'list-offsets',
      at: `${where}@broker-${ends.leader}`,
      observed: {
        highWatermark: ends.highWatermark,
        answeredEpoch: ends.answeredEpoch,
        metadataEpoch: ends.leaderEpoch,
      },
    },
  ]
  const base = { verdict: 'issue' as const, subject, evidence }
  const reHw = reread?.highWatermark ?? null
  if (reread) {
    evidence.push({
      source: 'list-offsets (read again)',
      at: `${where}@broker-${reread.leader}`,
      observed: {
        highWatermark: reHw,
        answeredEpoch: reread.answeredEpoch,
        error: reread.highWatermarkError,
      },
    })
  }
  if (reread && reHw !== null && highest.committed <= reHw) {
    return {
      ...base,
      id: 'lag.negative.transient',
      severity: 'info',
      confidence: 0.7,
      summary: `${where}: ${groupText} committed ${highest.committed}, above the high watermark ${ends.highWatermark} read first but not above ${reHw} read again a moment later: the first answer came from a high watermark that was still catching up (a new leader after failover, KIP-207); not persistent`,
      remedy: remedyTransient,
    }
  }
  const hw = reHw ?? ends.highWatermark
  const leaderAsked = reread?.leader ?? ends.leader
  if (!investigation) {
    return {
      ...base,
      id: 'lag.negative',
      severity: 'critical',
      confidence: 0.5,
      summary: `${where}: ${groupText} committed ${highest.committed}, above the high watermark ${hw} (negative lag ${hw === null ? '?' : hw - highest.committed}); the replicas were not asked, so the cause is open`,
      remedy: `${remedyGeneric}\n\n${cannotSee}`,
    }
  }
  evidence.push(
    ...investigation.metadataViews.map((v) => ({
      source: 'metadata',
      at: `broker-${v.broker}/${where}`,
      observed: v.error
        ? { error: v.error, ...(v.detail ? { detail: v.detail } : {}) }
        : { leader: v.leader, leaderEpoch: v.leaderEpoch, isr: v.isr },
    })),
    ...investigation.logEnds.map((e) => ({
      source: 'list-offsets (replica -2)',
      at: `broker-${e.broker}/${where}`,
      observed: e.error ? { error: e.error } : { logEndOffset: e.logEndOffset, epoch: e.epoch },
    })),
    ...investigation.epochEnds.map((e) => ({
      source: 'offset-for-leader-epoch',
      at: `${where}@epoch-${e.epoch}`,
      observed: e.error ? { error: e.error } : { endOffset: e.endOffset, leaderEpoch: e.leaderEpoch },
    })),
  )
  const negativeBy = hw === null ? null : hw - highest.committed
  const lead = `${where}: ${groupText} committed ${highest.committed}, the high watermark is ${hw} (lag ${negativeBy})`

  // 1. Brokers that disagree about the leader or its epoch.
  const views = investigation.metadataViews.filter((v) => v.error === null && v.leaderEpoch !== null)
  const maxEpoch = Math.max(
    -1,
    ...views.map((v) => v.leaderEpoch as number),
    ...(ends.answeredEpoch === null ? [] : [ends.answeredEpoch]),
  )
  const current = views.filter((v) => v.leaderEpoch === maxEpoch)
  const currentLeader = current[0]?.leader ?? null
  const staleViews = views.filter(
    (v) => (v.leaderEpoch as number) < maxEpoch || (v.leaderEpoch === maxEpoch && v.leader !== currentLeader),
  )
  const answered = reread?.answeredEpoch ?? ends.answeredEpoch
  const askedIsStale =
    leaderAsked !== null &&
    ((answered !== null && answered < maxEpoch) || (currentLeader !== null && leaderAsked !== currentLeader))
  if (askedIsStale || staleViews.length > 0) {
    const behind = askedIsStale ? leaderAsked : staleViews[0]?.broker
    const staleText = staleViews
      .map((v) => `broker ${v.broker} names leader ${v.leader} at epoch ${v.leaderEpoch}`)
      .join('; ')
    return {
      ...base,
      subject: { ...subject, ...(behind === undefined || behind === null ? {} : { broker: behind }) },
      id: 'lag.negative.stale-leader',
      severity: 'critical',
      confidence: askedIsStale ? 0.9 : 0.75,
      summary: askedIsStale
        ? `${lead}: the high watermark came from broker ${leaderAsked}, which answers at leader epoch ${answered ?? '?'} while the current epoch is ${maxEpoch} with leader ${currentLeader}: broker ${leaderAsked}'s view is behind and the HW it reports is stale${staleText ? ` (${staleText})` : ''}`
        : `${lead}: the brokers disagree about the partition's leadership — ${staleText}, while the newest epoch ${maxEpoch} names leader ${currentLeader}; the broker(s) with the older view are behind`,
      remedy: `${remedyStaleLeader}\n\n${cannotSee}`,
    }
  }

  // 2. Replica logs: does any replica hold the committed offset?
  const logEnds = investigation.logEnds
  const leaderEnd = logEnds.find((e) => e.broker === leaderAsked)
  const reaching = logEnds.filter((e) => e.logEndOffset !== null && e.logEndOffset >= highest.committed)
  const silent = logEnds.filter((e) => e.logEndOffset === null)
  const silentText =
    silent.length > 0 ? `; no answer from broker ${silent.map((s) => s.broker).join(', ')}` : ''
  if (leaderEnd?.logEndOffset != null && leaderEnd.logEndOffset >= highest.committed) {
    const isr = new Set(reread?.isr ?? ends.isr)
    const holding = logEnds.filter(
      (e) =>
        e.broker !== leaderAsked &&
        isr.has(e.broker) &&
        (e.logEndOffset === null || e.logEndOffset < highest.committed),
    )
    const named = holding.map((e) => describeEnd(e)).join(', ')
    return {
      ...base,
      subject: { ...subject, ...(holding[0] ? { broker: holding[0].broker } : {}) },
      id: 'lag.negative.hw-held-back',
      severity: 'critical',
      confidence: holding.length > 0 ? 0.8 : 0.6,
      summary: `${lead}: leader ${leaderAsked}'s log reaches ${leaderEnd.logEndOffset} but its high watermark stays at ${hw}: ${
        holding.length > 0
          ? `in-sync follower(s) ${named} have not replicated up to ${highest.committed}, which holds the HW back`
          : 'a follower in the ISR holds it back'
      }. A consumer reads only up to the HW, so this commit was written by hand or against an earlier leader whose HW was higher${silentText}`,
      remedy: `${remedyHwHeldBack}\n\n${cannotSee}`,
    }
  }
  if (reaching.length > 0 && leaderEnd && leaderEnd.logEndOffset !== null) {
    return {
      ...base,
      subject: { ...subject, broker: leaderAsked ?? reaching[0]!.broker },
      id: 'lag.negative.leader-behind-replica',
      severity: 'critical',
      confidence: 0.7,
      summary: `${lead}: replica(s) ${reaching.map(describeEnd).join(', ')} hold offsets up to the commit but leader ${leaderAsked}'s log ends at ${leaderEnd.logEndOffset}: the leader was elected without them (unclean election, or a stale leader) and the followers will truncate to it${silentText}`,
      remedy: `${remedyTruncated}\n\n${cannotSee}`,
    }
  }

  // 3. No replica holds the committed offset: what happened to the log?
  const endsText = logEnds
    .filter((e) => e.logEndOffset !== null)
    .map(describeEnd)
    .join(', ')
  const currentEpoch = maxEpoch >= 0 ? maxEpoch : null
  if (highest.leaderEpoch !== null) {
    const epochEnd = investigation.epochEnds.find((e) => e.epoch === highest.leaderEpoch)
    if (currentEpoch !== null && highest.leaderEpoch > currentEpoch) {
      return {
        ...base,
        id: 'lag.negative.topic-recreated',
        severity: 'critical',
        confidence: 0.85,
        summary: `${lead}: the offset was committed in leader epoch ${highest.leaderEpoch}, but the partition's newest epoch is only ${currentEpoch}. Leader epochs never go backwards within a topic, so the topic was deleted and created again under the group (which kept committing its old position); every replica's log ends below the commit (${endsText})${silentText}`,
        remedy: `${remedyRecreated}\n\n${cannotSee}`,
      }
    }
    if (epochEnd && epochEnd.endOffset !== null && epochEnd.endOffset < highest.committed) {
      if (currentEpoch !== null && highest.leaderEpoch === currentEpoch) {
        return {
          ...base,
          id: 'lag.negative.topic-recreated',
          severity: 'critical',
          confidence: 0.7,
          summary: `${lead}: the offset was committed in leader epoch ${highest.leaderEpoch}, the partition's current epoch, yet this epoch's log ends at ${epochEnd.endOffset} — it never held offset ${highest.committed}. No truncation happens without a leader change, so the commit was made against an earlier incarnation of the topic (deleted and recreated under the group) or written by hand with a made-up epoch; replicas: ${endsText}${silentText}`,
          remedy: `${remedyRecreated}\n\n${cannotSee}`,
        }
      }
      return {
        ...base,
        id: 'lag.negative.log-truncated',
        severity: 'critical',
        confidence: 0.6,
        summary: `${lead}: the leader says the log of epoch ${highest.leaderEpoch} (the commit's) ends at ${epochEnd.endOffset}, below the commit, and the partition is now at epoch ${currentEpoch}: the log was truncated at a leader change (an unclean leader election) — or the topic was recreated and has since changed leaders; replicas: ${endsText}${silentText}`,
        remedy: `${remedyTruncated}\n\n${cannotSee}`,
      }
    }
  }
  return {
    ...base,
    id: 'lag.negative.beyond-log-end',
    severity: 'critical',
    confidence: 0.6,
    summary: `${lead}: no replica's log reaches the commit (${endsText || 'no replica answered'})${silentText}, and ${
      highest.leaderEpoch === null
        ? 'the commit carries no leader epoch — consumers record one, tools (kafka-consumer-groups --reset-offsets, AdminClient alterConsumerGroupOffsets, MirrorMaker offset sync) and old clients do not: the offset was set from outside, or the topic was recreated since'
        : `the log of its epoch ${highest.leaderEpoch} could not be checked`
    }`,
    remedy: `${remedyBeyondEnd}\n\n${cannotSee}`,
  }
}

function describeEnd(e: ReplicaLogEnd): string {
  return e.logEndOffset === null
    ? `broker ${e.broker} (no answer: ${e.error})`
    : `broker ${e.broker} (log end ${e.logEndOffset})`
}

const remedyTransient = `Nothing to do if it does not come back: run \`kafka-doctor lag --watch 5s\` and see whether the
partition stays NEGATIVE. If it recurs, check for leader changes (\`kafka-topics.sh --describe\`, broker
metric \`LeaderElectionRateAndTimeMs\`).`

const remedyGeneric = `Run again without disabling the replica check, or \`kafka-doctor cluster\` to compare every
broker's metadata. Negative lag lasting longer than a sampling interval or two is not a measurement artefact.`

const remedyStaleLeader = `A broker serves leadership it no longer has (or never got): its metadata is behind the
controller's.
- Compare every broker's view: \`kafka-doctor cluster --bootstrap-server …\` (or \`kcat -L -b <each broker>\`).
- KRaft: \`kafka-metadata-quorum.sh --bootstrap-server … describe --replication\` — a broker (observer) whose lag
  keeps growing serves stale metadata; restart it.
- ZooKeeper clusters: check there is exactly one active controller (\`ActiveControllerCount\` sums to 1); force a
  re-election by deleting \`/controller\`, then restart brokers that still disagree.
- Then \`kafka-leader-election.sh --election-type PREFERRED --all-topic-partitions\` and verify no under-replicated
  partitions remain. In a test environment deleting and recreating the topic also clears it (it destroys data and
  hides the cause).`

const remedyHwHeldBack = `The HW is the smallest log end across the ISR; a follower that is in the ISR but not fetching
holds it back until \`replica.lag.time.max.ms\` drops it.
- \`kafka-topics.sh --describe --under-replicated-partitions\`, \`kafka-log-dirs.sh --describe\`.
- Look at the named follower: disk, network, GC pauses; restart it if it is stuck.
- Broker metrics: \`ReplicaFetcherManager MaxLag\`, \`IsrShrinksPerSec\`, \`UnderReplicatedPartitions\`.`

const remedyTruncated = `Logs are truncated when a replica that lacks records becomes leader (unclean election, or a
replica restored from an old disk).
- Look for \`UncleanLeaderElectionsPerSec\` > 0 and "Truncating" lines in the broker logs; check
  \`unclean.leader.election.enable\`.
- Consumers ≥ 2.3 detect it (KIP-320, "Truncation detected … resetting offset"); with
  \`auto.offset.reset=none\` they stop with LogTruncationException.
- Reset the group deliberately once the data question is settled:
  \`kafka-consumer-groups.sh --reset-offsets --group G --topic T --to-latest --execute\` (or --to-earliest).`

const remedyRecreated = `The group's offsets belong to a topic that no longer exists under that name. Kafka deletes a
deleted topic's committed offsets, but a consumer that kept its old position commits it again into the new topic.
- Stop or reset the group against the new topic:
  \`kafka-consumer-groups.sh --reset-offsets --group G --topic T --to-earliest --execute\` (group must be inactive).
- Consumers with \`auto.offset.reset=none\` are stuck (LogTruncationException / OffsetOutOfRange); others reset by
  themselves on the next fetch.`

const remedyBeyondEnd = `An offset above every replica's log was written from outside (reset tool, AdminClient, MirrorMaker
offset sync — KAFKA-12635/KAFKA-13659), or the topic was recreated.
- Find who writes the group's offsets (MirrorMaker 2 checkpoint connector, scripts using --reset-offsets).
- Reset to a valid position: \`kafka-consumer-groups.sh --reset-offsets --group G --topic T:P --to-latest --execute\`.
- The consumer will get OFFSET_OUT_OF_RANGE on its next fetch and reset by \`auto.offset.reset\`.`
