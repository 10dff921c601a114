import { describe, expect, it } from 'vitest'
import { brokerProperties, controllerProperties } from '../../../../scripts/kafka/cluster/config.js'

describe('test cluster configuration', () => {
  it('sizes internal topics to the broker count and disables topic auto-creation', () => {
    const one = brokerProperties({ brokerCount: 1, controllerPort: 9000 }, 1, 9001, '/d')
    const five = brokerProperties({ brokerCount: 5, controllerPort: 9000 }, 4, 9004, '/d')
    expect(one['offsets.topic.replication.factor']).toBe('1')
    expect(one['transaction.state.log.min.isr']).toBe('1')
    expect(five['offsets.topic.replication.factor']).toBe('3')
    expect(five['transaction.state.log.min.isr']).toBe('2')
    expect(five['auto.create.topics.enable']).toBe('false')
    expect(five['group.initial.rebalance.delay.ms']).toBe('0')
    expect(five['node.id']).toBe('4')
    expect(five.listeners).toBe('PLAINTEXT://127.0.0.1:9004')
    expect(five['controller.quorum.voters']).toBe('0@127.0.0.1:9000')
  })

  it("leaves min.insync.replicas and replica.lag.time.max.ms at Kafka's defaults unless asked", () => {
    const plain = brokerProperties({ brokerCount: 3, controllerPort: 9000 }, 1, 9001, '/d')
    expect(plain['min.insync.replicas']).toBeUndefined()
    expect(plain['replica.lag.time.max.ms']).toBeUndefined()
    const options = { brokerCount: 3, controllerPort: 9000, minInsyncReplicas: 2, replicaLagTimeMaxMs: 5000 }
    const tuned = brokerProperties(options, 1, 9001, '/d')
    expect(tuned['min.insync.replicas']).toBe('2')
    expect(tuned['replica.lag.time.max.ms']).toBe('5000')
    // The KRaft controller applies topic defaults when it creates topics, so it gets them too.
    expect(controllerProperties(options, '/c')['min.insync.replicas']).toBe('2')
  })

  it('lets explicit broker overrides win', () => {
    const overridden = brokerProperties(
      { brokerCount: 3, controllerPort: 9000, brokerOverrides: { 'num.io.threads': '8' } },
      1,
      9001,
      '/d',
    )
    expect(overridden['num.io.threads']).toBe('8')
  })
})
