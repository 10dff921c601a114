import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../../support/cli.js'
import { fixturePath } from '../../support/fixtures.js'
import { type JavaProgram, startJavaProgram, waitForJitToSettle } from '../../support/java-programs.js'

let jvm: JavaProgram

beforeAll(async () => {
  jvm = await startJavaProgram('ThreadPatient', ['spin', 'sleep'])
  await waitForJitToSettle(jvm.pid)
})
afterAll(async () => {
  await jvm?.stop()
})

describe('kafka-doctor threads', () => {
  it('prints the hottest threads with stacks, exit 0', async () => {
    const run = await runCli(['threads', '--pid', String(jvm.pid), '--interval', '500ms', '--top', '3'])
    expect(run.code).toBe(0)
    const lines = run.stdout.split('\n')
    expect(lines[0]).toMatch(new RegExp(`^JVM ${jvm.pid} \\(root\\) — OpenJDK 64-Bit Server VM \\(17\\.`))
    expect(lines[1]).toMatch(/^1 round of \d+ms, CPU from \/proc schedstat, process CPU [\d.]+% of a core$/)
    expect(lines[3]).toMatch(/^#\s+TID\s+NID\s+CPU%\s+WAIT%\s+STATE\s+CLASS\s+NAME$/)
    expect(lines[4]).toMatch(
      /^1\s+\d+\s+0x[0-9a-f]+\s+[\d.]+\s+[\d.]+\s+RUNNABLE\s+user code\s+busy-spinner$/,
    )
    expect(run.stdout).toContain('    at ThreadPatient.spin(ThreadPatient.java:42)')
    expect(run.stderr).toBe('')
  })

  it('prints only JSON with --json', async () => {
    const run = await runCli(['threads', '--pid', String(jvm.pid), '--interval', '300ms', '--json'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.schema).toBe('kafka-doctor/threads@1')
    expect(result.hottest[0].name).toBe('busy-spinner')
    expect(result.rounds[0].dumpText).toBeUndefined()
    expect(result.rounds[0].dump.threads.length).toBeGreaterThan(10)
  })

  it('analyses saved top and jstack files offline', async () => {
    const run = await runCli([
      'threads',
      '--top-file',
      fixturePath('thread-dumps', 'jdk17-top-H.txt'),
      '--jstack-file',
      fixturePath('thread-dumps', 'jdk17-jcmd-after-top.txt'),
      '--top',
      '2',
      '--full-stack',
    ])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('1 round of 1.00s, CPU from top -H output')
    expect(run.stdout).toMatch(/1\s+9513\s+0x2529\s+11\.8\s+-\s+RUNNABLE\s+user code\s+busy-spinner/)
    expect(run.stderr).toContain('1 top rows are not threads of the dumped JVM and were ignored')
  })

  it.each([
    [['threads', '--pid', '4000000'], /^kafka-doctor: no such process 4000000: check the pid/],
    [['threads', '--pid', String(process.pid)], /^kafka-doctor: process \d+ \(node\) is not a JVM/],
    [['threads', '--pid', 'abc'], /^kafka-doctor: invalid pid 'abc'/],
    [['threads'], /^kafka-doctor: --pid is required/],
    [
      ['threads', '--jstack-file', fixturePath('thread-dumps', 'garbage.txt')],
      /^kafka-doctor: not a thread dump/,
    ],
    [
      ['threads', '--jstack-file', '/nonexistent/dump.txt'],
      /^kafka-doctor: cannot read \/nonexistent\/dump.txt: ENOENT/,
    ],
  ])('%j → one line on stderr, exit 3', async (args, message) => {
    const run = await runCli(args)
    expect(run.code).toBe(3)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(message)
    expect(run.stdout).toBe('')
  })

  it('a truncated dump: partial results on stdout, a warning, exit 3', async () => {
    const run = await runCli(['threads', '--jstack-file', fixturePath('thread-dumps', 'truncated-jdk21.txt')])
    expect(run.code).toBe(3)
    expect(run.stdout).toContain('busy-spinner')
    expect(run.stderr).toMatch(/thread dump is truncated/)
  })

  it('attach refused when run as another user than the JVM’s: one line, exit 3', async () => {
    const run = await runCli(['threads', '--pid', String(jvm.pid), '--interval', '100ms'], { uid: 65534 })
    expect(run.code).toBe(3)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(
      new RegExp(
        `^kafka-doctor: JVM ${jvm.pid} runs as root \\(uid 0\\) and kafka-doctor as uid 65534: .*rerun as that user`,
      ),
    )
  })
})
