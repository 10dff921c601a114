/**
 * `kafka-doctor diagnose` when there is nothing it can do: bad flags, a broker address nothing listens
 * on, an --out that is not empty — one line on stderr, exit 3, within the bounds, and a bundle that
 * says what failed whenever one was started.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../../support/cli.js'

const dirs: string[] = []
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kd-diagnose-usage-'))
  dirs.push(dir)
  return dir
}

describe('diagnose usage errors: one line, exit 3', () => {
  it.each([
    [[], 'kafka-doctor: nothing to diagnose: give --bootstrap-server (and --group), --pid, or both'],
    [
      ['--bootstrap-server', '127.0.0.1:9'],
      'kafka-doctor: --group is required with --bootstrap-server: give the consumer group to look at',
    ],
    [
      ['--pid', '1', '--capture', '5s'],
      'kafka-doctor: --capture needs --bootstrap-server: the capture filter is built from the brokers’ addresses',
    ],
    [['--pid', 'abc'], "kafka-doctor: invalid pid 'abc': give the JVM process id, e.g. from `jps -l`"],
    [['--pid', '1', '--spin-cpu', '0'], "kafka-doctor: --spin-cpu must be between 0 and 100, got '0'"],
  ])('%j', async (args, message) => {
    const run = await runCli(['diagnose', ...args])
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(`${message}\n`)
  })

  it('refuses an --out that already holds files, before collecting anything', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'something'), 'x')
    const run = await runCli(['diagnose', '--pid', String(process.pid), '--out', dir])
    expect(run.code).toBe(3)
    expect(run.stderr).toBe(
      `kafka-doctor: ${dir} already exists and is not empty: give --out a new directory (bundles are never overwritten)\n`,
    )
  })
})

describe('diagnose with nothing reachable', () => {
  it('writes the bundle saying why each source failed, and exits 3 with one line on stderr', async () => {
    const out = join(await tempDir(), 'bundle')
    const started = Date.now()
    const run = await runCli(
      [
        'diagnose',
        '--bootstrap-server',
        '127.0.0.1:9',
        '--group',
        'g',
        '--duration',
        '1s',
        '--out',
        out,
        '--json',
      ],
      { timeoutMs: 60_000 },
    )
    expect(Date.now() - started).toBeLessThan(30_000)
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(
      /^kafka-doctor: nothing could be collected: cluster failed \(.*connection refused.*\); lag failed \(.*connection refused.*\)\n$/,
    )
    const report = JSON.parse(run.stdout)
    expect(report.rootCause.kind).toBe('insufficient-data')
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.sources.cluster).toMatchObject({ status: 'failed', error: { code: 'KD_UNREACHABLE' } })
    expect(manifest.sources.lag).toMatchObject({ status: 'failed', error: { code: 'KD_UNREACHABLE' } })
    expect(manifest.sources.threads).toMatchObject({
      status: 'skipped',
      reason: 'no --pid given: the JVM was not sampled',
    })
    expect(manifest.sources.capture).toMatchObject({ status: 'skipped', reason: 'no --capture given' })
  })

  it('a --pid that is no process: the JVM sources fail with the reason, the rest runs', async () => {
    const out = join(await tempDir(), 'bundle')
    await mkdir(join(out, '..'), { recursive: true })
    const run = await runCli(['diagnose', '--pid', '4194303', '--out', out, '--json'], { timeoutMs: 60_000 })
    expect(run.code).toBe(3)
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'))
    expect(manifest.sources.threads).toMatchObject({
      status: 'failed',
      reason: 'no such process 4194303: check the pid with `jps -l` or `pgrep -a java`',
      error: { code: 'KD_NOT_FOUND' },
    })
  })
})
