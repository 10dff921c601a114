import type { FoldedStack } from '../analyse/threads/fold.js'
import type { ProfileResult } from '../collect/profile/profile-result.js'

/**
 * A profile in speedscope's own file format (https://www.speedscope.app/file-format-schema.json): one
 * "sampled" profile per thread (the viewer switches between them), frames shared. Sample stacks are
 * frame indices from root to leaf; the thread frame itself is the profile, not a frame.
 */
export interface SpeedscopeFile {
  $schema: 'https://www.speedscope.app/file-format-schema.json'
  shared: { frames: Array<{ name: string }> }
  profiles: Array<{
    type: 'sampled'
    name: string
    unit: 'microseconds' | 'none'
    startValue: number
    endValue: number
    samples: number[][]
    weights: number[]
  }>
  name: string
  exporter: string
}

export function toSpeedscope(profile: ProfileResult, name: string, exporter: string): SpeedscopeFile {
  const frameIndex = new Map<string, number>()
  const frames: Array<{ name: string }> = []
  const index = (frame: string) => {
    let i = frameIndex.get(frame)
    if (i === undefined) {
      i = frames.length
      frames.push({ name: frame })
      frameIndex.set(frame, i)
    }
    return i
  }
  const byThread = new Map<string, FoldedStack[]>()
  for (const s of profile.stacks) {
    const thread = s.frames[0] ?? '?'
    const list = byThread.get(thread)
    if (list) list.push(s)
    else byThread.set(thread, [s])
  }
  const profiles: SpeedscopeFile['profiles'] = []
  const threads = [...byThread.entries()].sort(
    (a, b) => b[1].reduce((s, x) => s + x.weight, 0) - a[1].reduce((s, x) => s + x.weight, 0),
  )
  for (const [thread, stacks] of threads) {
    const samples: number[][] = []
    const weights: number[] = []
    let total = 0
    for (const s of stacks) {
      // A thread with no Java stack (a GC thread) still gets one frame so its CPU is visible.
      const path = s.frames.length > 1 ? s.frames.slice(1) : [`[${thread}]`]
      samples.push(path.map(index))
      weights.push(s.weight)
      total += s.weight
    }
    profiles.push({
      type: 'sampled',
      name: thread,
      unit: profile.weightUnit === 'cpu-us' ? 'microseconds' : 'none',
      startValue: 0,
      endValue: total,
      samples,
      weights,
    })
  }
  return {
    $schema: 'https://www.speedscope.app/file-format-schema.json',
    shared: { frames },
    profiles,
    name,
    exporter,
  }
}
