import { z } from 'zod'

/**
 * Reading `capture/traffic.json` (a TrafficReport written through util/json.ts) back: validated, the
 * watermark offsets turned back into bigint, absent optional values (JSON drops `undefined`) allowed.
 * The traffic analysis has no reader of its own, so this adapter pins down what the rules read
 * (fetch flows, per-client errors, Metadata leaders, groups, clients, the timeline) and lets every
 * other field through as it is.
 */

const int = z.number().int()
const offset = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((v) => BigInt(v))
const frameRef = z.looseObject({ file: z.string(), fileOffset: z.number(), t: z.number() })
const latency = z.looseObject({})
const settings = z.looseObject({
  maxWaitMs: z.number(),
  minBytes: z.number(),
  maxBytes: z.number(),
  isolationLevel: z.enum(['read_uncommitted', 'read_committed']),
})

export const trafficSchema = z.looseObject({
  start: z.string().optional(),
  durationS: z.number(),
  files: z.array(z.looseObject({ file: z.string() })),
  apiKeys: z.array(
    z.looseObject({ apiKey: int, api: z.string(), requests: z.number(), responses: z.number() }),
  ),
  clients: z.array(
    z.looseObject({
      clientId: z.string(),
      clientAddress: z.string(),
      software: z.looseObject({ name: z.string(), version: z.string() }).optional(),
      connections: z.number(),
      requests: z.number(),
    }),
  ),
  flows: z.array(
    z.looseObject({
      clientId: z.string(),
      clientAddress: z.string(),
      broker: z.string(),
      brokerId: int.optional(),
      api: z.string(),
      requests: z.number(),
      responses: z.number(),
      ratePerS: z.number(),
      throttledResponses: z.number(),
      maxThrottleMs: z.number(),
    }),
  ),
  errors: z.array(z.looseObject({ api: z.string(), code: int, error: z.string(), count: z.number() })),
  clientErrors: z.array(
    z.looseObject({
      clientId: z.string(),
      clientAddress: z.string(),
      broker: z.string(),
      brokerId: int.optional(),
      api: z.string(),
      topic: z.string().optional(),
      partition: int.optional(),
      group: z.string().optional(),
      codes: z.record(z.string(), z.number()),
      count: z.number(),
      firstT: z.number(),
      lastT: z.number(),
      first: frameRef,
      last: frameRef,
    }),
  ),
  fetch: z.looseObject({
    clients: z.array(
      z.looseObject({
        clientId: z.string(),
        clientAddress: z.string(),
        broker: z.string(),
        brokerId: int.optional(),
        fetches: z.number(),
        ratePerS: z.number(),
        emptyRatio: z.number(),
        erroredRatio: z.number(),
        idleRatio: z.number(),
        settings: settings.optional(),
        otherSettings: z.array(settings),
        latency,
        firstT: z.number(),
        lastT: z.number(),
        first: frameRef.optional(),
        last: frameRef.optional(),
        partitions: z.array(z.string()),
      }),
    ),
    partitions: z.array(
      z.looseObject({
        topic: z.string(),
        partition: int,
        fetches: z.number(),
        ratePerS: z.number(),
        emptyRatio: z.number(),
        errors: z.record(z.string(), z.number()),
        records: z.number(),
        recordBytes: z.number(),
        watermarks: z.array(
          z.looseObject({
            t: z.number(),
            broker: z.string(),
            highWatermark: offset,
            lastStableOffset: offset,
            logStartOffset: offset,
          }),
        ),
        currentLeaderHint: z.looseObject({ leaderId: int, leaderEpoch: int, count: z.number() }).optional(),
      }),
    ),
  }),
  metadata: z.looseObject({
    requests: z.number(),
    ratePerS: z.number(),
    answers: z.number(),
    changedAnswers: z.number(),
    partitions: z.array(
      z.looseObject({
        topic: z.string(),
        partition: int,
        leaders: z.array(
          z.looseObject({
            t: z.number(),
            lastT: z.number(),
            answers: z.number(),
            leader: int,
            epoch: int,
            answeredBy: z.string(),
          }),
        ),
      }),
    ),
    brokers: z.array(z.looseObject({ nodeId: int, host: z.string(), port: int })),
  }),
  groups: z.array(
    z.looseObject({
      group: z.string(),
      joinGroups: z.number(),
      syncGroups: z.number(),
      heartbeats: z.number(),
      leaveGroups: z.number(),
      generations: z.array(int),
      errors: z.record(z.string(), z.number()),
      members: z.number(),
      firstT: z.number(),
      lastT: z.number(),
    }),
  ),
  timeline: z.looseObject({
    bucketS: z.number(),
    buckets: z.array(
      z.looseObject({
        t: z.number(),
        requests: z.number(),
        errors: z.number(),
        bytes: z.number(),
        byApi: z.record(
          z.string(),
          z.looseObject({ requests: z.number(), errors: z.number(), bytes: z.number() }),
        ),
      }),
    ),
  }),
  truncatedTables: z.record(z.string(), z.number()),
  findings: z.array(z.looseObject({ id: z.string() })),
})
