import { describe, expect, it } from 'vitest'
import { BadInputError } from '../../src/errors.js'
import { ApiKey } from '../../src/protocol/generated/apis.js'
import { describeRule, globMatch, parseRules, type Rule } from '../../src/proxy/rules.js'

describe('proxy rules', () => {
  it('accepts every rule type, with errors and APIs by name or number', () => {
    const rules = parseRules(
      {
        rules: [
          {
            type: 'error',
            api: 'Fetch',
            error: 'NOT_LEADER_OR_FOLLOWER',
            topic: 't',
            partitions: [0],
            brokers: [2],
          },
          { type: 'error', api: 2, error: 1, topic: 't' },
          { type: 'freeze-offsets', topic: 't', partitions: [1], highWatermark: '9007199254740993' },
          { type: 'stale-metadata', topic: 't', partitions: [0], leader: 2, leaderEpoch: 0, isr: [2] },
          { type: 'latency', ms: 200, apis: ['metadata'] },
          { type: 'drop-connection', apis: ['Fetch'], count: 1, probability: 0.5 },
          { type: 'coordinator-error', api: 'Heartbeat', error: 'REBALANCE_IN_PROGRESS', groups: ['g*'] },
        ],
      },
      'test',
    )
    expect(rules.map((rule) => rule.type)).toEqual([
      'error',
      'error',
      'freeze-offsets',
      'stale-metadata',
      'latency',
      'drop-connection',
      'coordinator-error',
    ])
    expect(rules[0]).toMatchObject({ api: ApiKey.Fetch, error: 6, partitions: [0], brokers: [2] })
    expect(rules[1]).toMatchObject({ api: ApiKey.ListOffsets, error: 1 })
    expect(rules[2]).toMatchObject({ highWatermark: 9007199254740993n })
    expect(rules[4]).toMatchObject({ apis: [ApiKey.Metadata] })
    expect(rules[6]).toMatchObject({ api: ApiKey.Heartbeat, error: 27 })
  })

  it('takes a single rule or a bare list as well as a document', () => {
    expect(parseRules({ type: 'latency', ms: 5 }, 'x')).toHaveLength(1)
    expect(
      parseRules(
        [
          { type: 'latency', ms: 5 },
          { type: 'latency', ms: 6 },
        ],
        'x',
      ),
    ).toHaveLength(2)
  })

  it.each([
    [
      { type: 'error', api: 'Fetch', error: 'NO_SUCH_ERROR', topic: 't' },
      /unknown Kafka error 'NO_SUCH_ERROR'/,
    ],
    [{ type: 'error', api: 'Metadata', error: 6, topic: 't' }, /error rules apply to Fetch, ListOffsets/],
    [{ type: 'error', api: 'Nope', error: 6, topic: 't' }, /unknown Kafka API 'Nope'/],
    [{ type: 'coordinator-error', api: 'Fetch', error: 15 }, /coordinator-error rules apply to/],
    [{ type: 'latency', ms: -1 }, /at rules\.0\.ms/],
    [{ type: 'freeze-offsets', topic: 't', highWatermark: 'ten' }, /at rules\.0\.highWatermark/],
    [{ type: 'latency', ms: 1, sometimes: true }, /sometimes/],
    [{ type: 'explode' }, /at rules\.0\.type/],
    [{ type: 'drop-connection', probability: 2 }, /at rules\.0\.probability/],
  ])('rejects %j with a BadInputError', (rule, message) => {
    expect(() => parseRules(rule, 'rules.yaml')).toThrow(BadInputError)
    expect(() => parseRules(rule, 'rules.yaml')).toThrow(message)
  })

  it('describes a rule in one line', () => {
    const [parsed] = parseRules(
      { type: 'error', api: 'Fetch', error: 6, topic: 'orders', partitions: [0, 1], brokers: [2] },
      'x',
    )
    const rule = { ...parsed, id: 'r1', source: 'control' } as Rule
    expect(describeRule(rule)).toBe('r1: error NOT_LEADER_OR_FOLLOWER in Fetch for orders-[0,1] (brokers 2)')
  })

  it('matches * globs, anchored, with regex characters taken literally', () => {
    expect(globMatch('patient-*', 'patient-consumer-1')).toBe(true)
    expect(globMatch('patient-*', 'my-patient-1')).toBe(false)
    expect(globMatch('*', '')).toBe(true)
    expect(globMatch('a.b', 'axb')).toBe(false)
    expect(globMatch('kafka-doctor*', 'kafka-doctor')).toBe(true)
    expect(globMatch('exact', 'exact')).toBe(true)
  })
})
