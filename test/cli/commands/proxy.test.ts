import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ProxyControl } from '../../../src/proxy/control-client.js'
import { runCli } from '../../support/cli.js'
import { type KafkaCluster, sharedCluster } from '../../support/kafka.js'
import { parseConsumerGroupsDescribe } from '../../support/tool-output.js'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..')
let kafka: KafkaCluster
let dir: string

beforeAll(async () => {
  kafka = await sharedCluster()
  dir = mkdtempSync(join(tmpdir(), 'kafka-doctor-proxy-cli-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

interface Running {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exit: Promise<number | null>
}

/** Starts `kafka-doctor proxy …` and resolves once it printed its bootstrap line. */
async function startProxyCli(args: string[]): Promise<Running & { bootstrap: string; control: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(repo, 'test', 'support', 'cli-entry.ts'), 'proxy', ...args],
    {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const deadline = Date.now() + 30_000
  while (!/^bootstrap=/m.test(stdout)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`the proxy did not start:\n${stderr}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exit,
    bootstrap: /^bootstrap=(.*)$/m.exec(stdout)?.[1] ?? '',
    control: /^control=(.*)$/m.exec(stdout)?.[1] ?? '',
  }
}

describe('kafka-doctor proxy', () => {
  it('prints one listener per broker, follows its rules file as it changes, and stops cleanly on SIGTERM', async () => {
    const topic = `proxy-cli-${Date.now().toString(36)}`
    const group = `${topic}-group`
    await kafka.createTopic(topic, { partitions: 1 })
    await kafka.produce(topic, ['a', 'b', 'c', 'd'])
    const consumed = await kafka.runTool('kafka-console-consumer', [
      '--bootstrap-server',
      kafka.bootstrap,
      '--topic',
      topic,
      '--group',
      group,
      '--from-beginning',
      '--max-messages',
      '4',
    ])
    expect(consumed.code).toBe(0)

    const rulesFile = join(dir, 'rules.yaml')
    writeFileSync(rulesFile, 'rules: []\n')
    const changeLog = join(dir, 'changes.jsonl')
    const proxy = await startProxyCli([
      '--bootstrap-server',
      kafka.bootstrap,
      '--rules',
      rulesFile,
      '--control-port',
      '0',
      '--change-log',
      changeLog,
    ])
    try {
      const lines = proxy.stdout().trim().split('\n')
      expect(
        lines.filter((line) => /^broker \d+ {2}127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+$/.test(line)),
      ).toHaveLength(3)
      expect(proxy.bootstrap.split(',')).toHaveLength(3)
      const control = new ProxyControl(proxy.control)
      expect((await control.listeners()).listeners.map((listener) => listener.brokerId)).toEqual([1, 2, 3])

      // Hot reload: a frozen HW appears in kafka-consumer-groups through the proxy.
      writeFileSync(
        rulesFile,
        `rules:\n  - id: frozen\n    type: freeze-offsets\n    topic: ${topic}\n    partitions: [0]\n    highWatermark: 1\n`,
      )
      const deadline = Date.now() + 10_000
      while (!(await control.rules()).some((rule) => rule.id === 'frozen')) {
        if (Date.now() > deadline) throw new Error(`rules file not reloaded:\n${proxy.stderr()}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const described = await kafka.runTool('kafka-consumer-groups', [
        '--bootstrap-server',
        proxy.bootstrap,
        '--describe',
        '--group',
        group,
      ])
      const row = parseConsumerGroupsDescribe(described.stdout)[0]
      expect(row).toMatchObject({ currentOffset: 4n, logEndOffset: 1n, lag: -3n })

      // A broken edit is refused and the previous rules stay.
      writeFileSync(rulesFile, 'rules:\n  - type: freeze-offsets\n')
      await new Promise((resolve) => setTimeout(resolve, 1000))
      expect((await control.rules()).map((rule) => rule.id)).toEqual(['frozen'])
      expect(proxy.stderr()).toMatch(/rules file not reloaded, keeping the previous rules/)

      // The control endpoint adds and removes rules, and refuses invalid ones.
      const [added] = await control.addRules({ type: 'latency', ms: 1, id: 'slow' })
      expect(added).toMatchObject({ id: 'slow', type: 'latency', ms: 1, source: 'control' })
      await expect(control.addRules({ type: 'latency', ms: -1 })).rejects.toThrow(/invalid proxy rule/)
      expect(await control.removeRule('slow')).toBe(true)
      expect(await control.removeRule('slow')).toBe(false)
      const counters = await control.counters()
      expect(counters.rules.frozen).toBe(1)
      expect(counters.listOffsetsPartitions).toBeDefined()
    } finally {
      proxy.child.kill('SIGTERM')
    }
    expect(await proxy.exit).toBe(0)
    expect(proxy.stderr()).toMatch(/SIGTERM: stopping/)
    const changes = readFileSync(changeLog, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { change: string; rule?: string })
    expect(changes.some((change) => change.change === 'freeze-offsets' && change.rule === 'frozen')).toBe(
      true,
    )
  })

  it('exits 3 with one line for an unreachable cluster or a bad rules file', async () => {
    const unreachable = await runCli(['proxy', '--bootstrap-server', '127.0.0.1:1', '--timeout', '2s'])
    expect(unreachable.code).toBe(3)
    expect(unreachable.stderr.trim().split('\n')).toHaveLength(1)
    expect(unreachable.stderr).toMatch(
      /^kafka-doctor: no bootstrap server answered Metadata .*check --bootstrap-server/,
    )

    const bad = join(dir, 'bad.json')
    writeFileSync(
      bad,
      JSON.stringify({ rules: [{ type: 'error', api: 'Fetch', error: 'NOPE', topic: 't' }] }),
    )
    const invalid = await runCli(['proxy', '--bootstrap-server', kafka.bootstrap, '--rules', bad])
    expect(invalid.code).toBe(3)
    expect(invalid.stderr.trim()).toMatch(
      /^kafka-doctor: invalid proxy rule in .*bad\.json at rules\.0\.error: unknown Kafka error 'NOPE'/,
    )
  })
})
