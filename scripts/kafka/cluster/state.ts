import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { BadInputError, NotFoundError } from '../../../src/errors.js'
import { clusterDir } from '../paths.js'

const nodeSchema = z.object({
  nodeId: z.number().int(),
  role: z.enum(['controller', 'broker']),
  host: z.string(),
  port: z.number().int(),
  /** The JVM's pid while it runs, null after `broker stop`. */
  pid: z.number().int().nullable(),
  configFile: z.string(),
  logFile: z.string(),
  dataDir: z.string(),
})

export const clusterStateSchema = z.object({
  name: z.string(),
  version: z.string(),
  clusterId: z.string(),
  /** The temporary folder holding every node's config, data and log; deleted by `stop`. */
  rootDir: z.string(),
  createdAt: z.string(),
  /** Set for clusters owned by a test run: when that process is gone, the cluster may be reaped. */
  ownerPid: z.number().int().optional(),
  controller: nodeSchema,
  brokers: z.array(nodeSchema),
})

export type NodeState = z.infer<typeof nodeSchema>
export type ClusterState = z.infer<typeof clusterStateSchema>

export function stateFile(name: string): string {
  return join(clusterDir(name), 'state.json')
}

export function bootstrapOf(state: ClusterState): string {
  return state.brokers.map((broker) => `${broker.host}:${broker.port}`).join(',')
}

export async function readState(name: string): Promise<ClusterState> {
  const file = stateFile(name)
  if (!existsSync(file)) {
    throw new NotFoundError(`no cluster named '${name}'`, {
      hint: 'start one with: npm run cluster -- start',
    })
  }
  const parsed = clusterStateSchema.safeParse(JSON.parse(await readFile(file, 'utf8')))
  if (!parsed.success) {
    throw new BadInputError(`cluster state ${file} is not valid`, { hint: `delete ${clusterDir(name)}` })
  }
  return parsed.data
}

/** Written to a temporary file and renamed, so a reader never sees half a state. */
export async function writeState(state: ClusterState): Promise<void> {
  await mkdir(clusterDir(state.name), { recursive: true })
  const file = stateFile(state.name)
  const temporary = `${file}.${process.pid}.tmp`
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`)
  await rename(temporary, file)
}
