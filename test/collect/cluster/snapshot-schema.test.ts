import { describe, expect, it } from 'vitest'
import { snapshotFiles } from '../../../src/collect/cluster/snapshot-files.js'
import { parseClusterSnapshot, readClusterSnapshot } from '../../../src/collect/cluster/snapshot-schema.js'
import { BadInputError } from '../../../src/errors.js'
import { toJson } from '../../../src/util/json.js'
import { readFixture } from '../../support/fixtures.js'

describe('cluster snapshot schema', () => {
  it('reads a recorded snapshot, offsets back as bigint, and survives a JSON round trip unchanged', () => {
    const snapshot = readClusterSnapshot(readFixture('cluster', 'healthy.json'))
    expect(typeof snapshot.quorum.highWatermark).toBe('bigint')
    expect(typeof snapshot.quorum.observers?.[0]?.logEndOffset).toBe('bigint')
    expect(snapshot.views.map((v) => [v.brokerId, v.round, v.outcome])).toEqual([
      [1, 1, 'ok'],
      [2, 1, 'ok'],
      [3, 1, 'ok'],
    ])
    expect(readClusterSnapshot(toJson(snapshot))).toEqual(snapshot)
  })

  it('names the first invalid field of a damaged snapshot', () => {
    const value = JSON.parse(readFixture('cluster', 'healthy.json'))
    value.views[1].metadata.topics[0].partitions[2].leader = 'two'
    expect(() => parseClusterSnapshot(value, 'bundle/cluster.json')).toThrow(BadInputError)
    expect(() => parseClusterSnapshot(value, 'bundle/cluster.json')).toThrow(
      /^bundle\/cluster\.json is not a valid cluster snapshot: \/views\/1\/metadata\/topics\/0\/partitions\/2\/leader: /,
    )
    expect(() => readClusterSnapshot('{"kind":')).toThrow(/is not JSON/)
    expect(() => parseClusterSnapshot({ kind: 'something-else' })).toThrow(/\/kind/)
  })

  it('splits into the bundle files that findings point at', () => {
    const snapshot = readClusterSnapshot(readFixture('cluster', 'healthy.json'))
    const files = snapshotFiles(snapshot)
    expect([...files.keys()].sort()).toEqual([
      'cluster/configs.json',
      'cluster/describe-cluster.json',
      'cluster/quorum.json',
      'cluster/snapshot.json',
      'cluster/views/broker-1-round-1.json',
      'cluster/views/broker-2-round-1.json',
      'cluster/views/broker-3-round-1.json',
    ])
    expect(files.get('cluster/views/broker-2-round-1.json')).toBe(snapshot.views[1])
  })
})
