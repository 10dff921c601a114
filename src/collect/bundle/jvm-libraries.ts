import { readdir, readFile, readlink } from 'node:fs/promises'
import { basename } from 'node:path'
import { z } from 'zod'

/**
 * Which Kafka client library a JVM runs, from the jar files it holds open (`/proc/PID/fd`, then
 * `/proc/PID/maps`): `kafka-clients-3.6.2.jar` says 3.6.2. The capture tells the client's version
 * only when it sees the connection start (ApiVersions v3+ carries it), which a consumer spinning
 * since before the capture never does again; the open jar tells it always. Only jar names are kept —
 * never the command line, which may hold secrets.
 */
export const jvmLibrariesSchema = 'kafka-doctor/jvm-libraries@1'

export interface JvmLibraries {
  schema: typeof jvmLibrariesSchema
  pid: number
  /** kafka-clients jars found, e.g. `{ jar: 'kafka-clients-3.6.2.jar', version: '3.6.2' }`. */
  kafkaClients: { jar: string; version: string }[]
  /** Where they were found: `fd`, `maps`, or `none`. */
  source: 'fd' | 'maps' | 'none'
}

const clientsJar = /(?:^|\/)kafka-clients-(\d+\.\d+(?:\.\d+)?(?:[-.][\w.-]+)?)\.jar$/

export async function readJvmLibraries(pid: number, procRoot = '/proc'): Promise<JvmLibraries> {
  const found = new Map<string, string>()
  const add = (path: string) => {
    const match = clientsJar.exec(path)
    if (match?.[1]) found.set(basename(path), match[1])
  }
  let source: JvmLibraries['source'] = 'none'
  try {
    const fds = await readdir(`${procRoot}/${pid}/fd`)
    await Promise.all(fds.map((fd) => readlink(`${procRoot}/${pid}/fd/${fd}`).then(add, () => undefined)))
    if (found.size > 0) source = 'fd'
  } catch {
    // Another user's process: fall through to maps, which may be readable.
  }
  if (found.size === 0) {
    try {
      const maps = await readFile(`${procRoot}/${pid}/maps`, 'utf8')
      for (const line of maps.split('\n')) {
        const path = line.slice(line.indexOf('/'))
        if (path.endsWith('.jar')) add(path)
      }
      if (found.size > 0) source = 'maps'
    } catch {
      // Nothing readable: the version stays unknown.
    }
  }
  return {
    schema: jvmLibrariesSchema,
    pid,
    kafkaClients: [...found]
      .map(([jar, version]) => ({ jar, version }))
      .sort((a, b) => a.jar.localeCompare(b.jar)),
    source,
  }
}

export const jvmLibrariesZod = z.object({
  schema: z.literal(jvmLibrariesSchema),
  pid: z.number().int(),
  kafkaClients: z.array(z.object({ jar: z.string(), version: z.string() })),
  source: z.enum(['fd', 'maps', 'none']),
})
