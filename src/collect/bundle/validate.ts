import type { z } from 'zod'
import { BadInputError } from '../../errors.js'

/**
 * Validation of bundle files: a file that does not match its schema is bad input named by the file
 * and the JSON pointer of the first problem (`threads.json: /rounds/0/threads/3/name: expected
 * string`), never a crash deep in a rule.
 */

/** A JSON pointer (RFC 6901) for a zod issue path. */
export function jsonPointer(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '/'
  return path.map((part) => `/${String(part).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')
}

export function validate<T>(
  schema: z.ZodType,
  value: unknown,
  file: string,
  expected: string,
  line?: number,
): T {
  const result = schema.safeParse(value)
  if (result.success) return result.data as T
  const issue = result.error.issues[0]
  const where = line === undefined ? file : `${file}, line ${line}`
  throw new BadInputError(`${where}: ${jsonPointer(issue?.path ?? [])}: ${issue?.message ?? 'invalid'}`, {
    hint: `expected ${expected}, as kafka-doctor writes it`,
    file,
    pointer: jsonPointer(issue?.path ?? []),
  })
}

/** JSON.parse with the file named on failure. */
export function parseJsonText(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new BadInputError(`${file}: not JSON (${(error as Error).message})`, {
      hint: 'the bundle file is damaged; collect it again',
      file,
    })
  }
}

/** Parses JSON lines, validating each; `map` turns a validated line into its value. */
export function parseJsonLines<T>(text: string, file: string, schema: z.ZodType, expected: string): T[] {
  const out: T[] = []
  const lines = text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]?.trim()
    if (!line) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw new BadInputError(`${file}, line ${index + 1}: not JSON`, {
        hint: `expected one ${expected} per line`,
        file,
      })
    }
    out.push(validate<T>(schema, value, file, expected, index + 1))
  }
  return out
}
