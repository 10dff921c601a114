import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures')

/** Path of a file under test/fixtures. */
export function fixturePath(...parts: string[]): string {
  return join(fixtures, ...parts)
}

export function readFixture(...parts: string[]): string {
  return readFileSync(fixturePath(...parts), 'utf8')
}
