import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { TimeoutError } from '../../src/errors.js'
import { processExists } from './process-exists.js'

/**
 * A cross-process lock: a directory that only one process can create. Test files run in several
 * worker processes; the first one to need the shared cluster starts it while the others wait here.
 * A lock whose holder is gone (a killed worker) is broken.
 */
export async function withLock<T>(dir: string, timeoutMs: number, body: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await mkdir(dir)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const holder = Number(await readFile(join(dir, 'pid'), 'utf8').catch(() => 'NaN'))
      if (Number.isInteger(holder) && !processExists(holder)) {
        await rm(dir, { recursive: true, force: true })
        continue
      }
      if (Date.now() >= deadline) {
        throw new TimeoutError(`waited ${timeoutMs} ms for lock ${dir} held by process ${holder}`, {
          hint: `if no test run is active, delete ${dir}`,
        })
      }
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
  }
  try {
    await writeFile(join(dir, 'pid'), String(process.pid))
    return await body()
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
