/**
 * What a Java frame or thread name says about the work being done, in Kafka terms. The frame names
 * come from the Java client's own classes across versions (0.10 … 4.x): the classic consumer
 * (`KafkaConsumer`/`ClassicKafkaConsumer` → `ConsumerNetworkClient` → `NetworkClient` → `Selector`),
 * the record path (`Fetcher`, `AbstractFetch`, `FetchCollector`, `CompletedFetch.parseRecord` →
 * `Deserializer.deserialize`) and the KIP-848 consumer (`ConsumerNetworkThread` on
 * `consumer_background_thread`). See research/jvm-threads.md §7 and failure-modes.md FM1/FM9/FM11/FM12.
 */

export const kafkaPackage = 'org.apache.kafka.'

/** The leaf frame of a thread blocked in the OS waiting for sockets (epoll, kqueue, poll). */
const selectWaitLeaves = [
  'sun.nio.ch.EPoll.wait',
  'sun.nio.ch.EPoll.epollWait',
  'sun.nio.ch.EPollArrayWrapper.epollWait',
  'sun.nio.ch.KQueue.poll',
  'sun.nio.ch.KQueue.keventPoll',
  'sun.nio.ch.KQueueArrayWrapper.kevent0',
  'sun.nio.ch.WEPoll.wait',
  'sun.nio.ch.Net.poll',
  'sun.nio.ch.PollArrayWrapper.poll0',
  'sun.nio.ch.PollSelectorImpl.poll',
]

export function isSelectWait(method: string | undefined): boolean {
  return method !== undefined && selectWaitLeaves.includes(method)
}

/** Where in the Kafka client a frame sits. */
export type KafkaArea = 'deserialization' | 'fetch' | 'network' | 'coordinator' | 'consumer' | 'other'

const classArea: ReadonlyArray<readonly [RegExp, KafkaArea]> = [
  // The record path: decompression, batch iteration, record parsing, deserializers.
  [/^org\.apache\.kafka\.common\.(compress|record|serialization)\./, 'deserialization'],
  [
    /\.(CompletedFetch|Fetcher|Fetcher\$PartitionRecords|Fetcher\$CompletedFetch)\.parseRecord$/,
    'deserialization',
  ],
  [
    /\.(Fetcher|AbstractFetch|FetchCollector|CompletedFetch|FetchBuffer|FetchRequestManager)(\$\w+)*\.\w+$/,
    'fetch',
  ],
  [
    /^org\.apache\.kafka\.(common\.network|clients\.NetworkClient|clients\.consumer\.internals\.(ConsumerNetworkClient|NetworkClientDelegate))/,
    'network',
  ],
  [
    /\.(AbstractCoordinator|ConsumerCoordinator|HeartbeatRequestManager|ConsumerMembershipManager|AbstractMembershipManager|CoordinatorRequestManager|CommitRequestManager)(\$\w+)*\.\w+$/,
    'coordinator',
  ],
  [/^org\.apache\.kafka\.clients\.consumer\./, 'consumer'],
]

/** The Kafka client area of a frame, or undefined when it is not a Kafka client frame. */
export function kafkaArea(method: string): KafkaArea | undefined {
  if (!method.startsWith(kafkaPackage)) return undefined
  for (const [pattern, area] of classArea) if (pattern.test(method)) return area
  return 'other'
}

/** JDK, JVM-internal and well-known runtime frames: never "user code". */
export function isRuntimeFrame(method: string): boolean {
  return /^(java|javax|jdk|sun|com\.sun)\./.test(method)
}

/** `Deserializer.deserialize` implementations (the user's own or Kafka's) are the decoding hot spot. */
export function isDeserializeMethod(method: string): boolean {
  return /\.deserialize(Key|Value)?$/.test(method)
}

export type VmThreadRole = 'gc' | 'jit' | 'vm-other'

/**
 * HotSpot's own threads by name. The names are the JVM's (`GC Thread#0`, `G1 Conc#0`,
 * `C2 CompilerThread0`, `VM Thread`); `/proc/<pid>/task/<tid>/comm` truncates them to 15 bytes, so
 * every test is a prefix test.
 */
export function vmThreadRole(name: string): VmThreadRole | undefined {
  if (
    /^(GC |GC task|G1 |ZWorker|ZDriver|ZDirector|ZStat|ZUncommit|ZRelocat|ZMark|ZRuntime|XDirector|XWorker|XDriver|XStat|Shenandoah|Gang worker|Concurrent Mark-Sweep|ParGC|Surrogate Locker|Conc#|Parallel GC)/.test(
      name,
    )
  ) {
    return 'gc'
  }
  if (
    /^(C1 Compil|C2 Compil|C1 CompilerThre|C2 CompilerThre|JVMCI|Compiler|Code Cache Sweeper|Sweeper thread)/.test(
      name,
    )
  ) {
    return name.startsWith('Sweeper') || name.startsWith('Code Cache') ? 'vm-other' : 'jit'
  }
  if (
    /^(VM Thread|VM Periodic Task|Reference Handler|Finalizer|Signal Dispatcher|Service Thread|Attach Listener|Common-Cleaner|Notification Thread|Monitor Deflation|StrDedup|String Dedup|JFR |Java2D|Monitor Ctrl|Low Memory Detector|process reaper)/.test(
      name,
    )
  ) {
    return 'vm-other'
  }
  return undefined
}

/** Kafka client threads that are recognisable by name alone. */
export function kafkaThreadRoleByName(name: string): 'background' | 'heartbeat' | 'client-io' | undefined {
  if (name.startsWith('consumer_background_thread')) return 'background'
  if (name.startsWith('kafka-coordinator-heartbeat-thread')) return 'heartbeat'
  if (name.startsWith('kafka-producer-network-thread') || name.startsWith('kafka-admin-client-thread'))
    return 'client-io'
  return undefined
}
