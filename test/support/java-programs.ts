/**
 * Small real JVMs for the threads/profile tests: test/fixtures/java/*.java, compiled once per content
 * with the machine's javac into $KAFKA_DOCTOR_CACHE/java-programs/<hash>, started with `java`, and
 * stopped by the test. They print `ready` when every thread runs.
 *
 *   const jvm = await startJavaProgram('ThreadPatient', ['spin', 'sleep'])
 *   ... jvm.pid ...
 *   await jvm.stop()
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const sourceDir = join(repoRoot, 'test', 'fixtures', 'java')

export function cacheDir(): string {
  return process.env.KAFKA_DOCTOR_CACHE ?? join(repoRoot, '.cache')
}

/** Compiles the fixture programs (if their sources changed) and returns the class directory. */
export function compileJavaPrograms(): string {
  const files = ['ThreadPatient.java']
  const hash = createHash('sha256')
  for (const f of files) hash.update(readFileSync(join(sourceDir, f)))
  const out = join(cacheDir(), 'java-programs', hash.digest('hex').slice(0, 16))
  if (existsSync(join(out, 'ThreadPatient.class'))) return out
  const tmp = `${out}.tmp-${process.pid}`
  mkdirSync(tmp, { recursive: true })
  execFileSync('javac', ['--release', '11', '-d', tmp, ...files.map((f) => join(sourceDir, f))], {
    stdio: 'pipe',
    timeout: 120_000,
  })
  try {
    renameSync(tmp, out)
  } catch {
    rmSync(tmp, { recursive: true, force: true }) // another worker won the race
  }
  // Other users (the run-as tests start JVMs as `nobody`) must read the classes.
  for (let dir = out; dir.startsWith(cacheDir()) && dir !== cacheDir(); dir = dirname(dir))
    chmodSync(dir, 0o755)
  return out
}

export interface JavaProgram {
  pid: number
  child: ChildProcess
  stop(): Promise<void>
}

export interface StartOptions {
  /** Extra JVM options (before the class name). */
  jvmArgs?: string[]
  /** Run as this uid/gid (we are root in the test environment). */
  uid?: number
  gid?: number
  /** Command prefix, e.g. ['unshare', '-m', '--propagation', 'private'] (the program runs under it). */
  wrapper?: string[]
  java?: string
}

export async function startJavaProgram(
  mainClass: string,
  args: string[],
  options: StartOptions = {},
): Promise<JavaProgram> {
  const classes = compileJavaPrograms()
  const java = options.java ?? 'java'
  const command = [
    ...(options.wrapper ?? []),
    java,
    '-Xmx128m',
    ...(options.jvmArgs ?? []),
    '-cp',
    classes,
    mainClass,
    ...args,
  ]
  const child = spawn(command[0]!, command.slice(1), {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: '/tmp',
    ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
  })
  let output = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mainClass} did not start: ${output}`)), 30_000)
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('ready')) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`${mainClass} exited with ${code}: ${output}`))
    })
  })
  child.removeAllListeners('exit')
  const pid = javaPid(child.pid!, options.wrapper !== undefined)
  return {
    pid,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.kill('SIGKILL')
        if (pid !== child.pid) {
          try {
            process.kill(pid, 'SIGKILL')
          } catch {
            // already gone
          }
        }
      }),
  }
}

/** A wrapper such as `unshare` either execs the JVM (same pid) or forks it (a child pid). */
function javaPid(pid: number, wrapped: boolean): number {
  if (!wrapped || readFileSync(`/proc/${pid}/maps`, 'latin1').includes('/libjvm.so')) return pid
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
    .trim()
    .split(/\s+/)
    .filter(Boolean)
  return children.length > 0 ? Number(children[0]) : pid
}

/** Busy-waits (politely) until `check` holds or the time is up. */
export async function eventually<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = check()
    if (value !== undefined) return value
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 50))
  }
}

/**
 * Waits (at most `timeoutMs`) until the JVM's JIT compiler threads go quiet (< 5% of a core over a
 * second): a JVM that just started spends its first seconds compiling, and on a busy two-core machine
 * that can take a while. Tests that assert which thread is hottest measure after this.
 */
export async function waitForJitToSettle(pid: number, timeoutMs = 30_000): Promise<void> {
  const { ThreadCpuReader, cpuDeltas } = await import('../../src/collect/threads/proc-stat.js')
  const reader = new ThreadCpuReader(pid)
  try {
    const until = Date.now() + timeoutMs
    let before = reader.sample()
    while (Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000))
      const after = reader.sample()
      const deltas = cpuDeltas(before, after)
      before = after
      const names = reader.describe(deltas.filter((d) => d.cpuPercent >= 5).map((d) => d.tid))
      if (![...names.values()].some((s) => /^C[12] Compil/.test(s.comm))) return
    }
  } finally {
    reader.close()
  }
}
