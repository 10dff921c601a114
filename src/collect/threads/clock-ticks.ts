import { execFile } from 'node:child_process'

/**
 * Clock ticks per second (`sysconf(_SC_CLK_TCK)`), the unit of utime/stime in `/proc/<pid>/stat`.
 * Node has no sysconf, so `getconf CLK_TCK` runs once per process; Linux has used 100 on every
 * mainstream architecture for decades, which is the fallback when getconf is missing.
 */
let cached: Promise<number> | undefined

export function clockTicksPerSecond(): Promise<number> {
  cached ??= new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], { timeout: 2000 }, (error, stdout) => {
      const value = Number(String(stdout).trim())
      resolve(!error && Number.isInteger(value) && value > 0 ? value : 100)
    })
  })
  return cached
}
