import type { ViewMetadata } from './snapshot.js'

/**
 * Whether the brokers' answers are identical in everything the analysis compares: registered brokers,
 * the topics known, and per partition the leader, leader epoch, replicas, ISR and offline replicas.
 * The collector uses it only to decide whether to ask again (a leader election in flight makes brokers
 * disagree for a few hundred ms); which broker is the odd one out is decided in src/analyse/cluster.
 * ISR and offline replicas are compared as sets: their order carries no meaning.
 */
export function viewsAgree(views: readonly ViewMetadata[]): boolean {
  const [first, ...rest] = views.map(fingerprint)
  return rest.every((each) => each === first)
}

function fingerprint(view: ViewMetadata): string {
  const sorted = (ids: readonly number[]) => [...ids].sort((a, b) => a - b).join(',')
  const parts = [`brokers ${view.brokers.map((b) => `${b.id}@${b.host}:${b.port}`).join(' ')}`]
  for (const topic of view.topics) {
    if (topic.errorCode !== 0) continue
    parts.push(`topic ${topic.name}`)
    for (const p of topic.partitions) {
      parts.push(
        `${topic.name}/${p.partition} ${p.leader} ${p.leaderEpoch} ${p.replicas.join(',')} ${sorted(p.isr)} ${sorted(p.offlineReplicas)}`,
      )
    }
  }
  return parts.join('\n')
}
