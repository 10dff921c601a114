import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { ThreadKind } from '../threads/classify.js'
import { type Evidence, threadDemand, unavailableReason } from './evidence.js'
import { renderRemedy } from './remedy.js'
import {
  hotThreadFact,
  insufficient,
  ok,
  pidOf,
  ruleFinding,
  shortMethod,
  threadLabel,
  threadRef,
} from './rule-support.js'
import type { NotKafkaFacts, Rule, RuleFinding } from './rule-types.js'

/**
 * Hot user code, deserialization or GC rather than Kafka (FM11): the CPU goes to the application's
 * own work — its handler, its deserializer, the record path, the garbage collector — and not to the
 * Kafka client's network loop. Then the answer is "not a Kafka problem", said plainly, so nobody
 * restarts brokers for it. JIT compilation is left out: a JVM that has just started compiles hard
 * for a while, which is not what anyone came for.
 */
export const notKafkaThresholds = {
  /**
   * One thread wanting half a core or more (its CPU plus its wait for a CPU), or all GC threads
   * together using half a core: a load someone notices on `top`. A healthy consumer under moderate
   * load stays below it.
   */
  hotCpuPercent: 50,
} as const

const areas: Partial<Record<ThreadKind, NotKafkaFacts['area']>> = {
  'user-code': 'user-code',
  'kafka-fetch-deserialization': 'deserialization',
  gc: 'gc',
}

const areaText: Record<NotKafkaFacts['area'], string> = {
  'user-code': 'the application’s own code',
  deserialization: 'turning fetched records into objects (the record path and the deserializer)',
  gc: 'garbage collection',
}

export const notKafkaRule: Rule<'doctor.not-kafka'> = {
  id: 'doctor.not-kafka',
  title: 'CPU in user code, deserialization or GC rather than Kafka',
  evaluate(evidence) {
    const threads = evidence.threads
    if (!threads) {
      return [
        insufficient(
          'doctor.not-kafka',
          `cannot tell where the CPU goes: ${unavailableReason(evidence, 'threads')}`,
          ['threads'],
        ),
      ]
    }
    const t = notKafkaThresholds
    const hottest = threads.hottest[0]
    // User code and deserialization are told from the stack; a hot thread without one (its dump
    // failed) is not called anything.
    const hot = threads.hottest.filter(
      ({ thread }) =>
        areas[thread.classification.kind] !== undefined && threadDemand(thread) >= t.hotCpuPercent,
    )
    const stackless = hot.filter(
      ({ thread }) =>
        thread.frames.length === 0 &&
        (thread.classification.kind === 'user-code' ||
          thread.classification.kind === 'kafka-fetch-deserialization'),
    )
    const candidates = hot.filter((h) => !stackless.includes(h))
    const gcCpu = threads.cpuByKind.gc ?? 0
    const out: RuleFinding<'doctor.not-kafka'>[] = []
    for (const { thread, index } of candidates) {
      // A Kafka thread hotter than this one is the bigger story (the poll-spin rule speaks for it).
      if (
        hottest &&
        hottest.thread !== thread &&
        hottest.thread.classification.kafka &&
        areas[hottest.thread.classification.kind] === undefined &&
        threadDemand(hottest.thread) > threadDemand(thread)
      )
        continue
      const area = areas[thread.classification.kind] as NotKafkaFacts['area']
      out.push(finding(evidence, area, hotThreadFact(thread), index))
    }
    if (out.length === 0 && gcCpu >= t.hotCpuPercent) {
      const gcThread = threads.hottest.find(({ thread }) => thread.classification.kind === 'gc')
      if (gcThread) {
        const fact = { ...hotThreadFact(gcThread.thread), cpuPercent: gcCpu }
        out.push(finding(evidence, 'gc', fact, gcThread.index))
      }
    }
    if (out.length > 0) return out
    const blind = stackless[0]
    if (blind) {
      const fact = hotThreadFact(blind.thread)
      return [
        insufficient(
          'doctor.not-kafka',
          `thread ${threadLabel(fact)} uses ${fact.cpuPercent}% of a core, but its stack could not be read, so whether it is Kafka or not cannot be told: ${unavailableReason(evidence, 'threads')}`,
          ['threads'],
        ),
      ]
    }
    const top = hottest ? hotThreadFact(hottest.thread) : undefined
    return [
      ok(
        'doctor.not-kafka',
        top
          ? `no thread outside the Kafka client reaches ${t.hotCpuPercent}% of a core (hottest: ${threadLabel(top)} at ${top.cpuPercent}%, ${top.label})`
          : 'no thread used measurable CPU',
        hottest ? [threadRef(hottest.index)] : [],
      ),
    ]
  },
}

function finding(
  evidence: Evidence,
  area: NotKafkaFacts['area'],
  thread: NotKafkaFacts['thread'],
  index: number,
): RuleFinding<'doctor.not-kafka'> {
  const profile = evidence.profile
  const hot = profile?.hotMethods.find((m) => !m.kafka && m.selfPercent >= 5)
  const facts: NotKafkaFacts = {
    thread,
    area,
    ...(hot
      ? { hotMethod: { method: hot.method, selfPercent: hot.selfPercent, totalPercent: hot.totalPercent } }
      : {}),
    ...(evidence.threads?.processCpuPercent !== undefined
      ? { processCpuPercent: evidence.threads.processCpuPercent }
      : {}),
  }
  const where =
    area === 'gc'
      ? ''
      : thread.frames[0]
        ? `in ${shortMethod(thread.frames[0])}${hot ? `, profile hottest in ${shortMethod(hot.method)} (${hot.selfPercent}% self)` : ''}`
        : ''
  const refs = [threadRef(index)]
  if (hot && profile) {
    refs.push({
      source: bundleFiles.profile,
      at: `/hotMethods/${profile.hotMethods.indexOf(hot)}`,
      observed: { method: hot.method, selfPercent: hot.selfPercent },
    })
  }
  return ruleFinding('doctor.not-kafka', {
    verdict: 'issue',
    severity: 'warning',
    confidence: hot ? 0.85 : 0.75,
    subject: { thread: thread.name },
    summary: `not a Kafka problem: the CPU goes to ${areaText[area]} — thread ${threadLabel(thread)} at ${thread.cpuPercent}% of a core${where ? ` ${where}` : ''}`,
    evidence: refs,
    remedy: renderRemedy('not-kafka', {
      area: areaText[area],
      thread: thread.name,
      cpu: thread.cpuPercent,
      where: where || '',
      pid: pidOf(evidence),
    }),
    facts,
  })
}
