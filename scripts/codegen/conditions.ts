/**
 * Version conditions for generated code: the shortest test on `v` that is true exactly for the
 * versions of a mask, among the versions that can occur at that point of the code (`within`).
 */
import { hasVersion, type VersionMask, versionsOf } from './spec.js'

export const TRUE = 'true'
export const FALSE = 'false'

export function versionCondition(mask: VersionMask, within: VersionMask, variable = 'v'): string {
  const candidates = versionsOf(within)
  const selected = candidates.filter((v) => hasVersion(mask, v))
  if (selected.length === candidates.length) return TRUE
  if (selected.length === 0) return FALSE
  const first = candidates[0]!
  const last = candidates[candidates.length - 1]!
  const terms: string[] = []
  let i = 0
  while (i < candidates.length) {
    if (!hasVersion(mask, candidates[i]!)) {
      i++
      continue
    }
    let j = i
    while (j + 1 < candidates.length && hasVersion(mask, candidates[j + 1]!)) j++
    const from = candidates[i]!
    const to = candidates[j]!
    const lower = from === first ? undefined : `${variable} >= ${from}`
    const upper = to === last ? undefined : `${variable} <= ${to}`
    if (lower && upper) terms.push(from === to ? `${variable} === ${from}` : `(${lower} && ${upper})`)
    else terms.push(lower ?? upper ?? TRUE)
    i = j + 1
  }
  return terms.length === 1 ? terms[0]!.replace(/^\((.*)\)$/, '$1') : terms.join(' || ')
}

/** 'yes' when all of `within` is in `mask`, 'no' when none is, else the condition (mixed). */
export type Tri = 'yes' | 'no' | { condition: string }

export function tri(mask: VersionMask, within: VersionMask, mixedCondition?: string): Tri {
  const both = (mask & within) >>> 0
  if (both === within >>> 0) return 'yes'
  if (both === 0) return 'no'
  return { condition: mixedCondition ?? versionCondition(mask, within) }
}

/** Picks between two expressions by a Tri. */
export function pick(choice: Tri, yes: string, no: string): string {
  if (choice === 'yes') return yes
  if (choice === 'no') return no
  return `(${choice.condition} ? ${yes} : ${no})`
}

/** Picks between two statement lists by a Tri. */
export function pickLines(choice: Tri, yes: string[], no: string[]): string[] {
  if (choice === 'yes') return yes
  if (choice === 'no') return no
  return [`if (${choice.condition}) {`, ...indent(yes), '} else {', ...indent(no), '}']
}

export function indent(lines: string[], by = '  '): string[] {
  return lines.map((line) => (line === '' ? line : by + line))
}

/** Guards statements with a condition ('true' → as is, 'false' → nothing). */
export function guard(condition: string, lines: string[]): string[] {
  if (condition === TRUE) return lines
  if (condition === FALSE || lines.length === 0) return []
  if (lines.length === 1 && !lines[0]!.endsWith('{')) return [`if (${condition}) ${lines[0]!.trimStart()}`]
  return [`if (${condition}) {`, ...indent(lines), '}']
}
