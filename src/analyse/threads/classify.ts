import type { DumpedThread, StackFrame } from '../../collect/threads/thread-dump-types.js'
import {
  isDeserializeMethod,
  isRuntimeFrame,
  isSelectWait,
  type KafkaArea,
  kafkaArea,
  kafkaThreadRoleByName,
  vmThreadRole,
} from './frames.js'

/**
 * What a thread is doing, in the terms an operator of a Kafka consumer needs. An idle consumer and a
 * spinning one both show RUNNABLE inside `Selector.poll` → `EPoll.wait`; only the thread's CPU over
 * the interval tells them apart (failure-modes.md FM1), so the Kafka poll/network verdict is decided
 * by CPU, never by the thread state.
 */
export const threadKinds = [
  'kafka-poll-spinning',
  'kafka-poll-idle',
  /** In Kafka poll/network code but CPU is unknown (a dump without CPU figures): cannot tell. */
  'kafka-poll',
  'kafka-fetch-deserialization',
  'kafka-coordinator',
  'kafka-background-thread',
  'kafka-client-other',
  'user-code',
  'gc',
  'jit',
  'vm-other',
  'idle',
] as const
export type ThreadKind = (typeof threadKinds)[number]

export interface ThreadClassification {
  kind: ThreadKind
  /** Short human label, e.g. `Kafka poll/network: SPINNING`. */
  label: string
  /** Why: the frame or name that decided it, and the CPU figure when it mattered. */
  reason: string
  /** True when the thread belongs to the Kafka client. */
  kafka: boolean
  /** CPU at or above the busy threshold; undefined when CPU is unknown. */
  busy?: boolean
}

export interface ClassifyThresholds {
  /** % of one core at or above which a thread counts as busy (default 5). */
  busyCpuPercent: number
  /** % of one core at or above which a thread in Kafka poll/network code is spinning (default 20). */
  spinCpuPercent: number
}

export const defaultThresholds: ClassifyThresholds = { busyCpuPercent: 5, spinCpuPercent: 20 }

export interface ThreadToClassify {
  /** The Java name from the dump, or the kernel's (15-byte) comm when there is no dump. */
  name: string
  /** The thread as dumped; undefined when the thread was not found in the dump. */
  dumped?: DumpedThread
  /** % of one core over the sample interval; undefined when unknown. */
  cpuPercent?: number
  /**
   * % of the interval spent runnable but waiting for a CPU (schedstat). Added to `cpuPercent` for the
   * busy/spinning decision: a spinner on a saturated host wants a whole core but gets a share of it.
   */
  runQueuePercent?: number
}

export function classifyThread(
  thread: ThreadToClassify,
  thresholds: ClassifyThresholds = defaultThresholds,
): ThreadClassification {
  const { name, dumped } = thread
  const wait = thread.runQueuePercent ?? 0
  // Demand: CPU used plus time spent waiting for one.
  const cpuPercent = thread.cpuPercent === undefined ? undefined : thread.cpuPercent + wait
  const busy = cpuPercent === undefined ? undefined : cpuPercent >= thresholds.busyCpuPercent
  const cpuText =
    thread.cpuPercent === undefined
      ? 'CPU unknown'
      : `${thread.cpuPercent.toFixed(1)}% of a core${wait >= 1 ? ` (+${wait.toFixed(1)}% waiting for a CPU)` : ''}`
  const result = (kind: ThreadKind, label: string, reason: string, kafka: boolean): ThreadClassification => {
    const c: ThreadClassification = { kind, label, reason, kafka }
    if (busy !== undefined) c.busy = busy
    return c
  }

  // HotSpot's own threads: no Java id in the dump (GC, VM Thread), or a well-known service name.
  const vmRole = vmThreadRole(name)
  if (vmRole && (dumped === undefined || dumped.javaId === undefined || dumped.frames.length === 0)) {
    if (vmRole === 'gc') return result('gc', 'GC', `garbage collector thread '${name}', ${cpuText}`, false)
    if (vmRole === 'jit')
      return result('jit', 'JIT compiler', `JIT compiler thread '${name}', ${cpuText}`, false)
    return result('vm-other', 'JVM internal', `JVM service thread '${name}', ${cpuText}`, false)
  }

  const frames = dumped?.frames ?? []
  const role = kafkaThreadRoleByName(name)
  if (role === 'background') {
    return result(
      'kafka-background-thread',
      busy ? 'Kafka consumer background thread: BUSY' : 'Kafka consumer background thread',
      `the KIP-848 consumer's network thread (group.protocol=consumer), ${cpuText}`,
      true,
    )
  }
  if (role === 'heartbeat') {
    return result(
      'kafka-coordinator',
      'Kafka coordinator/heartbeat',
      `the classic consumer's heartbeat thread, ${cpuText}`,
      true,
    )
  }

  const kafka = decisiveKafkaFrame(frames)
  // Routine coordinator calls made by poll() itself (auto-commit, heartbeat checks, timers) are part
  // of the poll loop: a thread spinning in poll(0) passes through them on every turn. Only real group
  // work — finding the coordinator, joining or rebalancing — is the coordinator's.
  if (kafka && isRoutineCoordinatorCallInPoll(frames, kafka)) {
    kafka.area = 'consumer'
    delete kafka.viaCoordinator
  }
  if (kafka) {
    const where = `${shortMethod(kafka.frame.method)}`
    // Fetch bookkeeping (building fetch requests, collecting an empty fetch) is the poll loop itself;
    // only parsing records (batches, decompression, deserializers) is the record path.
    if (kafka.area === 'deserialization') {
      const user = kafka.userDeserializer ? ` in ${shortMethod(kafka.userDeserializer)}` : ''
      return result(
        'kafka-fetch-deserialization',
        `Kafka fetch/deserialization${user}`,
        `stack in the consumer's record path at ${where}${user}, ${cpuText}`,
        true,
      )
    }
    if (kafka.area === 'network' || kafka.area === 'consumer' || kafka.area === 'fetch') {
      if (kafka.viaCoordinator && !kafka.viaFetchPoll) {
        return result(
          'kafka-coordinator',
          busy ? 'Kafka coordinator: BUSY' : 'Kafka coordinator',
          `waiting for the group coordinator (${shortMethod(kafka.viaCoordinator)}) in ${where}, ${cpuText}`,
          true,
        )
      }
      if (role === 'client-io') {
        return result(
          'kafka-client-other',
          'Kafka producer/admin I/O',
          `Kafka client I/O thread, ${cpuText}`,
          true,
        )
      }
      const waiting = isSelectWait(frames[0]?.method) ? ' (waiting in epoll)' : ''
      if (cpuPercent === undefined) {
        return result(
          'kafka-poll',
          'Kafka poll/network',
          `stack in ${where}${waiting}; CPU unknown, so idle cannot be told from spinning`,
          true,
        )
      }
      if (cpuPercent >= thresholds.spinCpuPercent) {
        return result(
          'kafka-poll-spinning',
          'Kafka poll/network: SPINNING',
          `${cpuText} while in ${where}${waiting}: an idle consumer waits in epoll at ~0% CPU, so this one is looping`,
          true,
        )
      }
      return result(
        'kafka-poll-idle',
        `Kafka poll/network: idle${waiting}`,
        `in ${where}${waiting} at ${cpuText}`,
        true,
      )
    }
    if (kafka.area === 'coordinator') {
      return result(
        'kafka-coordinator',
        busy ? 'Kafka coordinator: BUSY' : 'Kafka coordinator',
        `stack in ${where}, ${cpuText}`,
        true,
      )
    }
    return result('kafka-client-other', 'Kafka client', `stack in ${where}, ${cpuText}`, true)
  }
  if (role === 'client-io') {
    return result(
      'kafka-client-other',
      'Kafka producer/admin I/O',
      `Kafka client I/O thread, ${cpuText}`,
      true,
    )
  }

  if (vmRole) return result('vm-other', 'JVM internal', `JVM service thread '${name}', ${cpuText}`, false)

  // Without CPU figures (a lone dump, another profiler's samples) a thread that is not waiting may be
  // working: call it user code, and say the CPU is unknown.
  const waiting =
    dumped?.state === 'WAITING' || dumped?.state === 'TIMED_WAITING' || dumped?.state === 'BLOCKED'
  if (busy || (busy === undefined && !waiting)) {
    const userFrame = frames.find((f) => !isRuntimeFrame(f.method))
    const at = userFrame ? shortMethod(userFrame.method) : frames[0] ? shortMethod(frames[0].method) : name
    return result('user-code', 'user code', `${cpuText} in ${at}`, false)
  }
  const state = dumped?.state
    ? ` (${dumped.state}${dumped.stateDetail ? `, ${dumped.stateDetail}` : ''})`
    : ''
  return result('idle', 'idle', `${cpuText}${state}`, false)
}

interface DecisiveKafkaFrame {
  frame: StackFrame
  area: KafkaArea
  /** A non-Kafka `deserialize` frame above the record path: the user's deserializer. */
  userDeserializer?: string
  /** An outer coordinator frame that drives this network wait (ensureCoordinatorReady, joinGroup …). */
  viaCoordinator?: string
  /** An outer KafkaConsumer.pollForFetches / fetch frame: the normal fetch poll. */
  viaFetchPoll?: boolean
}

/**
 * The innermost Kafka client frame decides where the thread is. JDK and user frames above it (the
 * epoll leaf, a user `Deserializer`) only refine the verdict; frames below tell who called it.
 */
function decisiveKafkaFrame(frames: readonly StackFrame[]): DecisiveKafkaFrame | undefined {
  let userDeserializer: string | undefined
  let innermostKafka: { index: number; area: KafkaArea } | undefined
  let decisive: { index: number; area: KafkaArea } | undefined
  for (let i = 0; i < frames.length; i++) {
    const method = frames[i]!.method
    const area = kafkaArea(method)
    if (area === undefined) {
      if (innermostKafka === undefined && userDeserializer === undefined && isDeserializeMethod(method))
        userDeserializer = method
      continue
    }
    innermostKafka ??= { index: i, area }
    // Utility frames (metrics, time, Metadata) do not say where the thread is; their callers do.
    if (area !== 'other' && area !== 'consumer') {
      decisive = { index: i, area }
      break
    }
  }
  const chosen = decisive ?? innermostKafka
  if (!chosen) return undefined
  const found: DecisiveKafkaFrame = { frame: frames[chosen.index]!, area: chosen.area }
  if (userDeserializer && chosen.area === 'deserialization') found.userDeserializer = userDeserializer
  for (let j = chosen.index + 1; j < frames.length; j++) {
    const outer = frames[j]!.method
    const outerArea = kafkaArea(outer)
    if (outerArea === 'coordinator' && !found.viaCoordinator && !/\.poll$/.test(outer))
      found.viaCoordinator = outer
    if (/\.(pollForFetches|collectFetch|sendFetches)$/.test(outer)) found.viaFetchPoll = true
    // A utility frame reached from the consumer's poll loop is part of that loop.
    if (
      found.area === 'other' &&
      /\.(KafkaConsumer|ClassicKafkaConsumer|LegacyKafkaConsumer|AsyncKafkaConsumer)\.poll$/.test(outer)
    )
      found.area = 'consumer'
  }
  return found
}

const consumerPollFrame =
  /\.(KafkaConsumer|ClassicKafkaConsumer|LegacyKafkaConsumer|AsyncKafkaConsumer)\.poll$/
const groupWorkFrame =
  /\.(ensureCoordinatorReady|lookupCoordinator|ensureActiveGroup|joinGroupIfNeeded|initiateJoinGroup|sendJoinGroupRequest|sendSyncGroupRequest|onJoinPrepare|onJoinComplete|performAssignment|refreshCommittedOffsetsIfNeeded|fetchCommittedOffsets)$/

function isRoutineCoordinatorCallInPoll(frames: readonly StackFrame[], kafka: DecisiveKafkaFrame): boolean {
  if (kafka.area !== 'coordinator' && !kafka.viaCoordinator) return false
  if (!frames.some((f) => consumerPollFrame.test(f.method))) return false
  return !frames.some((f) => groupWorkFrame.test(f.method))
}

/** `org.apache.kafka.common.network.Selector.poll` → `Selector.poll`. */
export function shortMethod(method: string): string {
  const parts = method.split('.')
  return parts.length <= 2 ? method : parts.slice(-2).join('.')
}
