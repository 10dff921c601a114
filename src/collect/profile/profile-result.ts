import type { ThreadKind } from '../../analyse/threads/classify.js'
import type { FoldedStack } from '../../analyse/threads/fold.js'
import type { HotMethod } from '../../analyse/threads/hot-methods.js'

/**
 * The result of `kafka-doctor profile` (library: `profileJvm`, `profileFromCollapsed`). Plain JSON,
 * stored by `diagnose` in the evidence bundle beside the folded file.
 *
 * Weights: with `weightUnit: 'cpu-us'` each stack carries the CPU microseconds its thread used in the
 * interval that ended with the dump the stack came from: a thread at 100% of a core for 100 ms
 * weighs 100,000; an idle thread weighs nothing, however often it is seen. With `samples`
 * (collapsed input from another profiler) weights are that profiler's sample counts.
 */
export const profileResultSchema = 'kafka-doctor/profile@1'

export interface ProfiledThread {
  name: string
  tid?: number
  /** Total weight of the thread's stacks (CPU µs or samples). */
  weight: number
  /** % of one core over the profile (cpu-us profiles only). */
  cpuPercent?: number
  /** Classification of the thread's heaviest stack at its mean CPU. */
  kind?: ThreadKind
  label?: string
}

export interface ProfileResult {
  schema: typeof profileResultSchema
  source: 'jvm-dumps' | 'collapsed'
  weightUnit: 'cpu-us' | 'samples'
  pid?: number
  jvm?: { vm?: string; jdkMajor?: number }
  startedAt?: string
  /** Wall time covered, ms. */
  durationMs?: number
  /** Dumps taken (jvm-dumps) and the rate achieved, per second. */
  dumps?: number
  achievedRate?: number
  requestedRate?: number
  /** `--thread` filter as given. */
  threadFilter?: string
  /** How dumps were taken (`attach` or a jcmd path). */
  dumpVia?: string
  totalWeight: number
  /** Folded stacks, heaviest first, thread name as the first frame. */
  stacks: FoldedStack[]
  threads: ProfiledThread[]
  hotMethods: HotMethod[]
  warnings: string[]
}
