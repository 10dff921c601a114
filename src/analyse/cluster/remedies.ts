/**
 * Remedies for the cluster findings, kept beside the rules as markdown. They name the exact Kafka
 * commands, with the cluster's bootstrap address filled in, and separate what is fine in a test
 * environment from what to do in production. The order for stale metadata follows the incident
 * playbook (docs: FM2/FM3): the controller first, then the stale broker, then leadership, then verify.
 */

export interface RemedyContext {
  /** `--bootstrap-server` value to put in commands. */
  bootstrap: string
  mode: 'kraft' | 'zookeeper'
  topic?: string
  partition?: number
  broker?: number
}

const topicArgs = (c: RemedyContext) =>
  c.topic === undefined
    ? '--all-topic-partitions'
    : c.partition === undefined
      ? `--topic ${c.topic}`
      : `--topic ${c.topic} --partition ${c.partition}`

const describeTopic = (c: RemedyContext) =>
  `kafka-topics --bootstrap-server ${c.bootstrap} --describe${c.topic === undefined ? '' : ` --topic ${c.topic}`}`

const controllerFirst = (c: RemedyContext) =>
  c.mode === 'kraft'
    ? [
        `1. **Controller first.** \`kafka-metadata-quorum --bootstrap-server ${c.bootstrap} describe --status\` must show one \`LeaderId\` and a small \`MaxFollowerLag\`; \`describe --replication\` lists every broker as an observer with its \`Lag\` and \`LastCaughtUpTimestamp\`. A broker whose lag grows, or that is missing, does not apply metadata. If the active controller itself is slow (disk, GC), restart it so that a standby takes over.`,
      ]
    : [
        '1. **Controller first.** Exactly one broker must be the controller: `zookeeper-shell.sh <zk> get /controller`, and the cluster-wide sum of `ActiveControllerCount` must be 1. If none is acting, force a new election with `zookeeper-shell.sh <zk> deleteall /controller` (`rmr` on ZooKeeper < 3.5) or restart the controller broker; the new controller pushes full LeaderAndIsr/UpdateMetadata to every broker.',
      ]

const staleBrokerSteps = (c: RemedyContext) => [
  ...controllerFirst(c),
  `2. **Then the stale broker.** Restart broker ${c.broker ?? '<id>'} (one broker at a time, never several together): on start it reloads the metadata from the ${c.mode === 'kraft' ? 'quorum' : 'controller'}. Check its \`server.log\`/\`state-change.log\` for metadata errors first.`,
  `3. **Leadership.** \`kafka-leader-election --bootstrap-server ${c.bootstrap} --election-type PREFERRED ${topicArgs(c)}\`.`,
  `4. **Verify.** \`kafka-doctor cluster --bootstrap-server ${c.bootstrap}\` shows no divergence, and \`kafka-topics --bootstrap-server ${c.bootstrap} --describe --under-replicated-partitions\` prints nothing.`,
]

const testEnvironment = (c: RemedyContext) =>
  `In a **test environment** it is quicker to delete and recreate the topic (\`kafka-topics --bootstrap-server ${c.bootstrap} --delete --topic ${c.topic ?? '<topic>'}\`, then \`--create\`): every broker gets fresh leadership and epochs. It destroys the data and hides the cause, so **never in production**.`

export const remedies = {
  offline: (c: RemedyContext) =>
    [
      'No broker leads the partition: producers and consumers of it are stopped.',
      `1. Start the brokers that hold its replicas (\`${describeTopic(c)}\` lists \`Replicas\`); the controller elects a leader from the ISR as soon as one is back.`,
      `2. \`kafka-topics --bootstrap-server ${c.bootstrap} --describe --unavailable-partitions\` must print nothing afterwards.`,
      `3. Only if every ISR replica is lost for good: \`kafka-leader-election --bootstrap-server ${c.bootstrap} --election-type UNCLEAN ${topicArgs(c)}\` — it **loses the messages** the new leader does not have; consumers then see negative lag and offset resets.`,
    ].join('\n'),
  underMinIsr: (c: RemedyContext) =>
    [
      'Fewer replicas are in sync than `min.insync.replicas`: producers with `acks=all` get NOT_ENOUGH_REPLICAS and stop.',
      `1. Bring the missing replicas back: start the stopped brokers, or fix what keeps followers out of the ISR (disk, network, GC on the follower; \`replica.lag.time.max.ms\`). \`kafka-topics --bootstrap-server ${c.bootstrap} --describe --under-min-isr-partitions\` lists every such partition.`,
      `2. If a broker is gone for good, move its replicas: \`kafka-reassign-partitions --bootstrap-server ${c.bootstrap} --generate\`, then \`--execute\` and \`--verify\`.`,
      '3. Lowering `min.insync.replicas` restores writes at the price of durability: only as a deliberate, temporary decision.',
    ].join('\n'),
  atMinIsr: (c: RemedyContext) =>
    [
      'Exactly `min.insync.replicas` replicas are in sync: one more failure stops `acks=all` producers.',
      `Treat it like an under-replicated partition, with priority: \`kafka-topics --bootstrap-server ${c.bootstrap} --describe --at-min-isr-partitions\`.`,
    ].join('\n'),
  underReplicated: (c: RemedyContext) =>
    [
      'Some replicas are not in the ISR.',
      `1. \`kafka-topics --bootstrap-server ${c.bootstrap} --describe --under-replicated-partitions\` lists them; if they share one broker, that broker is down or slow — check it first (is it running, its disk, GC, \`ReplicaFetcherManager MaxLag\`).`,
      `2. \`kafka-log-dirs --bootstrap-server ${c.bootstrap} --describe\` shows each replica's \`offsetLag\`.`,
      `3. If the follower never catches up while its broker is healthy, suspect stale metadata on that broker (run \`kafka-doctor cluster\` again: a broker whose own metadata differs is named under \`cluster.metadata-divergence\`, and the controller comes first).`,
      `4. A broker gone for good: \`kafka-reassign-partitions --bootstrap-server ${c.bootstrap} --generate/--execute/--verify\`.`,
    ].join('\n'),
  leaderNotInIsr: (c: RemedyContext) =>
    [
      'The broker named as leader is not in the ISR: leadership and ISR contradict each other, which Kafka never does on purpose. Either the view is stale or the controller lost track.',
      ...staleBrokerSteps(c),
    ].join('\n'),
  preferredLeader: (c: RemedyContext) =>
    [
      'The first replica (the preferred leader) does not lead. Load is uneven until leadership moves back; Kafka does it by itself every `leader.imbalance.check.interval.seconds` when `auto.leader.rebalance.enable=true` and the imbalance passes `leader.imbalance.per.broker.percentage`.',
      `To move it now: \`kafka-leader-election --bootstrap-server ${c.bootstrap} --election-type PREFERRED ${topicArgs(c)}\`.`,
    ].join('\n'),
  unregisteredReplica: (c: RemedyContext) =>
    [
      `Broker ${c.broker ?? '<id>'} holds replicas but is not registered with the controller (stopped, fenced, or it never came back).`,
      '1. Start it, or find why it cannot register (its `server.log`: storage, cluster id, network to the controller).',
      `2. If it is gone for good, reassign its replicas: \`kafka-reassign-partitions --bootstrap-server ${c.bootstrap} --generate --broker-list <remaining ids> --topics-to-move-json-file topics.json\`, then \`--execute\` and \`--verify\`.`,
    ].join('\n'),
  brokerUnreachable: (c: RemedyContext) =>
    [
      `Broker ${c.broker ?? '<id>'} is registered but did not answer kafka-doctor.`,
      '1. Is it running, and is its advertised listener reachable from here (DNS, firewall, `advertised.listeners`)? Clients use the same address.',
      `2. If it is down, its partitions show under-replicated soon: \`kafka-topics --bootstrap-server ${c.bootstrap} --describe --under-replicated-partitions\`.`,
    ].join('\n'),
  advertisedListeners: (c: RemedyContext) =>
    [
      'Clients connect to the addresses brokers advertise, not to the bootstrap address; from here none of them answers.',
      "1. Compare each broker's `advertised.listeners` with what this host can resolve and reach (DNS, NAT, container networks, firewalls); a listener per network (`listeners` + `advertised.listeners` + `listener.security.protocol.map`) is the usual fix.",
      `2. \`kafka-broker-api-versions --bootstrap-server ${c.bootstrap}\` prints the advertised address of every broker it reaches.`,
    ].join('\n'),
  bootstrapUnreachable: () =>
    'A `--bootstrap-server` address did not answer. Clients configured with the same list fall back to the others, but remove or fix the address.',
  divergence: (c: RemedyContext) =>
    [
      `Broker ${c.broker ?? '<id>'} serves metadata that the rest of the cluster has moved past. Clients that ask it are sent to the wrong leader and loop on NOT_LEADER_OR_FOLLOWER (high CPU, stalled or negative lag). In production:`,
      ...staleBrokerSteps(c),
      testEnvironment(c),
    ].join('\n'),
  topicMissing: (c: RemedyContext) =>
    [
      `Broker ${c.broker ?? '<id>'} does not know a topic the other brokers know: clients bootstrapping through it get UNKNOWN_TOPIC_OR_PARTITION. A topic created a moment ago propagates within a second; if it persists, the broker is not applying metadata.`,
      ...staleBrokerSteps(c),
    ].join('\n'),
  brokerList: (c: RemedyContext) =>
    [
      'The brokers disagree about which brokers are registered: one of them is not applying metadata updates (or a broker is flapping).',
      ...staleBrokerSteps(c),
    ].join('\n'),
  controller: (c: RemedyContext) =>
    ['The brokers do not agree on one controller.', ...staleBrokerSteps(c)].join('\n'),
  clusterId: () =>
    'The brokers report different cluster ids: `--bootstrap-server` mixes brokers of two clusters, or a broker was formatted with the wrong id. Fix the address list or the broker (`kafka-storage info -c server.properties`).',
  metadataLogLag: (c: RemedyContext) =>
    [
      `Broker ${c.broker ?? '<id>'} is behind on the KRaft metadata log: it serves stale leadership and ISR to clients.`,
      `1. \`kafka-metadata-quorum --bootstrap-server ${c.bootstrap} describe --replication\`: its \`Lag\` and \`LastCaughtUpTimestamp\`; watch \`kafka.server:type=broker-metadata-metrics,name=last-applied-record-lag-ms\` and \`metadata-apply-error-count\` on it.`,
      '2. Restart the lagging broker; if every broker lags, the active controller is slow — restart it so a standby takes over.',
    ].join('\n'),
  noQuorumLeader: (c: RemedyContext) =>
    [
      'The KRaft quorum has no leader: no metadata changes (leader elections, ISR changes, topic creation) can happen.',
      `\`kafka-metadata-quorum --bootstrap-server ${c.bootstrap} describe --status\`; start the controllers so that a majority of the voters is up.`,
    ].join('\n'),
  minIsrEqualsReplicas: (c: RemedyContext) =>
    `\`min.insync.replicas\` equals the replication factor: losing any one replica stops \`acks=all\` producers. Raise the replication factor (\`kafka-reassign-partitions --bootstrap-server ${c.bootstrap}\` with a larger replica list) or accept it knowingly.`,
} as const
