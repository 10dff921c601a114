/**
 * Where the evidence bundles recorded from real runs live: test/fixtures/bundles/<name>, except the
 * reference incident with the 3.6 client, which is the one in examples/ (the README's demo), so the
 * bundle users are shown is the one every rule and the browser test run on.
 */
import { join } from 'node:path'

const repo = join(import.meta.dirname, '..', '..')

export const exampleBundle = join(repo, 'examples', 'stale-leader-incident')

export function recordedBundle(name: string): string {
  return name === 'incident-old' ? exampleBundle : join(repo, 'test', 'fixtures', 'bundles', name)
}
