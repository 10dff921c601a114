import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliOptions {
  timeoutMs?: number
  uid?: number
  gid?: number
  /** Run the built CLI (`bin/kafka-doctor.js`, from dist/) as a user would, instead of the sources. */
  built?: boolean
}

/** Runs `kafka-doctor ARGS…` from the sources (or the build) in a child process, bounded in time. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliRun> {
  const entry = options.built
    ? [join(repo, 'bin', 'kafka-doctor.js')]
    : ['--import', 'tsx', join(repo, 'test', 'support', 'cli-entry.ts')]
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString()
    })
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString()
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`kafka-doctor ${args.join(' ')} timed out\n${stderr}`))
    }, options.timeoutMs ?? 60_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
