import { describe, expect, it } from 'vitest'
import {
  type LagSample,
  lagSampleSchema,
  lagSamplesToJsonLines,
  parseLagSamples,
} from '../../../src/collect/lag/lag-samples.js'
import { BadInputError } from '../../../src/errors.js'

const sample: LagSample = {
  schema: lagSampleSchema,
  sample: 3,
  t: 1_795_598_923_786,
  group: 'g',
  groupState: 'Stable',
  topic: 't',
  partition: 2,
  topicId: 'FWScAAJgRAe4ZITnsjtoYw',
  committed: 9_007_199_254_740_993n, // above 2^53: written as a string, read back exactly
  committedEpoch: 4,
  highWatermark: 120n,
  lastStableOffset: 110n,
  logStartOffset: 0n,
  leader: 1,
  leaderEpoch: 4,
  error: null,
  owner: 'consumer-g-1-abc',
}

describe('lag samples as JSON lines', () => {
  it('writes one object per line and reads it back with bigints intact', () => {
    const text = lagSamplesToJsonLines([sample, { ...sample, sample: 4, committed: null, owner: null }])
    const lines = text.split('\n')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toBe('')
    expect(JSON.parse(lines[0]!).committed).toBe('9007199254740993')
    expect(JSON.parse(lines[0]!).highWatermark).toBe(120)
    expect(parseLagSamples(text)).toEqual([sample, { ...sample, sample: 4, committed: null, owner: null }])
  })

  it('names the line of anything that is not a sample', () => {
    const good = lagSamplesToJsonLines([sample])
    expect(() => parseLagSamples(`${good}{not json}\n`, 'lag-samples.jsonl')).toThrow(BadInputError)
    expect(() => parseLagSamples(`${good}{not json}\n`, 'lag-samples.jsonl')).toThrow(
      /^lag-samples.jsonl, line 2: not JSON$/,
    )
    const wrong = JSON.stringify({ ...JSON.parse(good), partition: -1 })
    expect(() => parseLagSamples(`${good}\n${wrong}`)).toThrow(/line 3: not a lag sample \(partition: /)
    expect(() => parseLagSamples(JSON.stringify({ schema: 'other' }))).toThrow(
      /line 1: not a lag sample \(schema/,
    )
  })
})
