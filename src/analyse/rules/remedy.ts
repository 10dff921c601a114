import { readFileSync } from 'node:fs'

/**
 * Remedies are markdown kept beside the rules (`src/analyse/rules/remedies/<name>.md`, copied into
 * dist by the build), so that the advice can be read and reviewed as text. `{{name}}` placeholders
 * are filled from the finding (topic, partition, broker, bootstrap …); a placeholder without a value
 * is a bug in the rule and throws, so a remedy never reaches a user with a hole in a command.
 */

export const remedyNames = [
  'poll-spin',
  'not-leader-loop',
  'negative-lag',
  'replication',
  'metadata-divergence',
  'rebalance-storm',
  'not-kafka',
  'old-client',
  'fetch-settings',
  'offset-reset-loop',
  'coordinator-errors',
  'leader-offline',
  'stale-leadership-test',
  'stale-leadership-production',
] as const
export type RemedyName = (typeof remedyNames)[number]

export type RemedyValues = Readonly<Record<string, string | number>>

const cache = new Map<RemedyName, string>()

/** The template text of a remedy, as written in its .md file. */
export function remedyTemplate(name: RemedyName): string {
  let text = cache.get(name)
  if (text === undefined) {
    text = readFileSync(new URL(`./remedies/${name}.md`, import.meta.url), 'utf8')
    cache.set(name, text)
  }
  return text
}

/** The placeholders a template uses. */
export function remedyPlaceholders(name: RemedyName): string[] {
  return [...new Set([...remedyTemplate(name).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1] ?? ''))]
}

export function renderRemedy(name: RemedyName, values: RemedyValues): string {
  return remedyTemplate(name)
    .replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
      const value = values[key]
      if (value === undefined) throw new Error(`remedy ${name}: no value for {{${key}}}`)
      return String(value)
    })
    .trim()
}
