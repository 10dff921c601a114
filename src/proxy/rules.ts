/**
 * The fault-injection rules of `kafka-doctor proxy`: what a rules file (JSON or YAML) or the control
 * endpoint may say, validated with zod. Every rule can be limited to some brokers' listeners
 * (`brokers`, node ids) and to some clients (`clientIds` / `excludeClientIds`, `*` globs on the
 * request header's client id); faults that hit partitions name a `topic` and optionally `partitions`
 * (all partitions when left out).
 *
 * ```yaml
 * rules:
 *   - type: error                 # an error code in Fetch / ListOffsets / Produce / OffsetCommit answers
 *     api: Fetch
 *     error: NOT_LEADER_OR_FOLLOWER
 *     topic: orders
 *     partitions: [0]
 *     brokers: [2]
 *     probability: 1              # optional
 *     count: 100                  # optional: stop after this many injections
 *   - type: freeze-offsets        # the HW / LSO / log start a broker reports in Fetch and ListOffsets
 *     topic: orders
 *     partitions: [0]
 *     brokers: [2]
 *     highWatermark: 40
 *   - type: stale-metadata        # Metadata answers name an old leader and epoch
 *     topic: orders
 *     partitions: [0]
 *     leader: 2
 *     leaderEpoch: 0
 *   - type: latency               # delay answers
 *     apis: [Fetch]
 *     ms: 200
 *   - type: drop-connection       # close the client's connection when it sends a matching request
 *     apis: [Fetch]
 *     count: 1
 *   - type: coordinator-error     # FindCoordinator / JoinGroup / Heartbeat / OffsetFetch answers
 *     api: Heartbeat
 *     error: REBALANCE_IN_PROGRESS
 *     groups: [my-group]
 * ```
 */
import { z } from 'zod'
import { BadInputError } from '../errors.js'
import { ApiKey, apiName, findCodec } from '../protocol/generated/apis.js'
import { errorInfo, kafkaErrors } from '../protocol/generated/errors.js'

const errorCodeByName = new Map(kafkaErrors.map((info) => [info.name, info.code]))

/** An error given by name (`NOT_LEADER_OR_FOLLOWER`) or number (6). */
const errorCodeSchema = z.union([z.number().int(), z.string()]).transform((value, ctx) => {
  const code = typeof value === 'number' ? value : (errorCodeByName.get(value.trim().toUpperCase()) ?? NaN)
  if (!Number.isInteger(code) || errorInfo(code) === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown Kafka error '${value}'` })
    return z.NEVER
  }
  return code
})

/** An API given by name (`Fetch`) or key (1). */
const apiKeySchema = z.union([z.number().int(), z.string()]).transform((value, ctx) => {
  const key =
    typeof value === 'number'
      ? value
      : ((ApiKey as Record<string, number>)[value] ??
        Object.entries(ApiKey).find(([name]) => name.toLowerCase() === value.toLowerCase())?.[1])
  if (key === undefined || findCodec(key) === undefined) {
    ctx.addIssue({ code: 'custom', message: `unknown Kafka API '${value}'` })
    return z.NEVER
  }
  return key
})

/** An offset: a number, or a decimal string for values past 2^53. */
const offsetSchema = z.union([z.number().int(), z.string().regex(/^-?\d+$/)]).transform((v) => BigInt(v))

const common = {
  /** Stable id for the control endpoint; generated when absent. */
  id: z.string().min(1).max(100).optional(),
  /** Listeners (broker node ids) the rule applies to; all when absent. */
  brokers: z.array(z.number().int()).optional(),
  /** Client ids (`*` globs) the rule applies to; all when absent. */
  clientIds: z.array(z.string()).optional(),
  /** Client ids (`*` globs) the rule never applies to. */
  excludeClientIds: z.array(z.string()).optional(),
  /** Chance that a match applies (default 1). */
  probability: z.number().min(0).max(1).optional(),
  /** Applies at most this many times, then stays listed as exhausted. */
  count: z.number().int().positive().optional(),
  /** Free text shown in logs. */
  note: z.string().optional(),
}

const partitionScope = {
  topic: z.string().min(1),
  /** Partition indexes; every partition of the topic when absent. */
  partitions: z.array(z.number().int().nonnegative()).optional(),
}

const errorApis = [ApiKey.Fetch, ApiKey.ListOffsets, ApiKey.Produce, ApiKey.OffsetCommit] as const
const coordinatorApis = [
  ApiKey.FindCoordinator,
  ApiKey.JoinGroup,
  ApiKey.Heartbeat,
  ApiKey.OffsetFetch,
] as const

const leaderAndEpoch = z.object({ leaderId: z.number().int(), leaderEpoch: z.number().int() }).strict()

export const errorRuleSchema = z
  .object({
    type: z.literal('error'),
    ...common,
    ...partitionScope,
    api: apiKeySchema.refine((key) => (errorApis as readonly number[]).includes(key), {
      message: 'error rules apply to Fetch, ListOffsets, Produce or OffsetCommit',
    }),
    error: errorCodeSchema,
    /** KIP-951 leader hint put into Fetch v12+/Produce v10+ answers (none by default). */
    currentLeader: leaderAndEpoch.optional(),
  })
  .strict()

export const freezeOffsetsRuleSchema = z
  .object({
    type: z.literal('freeze-offsets'),
    ...common,
    ...partitionScope,
    highWatermark: offsetSchema,
    /** Defaults to the frozen high watermark. */
    lastStableOffset: offsetSchema.optional(),
    /** Left as the broker reports it when absent. */
    logStartOffset: offsetSchema.optional(),
    /** Leader epoch in ListOffsets answers (as the broker reports it when absent). */
    leaderEpoch: z.number().int().optional(),
  })
  .strict()

export const staleMetadataRuleSchema = z
  .object({
    type: z.literal('stale-metadata'),
    ...common,
    ...partitionScope,
    leader: z.number().int(),
    /** As the broker reports it when absent. */
    leaderEpoch: z.number().int().optional(),
    replicas: z.array(z.number().int()).optional(),
    isr: z.array(z.number().int()).optional(),
  })
  .strict()

export const latencyRuleSchema = z
  .object({
    type: z.literal('latency'),
    ...common,
    /** APIs whose answers are delayed; all when absent. */
    apis: z.array(apiKeySchema).optional(),
    ms: z.number().int().nonnegative().max(600_000),
    jitterMs: z.number().int().nonnegative().max(600_000).optional(),
  })
  .strict()

export const dropConnectionRuleSchema = z
  .object({
    type: z.literal('drop-connection'),
    ...common,
    /** Requests that trigger the drop; any request when absent. */
    apis: z.array(apiKeySchema).optional(),
  })
  .strict()

export const coordinatorErrorRuleSchema = z
  .object({
    type: z.literal('coordinator-error'),
    ...common,
    api: apiKeySchema.refine((key) => (coordinatorApis as readonly number[]).includes(key), {
      message: 'coordinator-error rules apply to FindCoordinator, JoinGroup, Heartbeat or OffsetFetch',
    }),
    error: errorCodeSchema,
    /** Group ids (`*` globs); all when absent. */
    groups: z.array(z.string()).optional(),
  })
  .strict()

export const ruleSchema = z.discriminatedUnion('type', [
  errorRuleSchema,
  freezeOffsetsRuleSchema,
  staleMetadataRuleSchema,
  latencyRuleSchema,
  dropConnectionRuleSchema,
  coordinatorErrorRuleSchema,
])

export const rulesDocumentSchema = z.object({ rules: z.array(ruleSchema) }).strict()

/** A rule as written (before validation): what a file or the control endpoint accepts. */
export type RuleInput = z.input<typeof ruleSchema>
export type ParsedRule = z.output<typeof ruleSchema>
export type RuleType = ParsedRule['type']

export type Rule = ParsedRule & { id: string; source: RuleSource }
export type RuleSource = 'file' | 'control' | 'options'

export type ErrorRule = Extract<Rule, { type: 'error' }>
export type FreezeOffsetsRule = Extract<Rule, { type: 'freeze-offsets' }>
export type StaleMetadataRule = Extract<Rule, { type: 'stale-metadata' }>
export type LatencyRule = Extract<Rule, { type: 'latency' }>
export type DropConnectionRule = Extract<Rule, { type: 'drop-connection' }>
export type CoordinatorErrorRule = Extract<Rule, { type: 'coordinator-error' }>

/** Validates one rule or a document (`{rules: [...]}`, or a bare array); throws BadInputError. */
export function parseRules(input: unknown, where: string): ParsedRule[] {
  const candidates = Array.isArray(input)
    ? input
    : input && typeof input === 'object' && 'rules' in input
      ? (input as { rules: unknown }).rules
      : [input]
  const parsed = z.array(ruleSchema).safeParse(candidates)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const path = issue?.path.length ? ` at rules.${issue.path.join('.')}` : ''
    throw new BadInputError(`invalid proxy rule in ${where}${path}: ${issue?.message ?? 'invalid'}`, {
      hint: 'see `kafka-doctor proxy --help` for the rule format',
    })
  }
  return parsed.data
}

/** A one-line description of a rule for logs. */
export function describeRule(rule: Rule): string {
  const where = [
    rule.brokers ? `brokers ${rule.brokers.join(',')}` : '',
    rule.clientIds ? `clients ${rule.clientIds.join(',')}` : '',
  ]
    .filter(Boolean)
    .join(', ')
  const scope =
    'topic' in rule ? `${rule.topic}${rule.partitions ? `-[${rule.partitions.join(',')}]` : ''}` : ''
  const what = (() => {
    switch (rule.type) {
      case 'error':
      case 'coordinator-error':
        return `${rule.type} ${errorInfo(rule.error)?.name ?? rule.error} in ${apiName(rule.api)}`
      case 'freeze-offsets':
        return `freeze HW at ${rule.highWatermark}`
      case 'stale-metadata':
        return `stale metadata: leader ${rule.leader}${rule.leaderEpoch === undefined ? '' : ` epoch ${rule.leaderEpoch}`}`
      case 'latency':
        return `latency ${rule.ms} ms${rule.apis ? ` on ${rule.apis.map(apiName).join(',')}` : ''}`
      case 'drop-connection':
        return `drop connection${rule.apis ? ` on ${rule.apis.map(apiName).join(',')}` : ''}`
    }
  })()
  return `${rule.id}: ${what}${scope ? ` for ${scope}` : ''}${where ? ` (${where})` : ''}`
}

/** `*` glob match (the only wildcard), anchored. */
export function globMatch(pattern: string, text: string): boolean {
  if (!pattern.includes('*')) return pattern === text
  const parts = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${parts.join('.*')}$`, 's').test(text)
}
