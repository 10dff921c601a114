import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../support/cli.js'
import { type JavaProgram, startJavaProgram } from '../../support/java-programs.js'

let jvm: JavaProgram

function garbageFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'kd-garbage-')), 'garbage.txt')
  writeFileSync(file, 'this is not\na collapsed stack file\n')
  return file
}

beforeAll(async () => {
  jvm = await startJavaProgram('ThreadPatient', ['spin', 'sleep'])
})
afterAll(async () => {
  await jvm?.stop()
})

describe('kafka-doctor profile', () => {
  it('writes folded, speedscope, HTML and JSON outputs and prints the hot methods', async () => {
    const out = mkdtempSync(join(tmpdir(), 'kd-profile-'))
    const run = await runCli([
      'profile',
      '--pid',
      String(jvm.pid),
      '--duration',
      '2s',
      '--rate',
      '5',
      '--out',
      out,
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^JVM \d+ — OpenJDK/)
    const [, dumps, seconds] =
      /(\d+) dumps in (\d+\.\d\d)s \([\d.]+\/s of 5\/s requested, via attach\)/.exec(run.stdout) ?? []
    // 2 s at 5/s: ten dumps, the last one due at 2.00 s. On a loaded machine a dump can fail (the
    // attach times out): the profile stops there, keeps what it has, and says so on stderr.
    if (Number(dumps) === 10) expect(Number(seconds)).toBeGreaterThanOrEqual(2)
    else {
      expect(Number(dumps), run.stderr).toBeGreaterThan(0)
      expect(run.stderr).toMatch(new RegExp(`stopped after ${dumps} dumps: `))
    }
    expect(run.stdout).toMatch(
      /Hot methods[^\n]*\nSELF\s+SELF%\s+TOTAL\s+TOTAL%\s+METHOD\n[\d.]+\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+ThreadPatient\.spin\n/,
    )
    for (const f of ['profile.folded', 'profile.speedscope.json', 'profile.html', 'profile.json']) {
      expect(existsSync(join(out, f))).toBe(true)
    }
    const folded = readFileSync(join(out, 'profile.folded'), 'utf8').trim().split('\n')
    expect(folded[0]).toMatch(
      /^busy-spinner;java\.lang\.Thread\.run;ThreadPatient\$\$Lambda\$\d+\.run;ThreadPatient\.spin \d+$/,
    )
    expect(folded.every((l) => /^.+ \d+$/.test(l))).toBe(true)
    const speedscope = JSON.parse(readFileSync(join(out, 'profile.speedscope.json'), 'utf8'))
    expect(speedscope.profiles[0].name).toBe('busy-spinner')
    expect(speedscope.profiles[0].unit).toBe('microseconds')
  })

  it('analyses collapsed stacks from another profiler', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kd-collapsed-'))
    const file = join(dir, 'ap.collapsed')
    writeFileSync(file, '[main tid=1];java/lang/Thread.run;org/apache/kafka/common/network/Selector.poll 7\n')
    const run = await runCli(['profile', '--from-collapsed', file, '--out', join(dir, 'out'), '--json'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.totalWeight).toBe(7)
    expect(result.threads[0]).toMatchObject({ name: 'main', kind: 'kafka-poll' })
    expect(result.files.html).toBe(join(dir, 'out', 'profile.html'))
  })

  it.each([
    [['profile', '--pid', '4000000', '--duration', '1s'], /^kafka-doctor: no such process 4000000/],
    [['profile', '--pid', '1', '--rate', '0'], /^kafka-doctor: --rate must be between 0 and 100, got '0'/],
    [
      ['profile', '--from-collapsed', garbageFile(), '--out', '/tmp/kd-x'],
      /^kafka-doctor: \/.*garbage\.txt is not a collapsed-stack file/,
    ],
  ])('%j → one line, exit 3', async (args, message) => {
    const run = await runCli(args)
    expect(run.code).toBe(3)
    expect(run.stderr).toMatch(message)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
  })
})
