import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, inject, it } from 'vitest'
import { isRunning, nodeMarker } from '../../../../scripts/kafka/cluster/process.js'
import { type ClusterState, stateFile } from '../../../../scripts/kafka/cluster/state.js'
import { repoRoot } from '../../../../scripts/kafka/paths.js'
import { runCommand } from '../../../../scripts/lib/run.js'

const tsx = join(repoRoot, 'node_modules', '.bin', 'tsx')
const cli = join(repoRoot, 'scripts', 'kafka', 'cluster', 'cli.ts')
// Named after the run's shared cluster, so the global teardown stops them if a test fails midway.
const prefix = `${inject('kafkaDoctorRun').sharedClusterName}-cli`

const cluster = (args: string[], timeoutMs = 150_000) => runCommand(tsx, [cli, ...args], { timeoutMs })
const lastLine = (text: string) => text.trimEnd().split('\n').at(-1) ?? ''

describe('npm run cluster', () => {
  const name = `${prefix}-ok`
  afterAll(async () => {
    if (existsSync(stateFile(name))) await cluster(['stop', '--name', name])
  })

  it('starts, reports, stops and restarts a broker, and stops the cluster', async () => {
    const started = await cluster(['start', '--brokers', '1', '--name', name])
    expect(started.code, started.stderr).toBe(0)
    expect(lastLine(started.stdout)).toMatch(/^bootstrap=127\.0\.0\.1:\d+$/)
    const state = JSON.parse(
      await import('node:fs/promises').then((fs) => fs.readFile(stateFile(name), 'utf8')),
    ) as ClusterState
    expect(lastLine(started.stdout)).toBe(`bootstrap=127.0.0.1:${state.brokers[0]?.port}`)

    const status = await cluster(['status', '--name', name, '--json'])
    expect(status.code).toBe(0)
    const parsed = JSON.parse(status.stdout) as {
      nodes: { role: string; running: boolean; sees?: number[] }[]
    }
    expect(parsed.nodes.map((node) => [node.role, node.running, node.sees])).toEqual([
      ['controller', true, undefined],
      ['broker', true, [1]],
    ])

    expect((await cluster(['broker', 'stop', '--id', '1', '--name', name])).code).toBe(0)
    expect(isRunning(state.brokers[0]?.pid ?? null, nodeMarker(name, 1))).toBe(false)
    const restarted = await cluster(['broker', 'start', '--id', '1', '--name', name])
    expect(restarted.code, restarted.stderr).toBe(0)
    expect(lastLine(restarted.stdout)).toBe(lastLine(started.stdout))

    const stopped = await cluster(['stop', '--name', name])
    expect(stopped.code).toBe(0)
    expect(existsSync(stateFile(name))).toBe(false)
    expect(existsSync(state.rootDir)).toBe(false)
    expect(isRunning(state.controller.pid, nodeMarker(name, 0))).toBe(false)
  })

  it('exits 1 with the tail of the broker log when a broker cannot start', async () => {
    const name = `${prefix}-fail`
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const address = blocker.address()
    const port = typeof address === 'object' && address ? address.port : 0
    try {
      const result = await cluster([
        ...['start', '--brokers', '1', '--name', name, '--timeout', '90000'],
        ...['--broker-config', `listeners=PLAINTEXT://127.0.0.1:${port}`],
        ...['--broker-config', `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`],
      ])
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/broker 1 of cluster '.*-fail' exited during start/)
      expect(result.stderr).toMatch(/Address already in use/)
      expect(result.stdout).not.toMatch(/bootstrap=/)
      expect(existsSync(stateFile(name))).toBe(false)
    } finally {
      blocker.close()
    }
  })

  it('rejects unknown commands with a usage error', async () => {
    const result = await cluster(['frobnicate'], 30_000)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/unknown command 'frobnicate'/)
  })
})
