import type { FoldedStack } from './fold.js'
import { kafkaPackage } from './frames.js'

/**
 * The hot-method table of a profile: for every method, its self weight (it was the leaf: the CPU was
 * spent in it) and its total weight (it was anywhere on the stack: the CPU was spent in it or in what
 * it called). A recursive method counts once per stack in its total.
 */
export interface HotMethod {
  method: string
  self: number
  selfPercent: number
  total: number
  totalPercent: number
  kafka: boolean
}

export interface HotMethodOptions {
  /** Skip the first frame of each stack (the thread name, by kafka-doctor's convention). Default true. */
  skipThreadFrame?: boolean
  limit?: number
}

export function hotMethods(stacks: readonly FoldedStack[], options: HotMethodOptions = {}): HotMethod[] {
  const skip = options.skipThreadFrame === false ? 0 : 1
  const self = new Map<string, number>()
  const total = new Map<string, number>()
  let all = 0
  const seen = new Set<string>()
  for (const stack of stacks) {
    all += stack.weight
    const frames = stack.frames
    if (frames.length <= skip) continue
    const leaf = frames[frames.length - 1]!
    self.set(leaf, (self.get(leaf) ?? 0) + stack.weight)
    seen.clear()
    for (let i = skip; i < frames.length; i++) {
      const f = frames[i]!
      if (seen.has(f)) continue
      seen.add(f)
      total.set(f, (total.get(f) ?? 0) + stack.weight)
    }
  }
  const pct = (v: number) => (all > 0 ? Math.round((v / all) * 10_000) / 100 : 0)
  const rows: HotMethod[] = []
  for (const [method, t] of total) {
    const s = self.get(method) ?? 0
    rows.push({
      method,
      self: s,
      selfPercent: pct(s),
      total: t,
      totalPercent: pct(t),
      kafka: method.startsWith(kafkaPackage),
    })
  }
  rows.sort((a, b) => b.self - a.self || b.total - a.total || a.method.localeCompare(b.method))
  return options.limit === undefined ? rows : rows.slice(0, options.limit)
}
