import { z } from 'zod'
import { type LagSnapshot, lagSnapshotSchema } from '../lag/lag-snapshot.js'
import { parseJsonLines } from './validate.js'

/**
 * Reading lag snapshots back from a bundle (`lag/snapshots.jsonl`, one LagSnapshot per line, as
 * src/collect/lag writes them through util/json.ts): validated, offsets turned back into bigint. The
 * lag collector has no reader of its own yet (it reads samples, not snapshots), so this adapter
 * mirrors src/collect/lag/lag-snapshot.ts field for field; fields added later pass through.
 */

const int = z.number().int()
const offset = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((v) => BigInt(v))
const nullableOffset = offset.nullable()
const nullableInt = int.nullable()
const topicPartitions = z.looseObject({ topic: z.string(), partitions: z.array(int) })

const member = z.looseObject({
  memberId: z.string(),
  groupInstanceId: z.string().nullable(),
  clientId: z.string(),
  host: z.string(),
  assignment: z.array(topicPartitions),
  targetAssignment: z.array(topicPartitions).optional(),
  memberEpoch: int.optional(),
  assignmentError: z.string().optional(),
})

const group = z.looseObject({
  group: z.string(),
  coordinator: nullableInt,
  coordinatorError: z.string().nullable(),
  type: z.enum(['classic', 'consumer', 'unknown']),
  protocolType: z.string().nullable(),
  state: z.string().nullable(),
  assignor: z.string().nullable(),
  groupEpoch: int.optional(),
  describeError: z.string().nullable(),
  offsetsError: z.string().nullable(),
  members: z.array(member),
  committed: z.array(
    z.looseObject({
      topic: z.string(),
      partition: int,
      offset: nullableOffset,
      leaderEpoch: nullableInt,
      error: z.string().nullable(),
    }),
  ),
})

const ends = z.looseObject({
  topic: z.string(),
  partition: int,
  topicId: z.string().nullable(),
  leader: nullableInt,
  leaderEpoch: nullableInt,
  replicas: z.array(int),
  isr: z.array(int),
  highWatermark: nullableOffset,
  lastStableOffset: nullableOffset,
  logStartOffset: nullableOffset,
  highWatermarkError: z.string().nullable(),
  lastStableOffsetError: z.string().nullable(),
  logStartOffsetError: z.string().nullable(),
  answeredEpoch: nullableInt,
  readAtMs: z.number(),
})

const investigation = z.looseObject({
  topic: z.string(),
  partition: int,
  metadataViews: z.array(
    z.looseObject({
      broker: int,
      leader: nullableInt,
      leaderEpoch: nullableInt,
      isr: z.array(int),
      replicas: z.array(int),
      error: z.string().nullable(),
      detail: z.string().optional(),
    }),
  ),
  logEnds: z.array(
    z.looseObject({
      broker: int,
      logEndOffset: nullableOffset,
      epoch: nullableInt,
      error: z.string().nullable(),
      detail: z.string().optional(),
    }),
  ),
  logDirs: z.array(
    z.looseObject({
      broker: int,
      logDir: z.string().nullable(),
      sizeBytes: nullableOffset,
      offsetLag: nullableOffset,
      error: z.string().nullable(),
    }),
  ),
  epochEnds: z.array(
    z.looseObject({
      epoch: int,
      endOffset: nullableOffset,
      leaderEpoch: nullableInt,
      error: z.string().nullable(),
    }),
  ),
})

const snapshot = z.looseObject({
  schema: z.literal(lagSnapshotSchema),
  takenAt: z.string(),
  timeMs: z.number(),
  durationMs: z.number(),
  allGroups: z.boolean(),
  topicFilter: z.array(z.string()).nullable(),
  groups: z.array(group),
  partitions: z.array(ends),
  rereads: z.array(ends),
  investigations: z.array(investigation),
  brokers: z.array(z.looseObject({ nodeId: int, host: z.string(), port: int, rack: z.string().nullable() })),
  requests: z.looseObject({
    total: z.number(),
    byApi: z.record(z.string(), z.number()),
    byBroker: z.record(z.string(), z.number()),
    connections: z.number(),
  }),
  unreachable: z.array(z.looseObject({ nodeId: nullableInt, address: z.string(), error: z.string() })),
  warnings: z.array(z.string()),
})

export function parseLagSnapshots(text: string, file: string): LagSnapshot[] {
  return parseJsonLines<LagSnapshot>(text, file, snapshot, `${lagSnapshotSchema} snapshot`)
}
