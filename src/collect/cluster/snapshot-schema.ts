import { z } from 'zod'
import { BadInputError } from '../../errors.js'
import { type ClusterSnapshot, clusterSnapshotKind, clusterSnapshotVersion } from './snapshot.js'

/**
 * Reading a cluster snapshot back (from an evidence bundle, a fixture, or `--json` output of an older
 * run): validated against the schema, offsets turned back into bigint. A snapshot that does not
 * validate is bad input with the path of the first problem, never a crash deep in the analysis.
 */

const int = z.number().int()
const offset = z
  .union([z.bigint(), z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((v) => BigInt(v))
const outcome = z.enum(['ok', 'unreachable', 'timeout', 'unsupported', 'error'])
const collectError = z.object({ code: z.string(), message: z.string() })
const registeredBroker = z.object({ id: int, host: z.string(), port: int, rack: z.string().nullable() })

const viewPartition = z.object({
  partition: int,
  errorCode: int,
  leader: int,
  leaderEpoch: int,
  replicas: z.array(int),
  isr: z.array(int),
  offlineReplicas: z.array(int),
})

const viewMetadata = z.object({
  apiVersion: int,
  clusterId: z.string().nullable(),
  controllerId: int,
  brokers: z.array(registeredBroker),
  topics: z.array(
    z.object({
      name: z.string(),
      topicId: z.string(),
      errorCode: int,
      internal: z.boolean(),
      partitions: z.array(viewPartition),
    }),
  ),
})

const brokerView = z.object({
  brokerId: int,
  host: z.string(),
  port: int,
  round: int.min(1),
  requestedAt: z.string(),
  durationMs: z.number(),
  outcome,
  error: collectError.optional(),
  metadata: viewMetadata.optional(),
})

const quorumReplica = z.object({
  replicaId: int,
  logEndOffset: offset,
  lag: offset,
  lastFetchTimestamp: z.number(),
  lastCaughtUpTimestamp: z.number(),
})

const requestMeta = {
  outcome,
  error: collectError.optional(),
  errorCode: int.optional(),
  askedBroker: int.optional(),
  requestedAt: z.string().optional(),
  durationMs: z.number().optional(),
  apiVersion: int.optional(),
}

const snapshotSchema = z.object({
  kind: z.literal(clusterSnapshotKind),
  schemaVersion: z.literal(clusterSnapshotVersion),
  tool: z.object({ name: z.literal('kafka-doctor'), version: z.string() }),
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  timeoutMs: z.number(),
  topicsRequested: z.array(z.string()).nullable(),
  bootstrap: z.array(
    z.object({ address: z.string(), outcome, brokerId: int.nullable(), error: collectError.optional() }),
  ),
  bootstrapBroker: int.nullable(),
  bootstrapView: z
    .object({ address: z.string(), requestedAt: z.string(), durationMs: z.number(), metadata: viewMetadata })
    .optional(),
  mode: z.enum(['kraft', 'zookeeper']),
  describeCluster: z.object({
    ...requestMeta,
    clusterId: z.string().optional(),
    controllerId: int.optional(),
    brokers: z.array(registeredBroker.extend({ fenced: z.boolean() })).optional(),
  }),
  quorum: z.object({
    ...requestMeta,
    leaderId: int.optional(),
    leaderEpoch: int.optional(),
    highWatermark: offset.optional(),
    voters: z.array(quorumReplica).optional(),
    observers: z.array(quorumReplica).optional(),
    nodes: z
      .array(
        z.object({
          nodeId: int,
          listeners: z.array(z.object({ name: z.string(), host: z.string(), port: int })),
        }),
      )
      .optional(),
  }),
  configs: z.object({
    ...requestMeta,
    topics: z.array(
      z.object({
        topic: z.string(),
        errorCode: int,
        minInsyncReplicas: int.nullable(),
        configSource: int,
      }),
    ),
    broker: z
      .object({
        broker: int,
        errorCode: int,
        autoLeaderRebalance: z.boolean().nullable(),
        imbalancePerBrokerPercentage: int.nullable(),
        imbalanceCheckIntervalSeconds: int.nullable(),
      })
      .nullable(),
  }),
  views: z.array(brokerView),
  requests: z.array(
    z.object({
      brokerId: int.nullable(),
      address: z.string(),
      api: z.string(),
      version: int.nullable(),
      startMs: z.number(),
      durationMs: z.number(),
      outcome,
    }),
  ),
  warnings: z.array(z.string()),
})

/** Validates a parsed JSON value as a cluster snapshot. */
export function parseClusterSnapshot(value: unknown, source = 'cluster snapshot'): ClusterSnapshot {
  const result = snapshotSchema.safeParse(value)
  if (!result.success) {
    const issue = result.error.issues[0]
    const where = issue?.path.length ? `/${issue.path.join('/')}` : '/'
    throw new BadInputError(
      `${source} is not a valid cluster snapshot: ${where}: ${issue?.message ?? 'invalid'}`,
      {
        hint: `expected ${clusterSnapshotKind} version ${clusterSnapshotVersion}, as written by kafka-doctor`,
      },
    )
  }
  // The schema mirrors ClusterSnapshot; zod types optional keys as `T | undefined`, which
  // exactOptionalPropertyTypes keeps apart from absent keys, hence the cast after validation.
  return result.data as unknown as ClusterSnapshot
}

/** Parses snapshot JSON text. */
export function readClusterSnapshot(text: string, source = 'cluster snapshot'): ClusterSnapshot {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new BadInputError(`${source} is not JSON: ${(error as Error).message}`)
  }
  return parseClusterSnapshot(value, source)
}
