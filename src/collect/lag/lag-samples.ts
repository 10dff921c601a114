import { z } from 'zod'
import { BadInputError } from '../../errors.js'
import { toJson } from '../../util/json.js'
import { effectiveEnds, groupPartitions, type LagSnapshot, partitionKey } from './lag-snapshot.js'

/**
 * Lag samples as JSON lines, the form the evidence bundle stores them in (`lag-samples.jsonl`): one
 * line per sample, group and partition, with everything the watch evaluation needs — the committed
 * offset, the partition's ends, its leader, and whether a live member owns it. `samplesOf(snapshot)`
 * turns a snapshot into lines; `parseLagSamples` reads them back, validated, with offsets as bigint.
 */
export const lagSampleSchema = 'kafka-doctor/lag-sample@1'

export interface LagSample {
  schema: typeof lagSampleSchema
  /** Which sample of the watch (0-based). */
  sample: number
  /** When the end offsets were read, ms since the epoch. */
  t: number
  group: string
  groupState: string | null
  topic: string
  partition: number
  topicId: string | null
  committed: bigint | null
  committedEpoch: number | null
  highWatermark: bigint | null
  lastStableOffset: bigint | null
  logStartOffset: bigint | null
  leader: number | null
  leaderEpoch: number | null
  /** Why the HW is missing (OFFSET_NOT_AVAILABLE, NO_LEADER, UNREACHABLE …). */
  error: string | null
  /** The member that owns the partition at that moment; null when no live member does. */
  owner: string | null
}

export function samplesOf(snapshot: LagSnapshot, sample: number): LagSample[] {
  const ends = effectiveEnds(snapshot)
  const out: LagSample[] = []
  for (const group of snapshot.groups) {
    const committed = new Map(group.committed.map((c) => [partitionKey(c.topic, c.partition), c]))
    const owners = new Map<string, string>()
    for (const m of group.members) {
      for (const a of m.assignment)
        for (const p of a.partitions) owners.set(partitionKey(a.topic, p), m.memberId)
    }
    for (const { topic, partition } of groupPartitions(snapshot, group)) {
      const key = partitionKey(topic, partition)
      const c = committed.get(key)
      const e = ends.get(key)
      out.push({
        schema: lagSampleSchema,
        sample,
        t: e?.readAtMs ?? snapshot.timeMs,
        group: group.group,
        groupState: group.state,
        topic,
        partition,
        topicId: e?.topicId ?? null,
        committed: c?.offset ?? null,
        committedEpoch: c?.leaderEpoch ?? null,
        highWatermark: e?.highWatermark ?? null,
        lastStableOffset: e?.lastStableOffset ?? null,
        logStartOffset: e?.logStartOffset ?? null,
        leader: e?.leader ?? null,
        leaderEpoch: e?.leaderEpoch ?? null,
        error: e ? e.highWatermarkError : 'UNKNOWN_TOPIC_OR_PARTITION',
        owner: owners.get(key) ?? null,
      })
    }
  }
  return out
}

/** One JSON object per line, each ending in a newline. */
export function lagSamplesToJsonLines(samples: readonly LagSample[]): string {
  let text = ''
  for (const s of samples) text += `${toJson(s, { indent: 0 })}\n`
  return text
}

const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((value) => BigInt(value))
const nullableInt64 = int64.nullable()
const nullableInt = z.number().int().nullable()

const sampleLine = z.object({
  schema: z.literal(lagSampleSchema),
  sample: z.number().int().nonnegative(),
  t: z.number(),
  group: z.string(),
  groupState: z.string().nullable(),
  topic: z.string(),
  partition: z.number().int().nonnegative(),
  topicId: z.string().nullable(),
  committed: nullableInt64,
  committedEpoch: nullableInt,
  highWatermark: nullableInt64,
  lastStableOffset: nullableInt64,
  logStartOffset: nullableInt64,
  leader: nullableInt,
  leaderEpoch: nullableInt,
  error: z.string().nullable(),
  owner: z.string().nullable(),
})

/** Reads `lag-samples.jsonl`; a line that is not a valid sample is an error naming its line number. */
export function parseLagSamples(text: string, source = 'lag samples'): LagSample[] {
  const samples: LagSample[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]?.trim()
    if (!line) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw new BadInputError(`${source}, line ${i + 1}: not JSON`, {
        hint: 'expected one lag sample per line',
      })
    }
    const parsed = sampleLine.safeParse(value)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new BadInputError(
        `${source}, line ${i + 1}: not a lag sample (${issue ? `${issue.path.join('.') || 'line'}: ${issue.message}` : 'invalid'})`,
        { hint: `expected objects with schema "${lagSampleSchema}"` },
      )
    }
    samples.push(parsed.data as LagSample)
  }
  return samples
}
