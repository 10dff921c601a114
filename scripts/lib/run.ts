import { spawn } from 'node:child_process'
import { TimeoutError, UnreachableError } from '../../src/errors.js'

export interface RunOptions {
  timeoutMs: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Written to the child's stdin, which is then closed. Without it stdin is closed at once. */
  input?: string
}

export interface RunResult {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  durationMs: number
}

/**
 * Runs a program with an argument array (never a shell) and collects its output. Bounded: past
 * `timeoutMs` the child gets SIGTERM, then SIGKILL two seconds later, and a TimeoutError carrying the
 * output so far is thrown. A non-zero exit is returned, not thrown; the caller decides what it means.
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const started = Date.now()
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    child.stdin.on('error', () => {}) // a child that exits without reading its input is not our error
    child.stdin.end(options.input ?? '')

    let timedOut = false
    let killTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGTERM')
      killTimer = setTimeout(() => child.kill('SIGKILL'), 2000)
    }, options.timeoutMs)

    child.on('error', (error) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      reject(
        new UnreachableError(`cannot run ${command}`, {
          hint: 'check that it is installed and on PATH',
          cause: error,
        }),
      )
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      clearTimeout(killTimer)
      const result: RunResult = {
        code,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        durationMs: Date.now() - started,
      }
      if (timedOut) {
        reject(
          new TimeoutError(
            `${command} ${args.slice(0, 3).join(' ')}… did not finish within ${options.timeoutMs} ms`,
            {
              hint: 'see the output captured so far in the error details',
              stdout: tail(result.stdout, 40),
              stderr: tail(result.stderr, 40),
            },
          ),
        )
        return
      }
      resolvePromise(result)
    })
  })
}

/** The last `lines` lines of a text, for error messages that point at what went wrong. */
export function tail(text: string, lines: number): string {
  const all = text.trimEnd().split('\n')
  return all.slice(Math.max(0, all.length - lines)).join('\n')
}
