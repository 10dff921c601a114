import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { CollectError } from '../../../src/errors.js'
import { type JvmArgsOptions, kafkaJvmArgs } from '../jvm.js'
import { javaBin } from '../paths.js'
import { brokerMainClass } from '../tools.js'
import type { ClusterState, NodeState } from './state.js'

/**
 * Every JVM the rig starts carries this system property. Before signalling a pid read from a state
 * file, the rig checks the process's command line for it, so a recycled pid is never killed.
 */
export function nodeMarker(clusterName: string, nodeId: number): string {
  return `-Dkafka.doctor.node=${clusterName}/${nodeId}`
}

/**
 * Starts one Kafka node as a detached process (its own process group, stdout and stderr appended to
 * its log file) so it outlives the command that started it. Returns the pid.
 */
export function launchNode(state: ClusterState, node: NodeState, jvm: JvmArgsOptions = {}): number {
  const args = [
    ...kafkaJvmArgs(state.version, node.role, {
      ...jvm,
      extra: [nodeMarker(state.name, node.nodeId), ...(jvm.extra ?? [])],
    }),
    brokerMainClass,
    node.configFile,
  ]
  const log = openSync(node.logFile, 'a')
  try {
    const child = spawn(javaBin(), args, { detached: true, stdio: ['ignore', log, log] })
    if (child.pid === undefined) {
      throw new CollectError(`could not start ${node.role} ${node.nodeId}`, {
        hint: 'check that java is on PATH',
      })
    }
    // A spawn failure after the pid exists (rare) is visible as a dead process in the readiness wait.
    child.on('error', () => {})
    child.unref()
    return child.pid
  } finally {
    closeSync(log)
  }
}

/** True while `pid` is a live (not zombie) process whose command line carries `marker`. */
export function isRunning(pid: number | null, marker: string): boolean {
  if (pid === null || pid <= 0) return false
  if (!existsSync('/proc/self')) {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const processState = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    if (processState === 'Z' || processState === 'X') return false
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker)
  } catch {
    return false
  }
}

/** Resident set size in bytes, or undefined when the process is gone. */
export async function residentBytes(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)
    return match ? Number(match[1]) * 1024 : undefined
  } catch {
    return undefined
  }
}

/**
 * Stops a node: SIGTERM (a broker then shuts down in a controlled way, handing leadership over), and
 * SIGKILL if it is still there after `graceMs`. With `graceMs: 0` it is a hard kill at once, which tests
 * use to simulate a crash. Bounded: resolves within graceMs + 10 s.
 */
export async function stopProcess(pid: number | null, marker: string, graceMs: number): Promise<void> {
  if (!isRunning(pid, marker) || pid === null) return
  signal(pid, graceMs > 0 ? 'SIGTERM' : 'SIGKILL')
  if (await waitForExit(pid, marker, graceMs)) return
  signal(pid, 'SIGKILL')
  if (await waitForExit(pid, marker, 10_000)) return
  throw new CollectError(`process ${pid} did not exit after SIGKILL`, { hint: `check it with: ps -p ${pid}` })
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch {
    // Already gone.
  }
}

async function waitForExit(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isRunning(pid, marker)) {
    if (Date.now() >= deadline) return false
    await sleep(50)
  }
  return true
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
