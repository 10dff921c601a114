/**
 * Scenario "broker down (reconnect loop)", live on a private cluster (it kills a broker): a real
 * consumer reads a topic whose partitions each live on one broker only (replication factor 1), then the
 * broker that leads one of them is killed. The partition has no leader left; the consumer keeps
 * reconnecting to the dead broker and asking for metadata. `diagnose` must rank the offline leader
 * first — not the symptoms it causes (replication, coordinator moves, divergence while the brokers
 * catch up).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type DiagnoseRun, diagnoseRun } from '../../support/diagnose-run.js'
import { type KafkaCluster, startCluster } from '../../support/kafka.js'
import { type Patient, startConsumerPatient } from '../../support/patients.js'

let cluster: KafkaCluster
let patient: Patient | undefined
let run: DiagnoseRun | undefined

beforeAll(async () => {
  cluster = await startCluster({ brokers: 3 })
}, 180_000)

afterAll(async () => {
  await patient?.stop({ timeoutMs: 10_000 }).catch(() => undefined)
  await run?.cleanup()
  await cluster?.stop()
})

describe('the leader of a partition with one replica is killed', () => {
  it('is ranked first as the offline leader the consumer keeps reconnecting to', async () => {
    const topic = `down-${Date.now().toString(36)}`
    const group = `${topic}-group`
    const [b1, b2, b3] = cluster.brokers.map((b) => b.id)
    // One replica per partition: partition p on the p-th broker, so killing broker b2 leaves
    // partition 1 with no leader at all.
    const created = await cluster.runTool('kafka-topics', [
      '--bootstrap-server',
      cluster.bootstrap,
      '--create',
      '--topic',
      topic,
      '--replica-assignment',
      `${b1},${b2},${b3}`,
    ])
    expect(created.code, created.stderr).toBe(0)
    await cluster.waitForMetadata(
      (m) =>
        m.topics.some(
          (t) => t.name === topic && t.partitions.length === 3 && t.partitions.every((p) => p.leader >= 0),
        ),
      { topics: [topic] },
    )
    for (let partition = 0; partition < 3; partition++)
      await cluster.produce(
        topic,
        Array.from({ length: 20 }, (_, n) => `r-${partition}-${n}`),
        { partition },
      )
    patient = await startConsumerPatient({
      bootstrap: cluster.bootstrap,
      topics: [topic],
      group,
      clientVersion: 'current',
      statusIntervalMs: 1000,
    })
    await patient.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 60, { timeoutMs: 60_000 })
    await cluster.stopBroker(b2 as number, { hard: true })
    await cluster.waitForMetadata(
      (m) =>
        m.topics.some((t) => t.name === topic && t.partitions.some((p) => p.partition === 1 && p.leader < 0)),
      { topics: [topic], brokerId: b1 as number },
    )
    run = await diagnoseRun('broker-down', [
      '--bootstrap-server',
      cluster.bootstrap,
      '--group',
      group,
      '--pid',
      String(patient.pid),
      '--profile-duration',
      '3s',
      '--capture',
      '10s',
      '--interface',
      'lo',
      '--duration',
      '10s',
      '--spin-cpu',
      '10',
    ])
    const { report } = run
    expect(report.rootCause.kind).toBe('leader-offline')
    expect(report.rootCause.title).toBe(`Partition leader offline: ${topic}-1, broker ${b2} down`)
    expect(report.findings[0]).toMatchObject({
      id: 'doctor.leader-offline',
      verdict: 'issue',
      severity: 'critical',
      subject: { topic, partition: 1, broker: b2 },
      facts: {
        partitions: [1],
        replicas: [b2],
        downBrokers: [{ id: b2, registered: false, reachable: false }],
      },
    })
    // The cluster rule finds the offline partition; it is a symptom here, ranked after the cause.
    expect(report.findings[1]).toMatchObject({ id: 'doctor.replication', facts: { problems: ['offline'] } })
    // The consumer keeps asking for metadata: LEADER_NOT_AVAILABLE for the partition, in the capture.
    const steps = Object.fromEntries(report.rootCause.chain.map((s) => [s.label, s.status]))
    expect(steps).toMatchObject({
      [`broker ${b2} down`]: 'seen',
      'no leader': 'seen',
      'client retries': 'seen',
      'not consumed': 'seen',
    })
    expect(report.rootCause.remedies[0]?.markdown).toContain('--describe --unavailable-partitions')
    expect(run.run.code).toBe(2)
  }, 300_000)
})
