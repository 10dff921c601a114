import { z } from 'zod'
import { threadKinds } from '../../analyse/threads/classify.js'
import { profileResultSchema } from '../profile/profile-result.js'
import { threadsResultSchema } from '../threads/threads-result.js'

/**
 * Schemas for the JVM sources of a bundle, `threads.json` (ThreadsResult) and `profile/profile.json`
 * (ProfileResult), checked when a bundle is read. They pin down what the rules read — CPU figures,
 * classifications, stacks, weights — and let anything else through untouched (loose objects), so
 * that a newer writer adding a field does not break an older reader of the same schema version.
 */

const frame = z.looseObject({ method: z.string(), location: z.string() })

const classification = z.looseObject({
  kind: z.enum(threadKinds),
  label: z.string(),
  reason: z.string(),
  kafka: z.boolean(),
  busy: z.boolean().optional(),
})

const sample = {
  tid: z.number().int().optional(),
  nidHex: z.string().optional(),
  javaId: z.number().int().optional(),
  name: z.string(),
  cpuPercent: z.number().optional(),
  cpuMs: z.number().optional(),
  runQueuePercent: z.number().optional(),
  state: z.string().optional(),
  classification,
  dumpIndex: z.number().int().optional(),
}

const dumpedThread = z.looseObject({
  name: z.string(),
  osTid: z.number().int().optional(),
  state: z.string().optional(),
  frames: z.array(frame),
})

const cpuMethod = z.enum(['schedstat', 'stat', 'top-file', 'dump-cpu', 'none'])

export const threadsSchema = z.looseObject({
  schema: z.literal(threadsResultSchema),
  pid: z.number().int().optional(),
  cpuMethod,
  rounds: z.array(
    z.looseObject({
      index: z.number().int(),
      startedAt: z.string(),
      intervalMs: z.number(),
      cpuMethod,
      processCpuPercent: z.number().optional(),
      threads: z.array(z.looseObject(sample)),
      dump: z
        .looseObject({ threads: z.array(dumpedThread), warnings: z.array(z.string()), complete: z.boolean() })
        .optional(),
    }),
  ),
  hottest: z.array(
    z.looseObject({
      ...sample,
      meanCpuPercent: z.number().optional(),
      maxCpuPercent: z.number().optional(),
      rounds: z.number().int(),
      fromRound: z.number().int(),
      kinds: z.record(z.string(), z.number()),
      frames: z.array(frame),
    }),
  ),
  warnings: z.array(z.string()),
})

export const profileSchema = z.looseObject({
  schema: z.literal(profileResultSchema),
  source: z.enum(['jvm-dumps', 'collapsed']),
  weightUnit: z.enum(['cpu-us', 'samples']),
  pid: z.number().int().optional(),
  durationMs: z.number().optional(),
  totalWeight: z.number(),
  stacks: z.array(z.looseObject({ frames: z.array(z.string()), weight: z.number() })),
  threads: z.array(
    z.looseObject({
      name: z.string(),
      tid: z.number().int().optional(),
      weight: z.number(),
      cpuPercent: z.number().optional(),
      kind: z.enum(threadKinds).optional(),
    }),
  ),
  hotMethods: z.array(
    z.looseObject({
      method: z.string(),
      self: z.number(),
      selfPercent: z.number(),
      total: z.number(),
      totalPercent: z.number(),
      kafka: z.boolean(),
    }),
  ),
  warnings: z.array(z.string()),
})
