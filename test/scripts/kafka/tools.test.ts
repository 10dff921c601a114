import { readdir } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { ensureKafka, verifyMainClasses } from '../../../scripts/kafka/install.js'
import { kafkaLibs } from '../../../scripts/kafka/paths.js'
import { kafkaToolNames, toolMainClass } from '../../../scripts/kafka/tools.js'
import { brokerVersions } from '../../../scripts/kafka/versions.js'

describe.each(Object.entries(brokerVersions))('Kafka tools of the %s version (%s)', (_name, version) => {
  it('maps every tool to a main class present in the fetched jars', async () => {
    await ensureKafka(version)
    const jars = await readdir(kafkaLibs(version))
    await expect(verifyMainClasses(version, kafkaLibs(version), jars)).resolves.toBeUndefined()
  })

  it('fails with the missing class named when a mapping is wrong', async () => {
    await ensureKafka(version)
    const jars = await readdir(kafkaLibs(version))
    await expect(
      verifyMainClasses(version, kafkaLibs(version), jars, ['org.apache.kafka.tools.NoSuchCommand']),
    ).rejects.toThrow(/lack the main classes org\.apache\.kafka\.tools\.NoSuchCommand/)
  })
})

describe('tool main classes', () => {
  it('follow the moves of Kafka 4.0', () => {
    expect(toolMainClass('kafka-configs', '3.9.1')).toBe('kafka.admin.ConfigCommand')
    expect(toolMainClass('kafka-configs', '4.4.0')).toBe('org.apache.kafka.tools.ConfigCommand')
    expect(toolMainClass('kafka-console-producer', '3.9.1')).toBe('kafka.tools.ConsoleProducer')
    expect(toolMainClass('kafka-console-producer', '4.4.0')).toBe('org.apache.kafka.tools.ConsoleProducer')
    expect(toolMainClass('kafka-topics', '4.4.0')).toBe(toolMainClass('kafka-topics', '3.9.1'))
    expect(kafkaToolNames).toContain('kafka-broker-api-versions')
  })
})
