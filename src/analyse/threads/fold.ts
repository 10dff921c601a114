import type { StackFrame } from '../../collect/threads/thread-dump-types.js'

/**
 * Folding: many weighted stacks → one line per distinct stack, the FlameGraph "collapsed" form
 * (`thread;outermost;…;leaf WEIGHT`, root first). Weights are integers so that both flamegraph.pl and
 * speedscope (whose importer accepts integers only) read the output.
 */
export interface FoldedStack {
  /** Root first. By kafka-doctor's convention the first element is the thread name. */
  frames: string[]
  weight: number
}

export class StackFolder {
  private readonly weights = new Map<string, number>()
  private total = 0

  /** Adds a dumped stack (innermost frame first, as dumps print it) under its thread name. */
  addDumped(thread: string, frames: readonly StackFrame[], weight: number): void {
    if (weight <= 0) return
    let key = frameName(thread)
    for (let i = frames.length - 1; i >= 0; i--) key += `;${frameName(frames[i]!.method)}`
    this.addKey(key, weight)
  }

  /** Adds an already folded stack (root first). */
  addFolded(frames: readonly string[], weight: number): void {
    if (weight <= 0 || frames.length === 0) return
    this.addKey(frames.map(frameName).join(';'), weight)
  }

  get totalWeight(): number {
    return this.total
  }

  get size(): number {
    return this.weights.size
  }

  stacks(): FoldedStack[] {
    const out: FoldedStack[] = []
    for (const [key, weight] of this.weights) out.push({ frames: key.split(';'), weight })
    return out.sort((a, b) => b.weight - a.weight)
  }

  private addKey(key: string, weight: number): void {
    const w = Math.round(weight)
    if (w <= 0) return
    this.weights.set(key, (this.weights.get(key) ?? 0) + w)
    this.total += w
  }
}

/**
 * A frame name safe for the collapsed format (no `;`, no line breaks) and stable across JVM runs:
 * the hidden-class address of lambdas (`$$Lambda$14/0x0000000800c0b000.run`, JDK 21
 * `$$Lambda/0x…`) changes every run and would split identical stacks.
 */
export function frameName(name: string): string {
  let out = name
  if (out.includes('/0x')) out = out.replace(/\/0x[0-9a-fA-F]+/g, '')
  if (/[;\r\n]/.test(out)) out = out.replace(/[;\r\n]/g, ':')
  return out
}

/** The folded text, one `stack weight` line per distinct stack, heaviest first. */
export function foldedText(stacks: readonly FoldedStack[]): string {
  let text = ''
  for (const s of stacks) text += `${s.frames.join(';')} ${s.weight}\n`
  return text
}
