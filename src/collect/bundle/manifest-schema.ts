import { z } from 'zod'
import { BadInputError } from '../../errors.js'
import { type BundleManifest, bundleSchema, sourceNames, sourceStatuses } from './manifest.js'
import { parseJsonText, validate } from './validate.js'

/**
 * Reading `manifest.json` back. The schema id is checked first, so that a bundle from a newer
 * kafka-doctor (or something that is not a bundle at all) is named as such rather than failing on
 * some field deep inside.
 */

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be a path inside the bundle')

const sourceEntry = z.object({
  status: z.enum(sourceStatuses),
  files: z.array(relativePath),
  method: z.string(),
  command: z.array(z.string()).optional(),
  options: z.record(z.string(), z.unknown()),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
  reason: z.string().optional(),
  error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).optional(),
  warnings: z.array(z.string()),
})

const sources = Object.fromEntries(sourceNames.map((name) => [name, sourceEntry])) as Record<
  (typeof sourceNames)[number],
  typeof sourceEntry
>

const manifestSchema = z.object({
  schema: z.literal(bundleSchema),
  tool: z.object({ name: z.literal('kafka-doctor'), version: z.string() }),
  host: z.object({ hostname: z.string(), platform: z.string(), release: z.string(), node: z.string() }),
  createdAt: z.string(),
  timeRange: z.object({ start: z.string(), end: z.string() }),
  command: z.array(z.string()),
  target: z.object({
    bootstrap: z.string().nullable(),
    groups: z.array(z.string()),
    topics: z.array(z.string()),
    pid: z.number().int().positive().nullable(),
    clientIds: z.array(z.string()).optional(),
    interface: z.string().nullable(),
  }),
  sources: z.object(sources),
  outputs: z.array(relativePath),
})

export function parseManifest(text: string, file = 'manifest.json'): BundleManifest {
  const value = parseJsonText(text, file)
  const schema =
    typeof value === 'object' && value !== null && 'schema' in value
      ? (value as { schema: unknown }).schema
      : undefined
  if (schema !== bundleSchema) {
    const other = typeof schema === 'string' && schema.startsWith('kafka-doctor/bundle@')
    throw new BadInputError(
      other
        ? `${file}: bundle schema ${schema} is not supported (this kafka-doctor reads ${bundleSchema})`
        : `${file}: not a kafka-doctor bundle manifest (schema ${JSON.stringify(schema ?? null)})`,
      {
        hint: other
          ? 'analyse it with the kafka-doctor version that wrote it, or upgrade'
          : 'give the directory kafka-doctor diagnose wrote',
        file,
      },
    )
  }
  return validate<BundleManifest>(manifestSchema, value, file, `a ${bundleSchema} manifest`)
}
