import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs `kafka-doctor ARGS…` from the sources in a child process, bounded in time. */
export function runCli(
  args: string[],
  options: { timeoutMs?: number; uid?: number; gid?: number } = {},
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repo, 'test', 'support', 'cli-entry.ts'), ...args],
      {
        cwd: repo,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid ?? options.uid } : {}),
      },
    )
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
