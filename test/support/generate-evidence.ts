/**
 * Generated evidence for rule tests (Clinic doctor's generate-process-stat, for a JVM and a Kafka
 * cluster): readable specs become bundle sources, with noise from a seeded xorshift RNG so that every
 * noise level is reproducible. Classification goes through the real classifier and the real round
 * builder, so a generated thread is judged exactly as a sampled one would be.
 */
import { buildRound, hottestThreads } from '../../src/analyse/threads/join.js'
import type { Bundle } from '../../src/collect/bundle/bundle.js'
import {
  type BundleManifest,
  bundleSchema,
  type SourceEntry,
  type SourceName,
  sourceNames,
} from '../../src/collect/bundle/manifest.js'
import { initialAvailability } from '../../src/collect/bundle/read-bundle.js'
import type { DumpedThread, StackFrame } from '../../src/collect/threads/thread-dump-types.js'
import { type ThreadsResult, threadsResultSchema } from '../../src/collect/threads/threads-result.js'

/** xorshift32: tiny, fast, and the same sequence for the same seed everywhere. */
export function xorshift(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 0x1_0000_0000
  }
}

/** Multiplies `value` by 1 ± `noise` (uniform), never below 0. */
export function jitter(value: number, noise: number, rng: () => number): number {
  return Math.max(0, value * (1 + noise * (rng() * 2 - 1)))
}

/** Noise levels every generated-input test runs at. */
export const noiseLevels = [0, 0.1, 0.3, 0.5] as const

const frame = (method: string, location = 'Unknown Source'): StackFrame => ({ method, location })

/** Stacks as jcmd prints them (innermost first), from real consumer dumps. */
export const stacks = {
  kafkaPoll: [
    frame('sun.nio.ch.EPoll.wait', 'java.base@17.0.15/Native Method'),
    frame('sun.nio.ch.EPollSelectorImpl.doSelect'),
    frame('sun.nio.ch.SelectorImpl.lockAndDoSelect'),
    frame('sun.nio.ch.SelectorImpl.select'),
    frame('org.apache.kafka.common.network.Selector.select', 'Selector.java:873'),
    frame('org.apache.kafka.common.network.Selector.poll', 'Selector.java:465'),
    frame('org.apache.kafka.clients.NetworkClient.poll', 'NetworkClient.java:585'),
    frame('org.apache.kafka.clients.consumer.internals.ConsumerNetworkClient.poll'),
    frame('org.apache.kafka.clients.consumer.KafkaConsumer.pollForFetches'),
    frame('org.apache.kafka.clients.consumer.KafkaConsumer.poll'),
    frame('com.example.orders.OrderConsumer.run'),
  ],
  deserializing: [
    frame('com.example.orders.JsonOrderDeserializer.deserialize'),
    frame('org.apache.kafka.common.serialization.Deserializer.deserialize'),
    frame('org.apache.kafka.clients.consumer.internals.CompletedFetch.parseRecord'),
    frame('org.apache.kafka.clients.consumer.internals.CompletedFetch.fetchRecords'),
    frame('org.apache.kafka.clients.consumer.internals.FetchCollector.collectFetch'),
    frame('org.apache.kafka.clients.consumer.KafkaConsumer.pollForFetches'),
    frame('org.apache.kafka.clients.consumer.KafkaConsumer.poll'),
    frame('com.example.orders.OrderConsumer.run'),
  ],
  userCode: [
    frame('com.example.orders.PriceCalculator.compute'),
    frame('com.example.orders.OrderHandler.handle'),
    frame('com.example.orders.OrderConsumer.run'),
  ],
  sleeping: [
    frame('java.lang.Thread.sleep', 'java.base@17.0.15/Native Method'),
    frame('com.example.Ticker.run'),
  ],
} as const

export interface ThreadSpec {
  name: string
  /** Mean % of one core. */
  cpu: number
  /** The stack, innermost first; empty for a VM thread (GC, JIT). */
  frames?: readonly StackFrame[]
  /** A VM thread without a Java id (GC Thread#0, C2 CompilerThread0). */
  vm?: boolean
  state?: DumpedThread['state']
}

export interface GenerateThreadsOptions {
  threads: readonly ThreadSpec[]
  rounds?: number
  noise: number
  seed: number
  /** Idle background threads added around the spec (default 6). */
  background?: number
  start?: number
}

export function generateThreads(options: GenerateThreadsOptions): ThreadsResult {
  const rng = xorshift(options.seed)
  const all: ThreadSpec[] = [
    ...options.threads,
    ...Array.from({ length: options.background ?? 6 }, (_, i) => ({
      name: `pool-1-thread-${i + 1}`,
      cpu: 0.2,
      frames: stacks.sleeping,
      state: 'TIMED_WAITING' as const,
    })),
  ]
  const start = options.start ?? Date.UTC(2026, 10, 25, 10, 0, 0)
  const rounds = Array.from({ length: options.rounds ?? 3 }, (_, index) => {
    const threads: DumpedThread[] = all.map((spec, i) => ({
      name: spec.name,
      ...(spec.vm ? {} : { javaId: i + 1 }),
      osTid: 4200 + i,
      daemon: false,
      ...(spec.vm ? {} : { state: spec.state ?? 'RUNNABLE' }),
      frames: [...(spec.frames ?? [])],
      locks: [],
      ownableSynchronizers: [],
    }))
    const cpu = all.map((spec, i) => {
      const cpuPercent = Math.min(100, jitter(spec.cpu, options.noise, rng))
      return { tid: 4200 + i, cpuPercent, cpuMs: cpuPercent * 10 }
    })
    return buildRound({
      index,
      startedAt: new Date(start + index * 1000).toISOString(),
      intervalMs: 1000,
      cpuMethod: 'schedstat',
      cpu,
      dump: {
        vm: 'OpenJDK 64-Bit Server VM (17.0.15+6)',
        jdkMajor: 17,
        threads,
        warnings: [],
        complete: true,
      },
    })
  })
  return {
    schema: threadsResultSchema,
    pid: 4199,
    cpuMethod: 'schedstat',
    rounds,
    hottest: hottestThreads(rounds, 8),
    warnings: [],
  }
}

const usableStatus = (status: SourceEntry['status']) => status === 'collected' || status === 'partial'

export interface BundleParts {
  threads?: ThreadsResult
  cluster?: Bundle['cluster']
  lag?: Bundle['lag']
  traffic?: Bundle['traffic']
  jvmLibraries?: Bundle['jvmLibraries']
  /** Status per source (default: collected when its data is given, else skipped). */
  status?: Partial<Record<SourceName, SourceEntry['status']>>
  reasons?: Partial<Record<SourceName, string>>
  bootstrap?: string
  groups?: string[]
  pid?: number
}

/** An in-memory bundle, as readBundle would return it. */
export function bundleOf(parts: BundleParts): Bundle {
  const given: Record<SourceName, boolean> = {
    threads: parts.threads !== undefined,
    profile: false,
    cluster: parts.cluster !== undefined,
    lag: parts.lag !== undefined,
    capture: parts.traffic !== undefined,
  }
  const sources = {} as BundleManifest['sources']
  for (const name of sourceNames) {
    const status = parts.status?.[name] ?? (given[name] ? 'collected' : 'skipped')
    const reason = parts.reasons?.[name] ?? (usableStatus(status) ? undefined : 'not asked for')
    sources[name] = {
      status,
      files: [],
      method: 'generated',
      options: {},
      ...(reason !== undefined ? { reason } : {}),
      warnings: [],
    }
  }
  const manifest: BundleManifest = {
    schema: bundleSchema,
    tool: { name: 'kafka-doctor', version: '0.0.0-test' },
    host: { hostname: 'test', platform: 'linux', release: '6', node: 'v20' },
    createdAt: '2026-11-25T10:00:00.000Z',
    timeRange: { start: '2026-11-25T10:00:00.000Z', end: '2026-11-25T10:00:30.000Z' },
    command: ['kafka-doctor', 'diagnose'],
    target: {
      bootstrap: parts.bootstrap ?? 'localhost:9092',
      groups: parts.groups ?? ['orders'],
      topics: [],
      pid: parts.pid ?? (parts.threads ? 4199 : null),
      interface: null,
    },
    sources,
    outputs: [],
  }
  return {
    manifest,
    availability: initialAvailability(manifest),
    ...(parts.threads ? { threads: parts.threads } : {}),
    ...(parts.cluster ? { cluster: parts.cluster } : {}),
    ...(parts.lag ? { lag: parts.lag } : {}),
    ...(parts.traffic ? { traffic: parts.traffic } : {}),
    ...(parts.jvmLibraries ? { jvmLibraries: parts.jvmLibraries } : {}),
    warnings: [],
  }
}
