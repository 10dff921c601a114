import type { LagSample } from '../../collect/lag/lag-samples.js'
import { partitionKey } from '../../collect/lag/lag-snapshot.js'
import { type EvaluatorOptions, evaluateWindow, type WindowEvaluation } from './burrow-evaluator.js'
import type { LagBasis } from './lag-rows.js'
import { HwHistory, type TimeLag } from './time-lag.js'

/**
 * Lag samples (a watch, or `lag-samples.jsonl` from a bundle) → per group × partition: the window's
 * Burrow status and the lag in seconds at the last sample. Pure: the same samples give the same
 * answer, so `analyze` can redo it offline.
 */

export interface PartitionWindowResult {
  group: string
  topic: string
  partition: number
  evaluation: WindowEvaluation
  timeLag: TimeLag
  /** Topic ids seen over the window, in order; more than one means the topic was recreated. */
  topicIds: string[]
}

export interface EvaluateSamplesOptions extends Omit<EvaluatorOptions, 'basis'> {
  /** Lag basis per group (LSO for read_committed groups); default HW. */
  basisOf?: (group: string) => LagBasis
  /** HW points kept for the time lag (default 60). */
  historyLimit?: number
}

export function windowKey(group: string, topic: string, partition: number): string {
  return `${group}\u0000${partitionKey(topic, partition)}`
}

export function evaluateSamples(
  samples: readonly LagSample[],
  options: EvaluateSamplesOptions = {},
): Map<string, PartitionWindowResult> {
  const windows = new Map<string, LagSample[]>()
  // The HW history is per partition, whichever group's sample carried it.
  const histories = new Map<string, HwHistory>()
  const sorted = [...samples].sort((a, b) => a.t - b.t || a.sample - b.sample)
  for (const s of sorted) {
    const key = windowKey(s.group, s.topic, s.partition)
    const list = windows.get(key)
    if (list) list.push(s)
    else windows.set(key, [s])
    if (s.highWatermark !== null) {
      const pk = partitionKey(s.topic, s.partition)
      let history = histories.get(pk)
      if (!history) {
        history = new HwHistory(options.historyLimit)
        histories.set(pk, history)
      }
      history.add({ t: s.t, offset: s.highWatermark })
    }
  }
  const results = new Map<string, PartitionWindowResult>()
  for (const [key, window] of windows) {
    const last = window[window.length - 1]!
    const basis = options.basisOf?.(last.group) ?? 'hw'
    const evaluation = evaluateWindow(window, {
      basis,
      ...(options.allowedLag !== undefined ? { allowedLag: options.allowedLag } : {}),
    })
    const history = histories.get(partitionKey(last.topic, last.partition))
    const timeLag: TimeLag = history
      ? history.lookup(last.committed, last.t)
      : { seconds: null, kind: 'unknown', reason: 'no high watermark sampled' }
    const topicIds: string[] = []
    for (const s of window)
      if (s.topicId !== null && topicIds[topicIds.length - 1] !== s.topicId) topicIds.push(s.topicId)
    results.set(key, {
      group: last.group,
      topic: last.topic,
      partition: last.partition,
      evaluation,
      timeLag,
      topicIds,
    })
  }
  return results
}
