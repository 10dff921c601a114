import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseLag } from '../../../src/analyse/lag/analyse-lag.js'
import { lagRows } from '../../../src/analyse/lag/lag-rows.js'
import { collectLag } from '../../../src/collect/lag/collect-lag.js'
import type { LagSnapshot, PartitionEnds } from '../../../src/collect/lag/lag-snapshot.js'
import { commitGroupOffsets } from '../../support/group-offsets.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { type Patient, runProducerPatient, startConsumerPatient } from '../../support/patients.js'

/**
 * Lag against the last stable offset, with real transactions. One partition:
 *
 *   0-19   transaction 1 (committed), 20 commit marker
 *   21-40  transaction 2 (aborted),   41 abort marker
 *   42-61  transaction 3, left open   → HW 62, LSO 42
 *
 * A read_committed group stops at the LSO (commits 42); a read_uncommitted group reads to the HW
 * (commits 62). Then a second producer with the same transactional id fences the first — its open
 * transaction is aborted — and commits 10 more records: LSO = HW again.
 */
const topic = 'lag-txn'
const transactionalId = 'lag-txn-producer'
const rcGroup = 'lag-txn-rc'
const ruGroup = 'lag-txn-ru'

let kafka: KafkaCluster
const patients: Patient[] = []

const statusWith = (group: Patient, committed: number) =>
  group.awaitEvent(
    (e) => e.event === 'status' && (e.committed as Record<string, number>)[`${topic}-0`] === committed,
    { timeoutMs: 60_000 },
  )

beforeAll(async () => {
  kafka = await sharedCluster()
  await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
  const producer = await runProducerPatient({
    bootstrap: kafka.bootstrap,
    topic,
    count: 60,
    transactionalId,
    transactionSize: 20,
    abortEvery: 2,
    endWith: 'open',
  })
  patients.push(producer)
  await producer.awaitEvent((e) => e.event === 'transaction-open', { timeoutMs: 60_000 })
  const [rc, ru] = await Promise.all([
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: rcGroup,
      props: { 'isolation.level': 'read_committed' },
      statusIntervalMs: 200,
    }),
    startConsumerPatient({
      bootstrap: kafka.bootstrap,
      topics: [topic],
      group: ruGroup,
      statusIntervalMs: 200,
    }),
  ])
  patients.push(rc, ru)
  await Promise.all([statusWith(rc, 42), statusWith(ru, 62)])
}, 180_000)

afterAll(async () => {
  await Promise.all(patients.map((p) => p.stop()))
})

describe('lag against HW and LSO with transactions', () => {
  it('while a transaction is open: LSO < HW, the read_committed group is caught up against the LSO', async () => {
    const snapshot = await collectLag({ bootstrap: kafka.bootstrap, groups: [rcGroup, ruGroup] })
    const [rc, ru] = lagRows(snapshot)
    expect(rc?.rows).toHaveLength(1)
    expect(rc?.rows[0]).toMatchObject({
      committed: 42n,
      highWatermark: 62n,
      lastStableOffset: 42n,
      logStartOffset: 0n,
      lag: 20n,
      lagLso: 0n,
      basis: 'hw',
      state: 'ok',
    })
    // Nothing says how the group reads (42 ≤ LSO is what either kind of consumer could commit).
    expect(rc?.isolation).toEqual({ level: 'unknown', source: 'unknown' })
    // The read_uncommitted group committed above the LSO, which a read_committed consumer cannot do.
    expect(ru?.rows[0]).toMatchObject({ committed: 62n, lag: 0n, lagLso: -20n })
    expect(ru?.isolation.level).toBe('read_uncommitted')
    expect(ru?.isolation.source).toBe('inferred')

    // Told that the groups read committed: the LSO lag applies to rcGroup …
    const declared = analyseLag([snapshot], { isolationLevels: { [rcGroup]: 'read_committed' } })
    const rcReport = declared.groups.find((g) => g.group === rcGroup)
    expect(rcReport?.rows[0]?.basis).toBe('lso')
    expect(rcReport?.totalLag).toBe(0n)
    expect(rcReport?.isolation).toEqual({ level: 'read_committed', source: 'option' })
    const open = declared.findings.find((f) => f.id === 'lag.open-transaction' && f.subject.group === rcGroup)
    expect(open?.summary).toContain('the group is read_committed, so LAG-LSO is its lag')
    // … and saying the same of ruGroup contradicts what it committed.
    const wrong = analyseLag([snapshot], { isolationLevels: { '*': 'read_committed' } })
    const mismatch = wrong.findings.find((f) => f.id === 'lag.isolation-mismatch')
    expect(mismatch?.subject.group).toBe(ruGroup)
    expect(mismatch?.severity).toBe('warning')
  })

  it('after the transaction ends: LSO = HW and both groups catch up', async () => {
    const fencing = await runProducerPatient({
      bootstrap: kafka.bootstrap,
      topic,
      count: 10,
      transactionalId,
      transactionSize: 10,
    })
    patients.push(fencing)
    const { exit } = await fencing.result()
    expect(exit.code).toBe(0)
    // 62 abort marker of the fenced transaction, 63-72 the new one, 73 its commit marker.
    await Promise.all([statusWith(patients[1]!, 74), statusWith(patients[2]!, 74)])
    const snapshot = await collectLag({ bootstrap: kafka.bootstrap, groups: [rcGroup, ruGroup] })
    for (const g of lagRows(snapshot)) {
      expect(g.rows[0]).toMatchObject({
        committed: 74n,
        highWatermark: 74n,
        lastStableOffset: 74n,
        lag: 0n,
        lagLso: 0n,
      })
    }
    const report = analyseLag([snapshot])
    expect(report.findings.some((f) => f.id === 'lag.open-transaction')).toBe(false)
    expect(report.exitCode).toBe(0)
  })
})

describe('committed below the log start ("phantom lag")', () => {
  it('flags a commit that retention or DeleteRecords left behind the log start', async () => {
    const topic = 'lag-phantom'
    const group = 'lag-phantom-group'
    await kafka.createTopic(topic, { partitions: 1, replicationFactor: 3 })
    await kafka.produce(
      topic,
      Array.from({ length: 20 }, (_, i) => `r${i}`),
    )
    await commitGroupOffsets(kafka.bootstrap, [{ group, topic, partition: 0, offset: 5 }])
    const dir = await mkdtemp(join(tmpdir(), 'kafka-doctor-phantom-'))
    try {
      const file = join(dir, 'offsets.json')
      await writeFile(file, JSON.stringify({ partitions: [{ topic, partition: 0, offset: 12 }], version: 1 }))
      const deleted = await kafka.runTool('kafka-delete-records', [
        '--bootstrap-server',
        kafka.bootstrap,
        '--offset-json-file',
        file,
      ])
      expect(deleted.code, deleted.stderr).toBe(0)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
    const report = analyseLag([await collectLag({ bootstrap: kafka.bootstrap, groups: [group] })])
    expect(report.groups[0]?.rows[0]).toMatchObject({
      committed: 5n,
      logStartOffset: 12n,
      highWatermark: 20n,
      lag: 15n,
      state: 'below-log-start',
      status: 'BELOW-LOG-START',
    })
    const finding = report.findings.find((f) => f.id === 'lag.below-log-start')
    expect(finding?.severity).toBe('warning')
    expect(finding?.summary).toContain('committed below the log start on 1 partition(s) (lag-phantom-0)')
    expect(report.groups[0]?.status).toBe('WARN')
    expect(report.exitCode).toBe(1)
  })
})

describe('partition states from constructed snapshots (errors a healthy cluster does not give)', () => {
  const ends = (over: Partial<PartitionEnds>): PartitionEnds => ({
    topic: 't',
    partition: 0,
    topicId: null,
    leader: 1,
    leaderEpoch: 3,
    replicas: [1],
    isr: [1],
    highWatermark: 100n,
    lastStableOffset: 100n,
    logStartOffset: 0n,
    highWatermarkError: null,
    lastStableOffsetError: null,
    logStartOffsetError: null,
    answeredEpoch: 3,
    readAtMs: 0,
    ...over,
  })
  const snapshot = (partition: PartitionEnds, committed: bigint | null): LagSnapshot => ({
    schema: 'kafka-doctor/lag-snapshot@1',
    takenAt: '2026-01-01T00:00:00.000Z',
    timeMs: 0,
    durationMs: 1,
    allGroups: false,
    topicFilter: null,
    groups: [
      {
        group: 'g',
        coordinator: 1,
        coordinatorError: null,
        type: 'classic',
        protocolType: '',
        state: 'Empty',
        assignor: null,
        describeError: null,
        offsetsError: null,
        members: [],
        committed: [{ topic: 't', partition: 0, offset: committed, leaderEpoch: null, error: null }],
      },
    ],
    partitions: [partition],
    rereads: [],
    investigations: [],
    brokers: [],
    requests: { total: 0, byApi: {}, byBroker: {}, connections: 0 },
    unreachable: [],
    warnings: [],
  })
  it.each([
    [
      ends({ highWatermark: null, highWatermarkError: 'OFFSET_NOT_AVAILABLE' }),
      10n,
      'offset-not-available',
      1,
    ],
    [ends({ leader: null, highWatermark: null, highWatermarkError: 'NO_LEADER' }), 10n, 'no-leader', 2],
    [
      ends({ highWatermark: null, highWatermarkError: 'UNKNOWN_TOPIC_OR_PARTITION' }),
      10n,
      'unknown-topic',
      1,
    ],
    [ends({ highWatermark: null, highWatermarkError: 'UNREACHABLE: broker 1: timed out' }), 10n, 'error', 3],
    [ends({}), null, 'no-commit', 0],
    [ends({}), 100n, 'ok', 0],
  ] as const)('%#: %s', (partition, committed, state, exitCode) => {
    const report = analyseLag([snapshot(partition, committed)])
    const row = report.groups[0]?.rows[0]
    expect(row?.state).toBe(state)
    // Unknown is never zero: no HW, no lag.
    if (partition.highWatermark === null) expect(row?.lag).toBeNull()
    expect(report.exitCode).toBe(exitCode)
  })
})
