/**
 * Suspending ONE thread of a running JVM through its JDWP agent, driving the JDK's own `jdb`. Tests use
 * it to make a real broker stop applying metadata (its `metadata-loader-event-handler` thread) while
 * it keeps heartbeating and serving clients: the broker then answers Metadata from a stale cache, as a
 * broker that missed updates does in production. Nothing is faked: the stale answers are the
 * broker's own.
 *
 * The JVM must run with `-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0`;
 * it prints `Listening for transport dt_socket at address: PORT` on stdout (the node's log).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process'
import { join } from 'node:path'
import { TimeoutError } from '../../src/errors.js'

export const jdwpAgentFlag = '-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,address=127.0.0.1:0'

/**
 * The JDWP port a JVM printed into its log: the last one, since after a debugger detaches the agent
 * listens again on a new port.
 */
export function jdwpPortFromLog(log: string): number | undefined {
  const ports = [...log.matchAll(/Listening for transport dt_socket at address: (\d+)/g)]
  const last = ports.at(-1)
  return last ? Number(last[1]) : undefined
}

export interface SuspendedThread {
  threadName: string
  /** jdb's id of the thread. */
  threadId: string
  /** Resumes the thread and detaches the debugger. */
  resume(): Promise<void>
}

/** The JDK's jdb, as the rig finds java: under JAVA_HOME, else on PATH. */
function jdbBin(): string {
  const home = process.env.JAVA_HOME
  return home ? join(home, 'bin', 'jdb') : 'jdb'
}

class Jdb {
  readonly #child: ChildProcessWithoutNullStreams
  #output = ''

  constructor(port: number) {
    this.#child = spawn(jdbBin(), ['-attach', `127.0.0.1:${port}`], { stdio: ['pipe', 'pipe', 'pipe'] })
    this.#child.stdout.on('data', (chunk: Buffer) => {
      this.#output += chunk.toString()
    })
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#output += chunk.toString()
    })
  }

  /** Sends a command (or nothing) and waits until the output since then matches `until`. */
  async command(line: string | null, until: RegExp, timeoutMs = 15_000): Promise<string> {
    const from = this.#output.length
    if (line !== null) this.#child.stdin.write(`${line}\n`)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const seen = this.#output.slice(from)
      if (until.test(seen)) return seen
      if (this.#child.exitCode !== null || Date.now() > deadline) {
        throw new TimeoutError(`jdb did not answer '${line}' as expected`, {
          output: this.#output.slice(-2000),
        })
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  async quit(): Promise<void> {
    if (this.#child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => this.#child.once('exit', () => resolve()))
    this.#child.stdin.write('exit\n')
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}

/** Attaches to the JVM's JDWP port and suspends the thread named exactly `threadName`. */
export async function suspendThread(port: number, threadName: string): Promise<SuspendedThread> {
  const jdb = new Jdb(port)
  try {
    await jdb.command(null, /Initializing jdb[\s\S]*> $/m)
    const threads = await jdb.command('threads', /\n> $|\n\S*\[\d+\] $/)
    const line = threads.split('\n').find((l) => l.trim().split(/\s+/)[1] === threadName)
    const threadId = line ? /\)(\w+)\s/.exec(line)?.[1] : undefined
    if (!threadId) throw new Error(`no thread '${threadName}' in the JVM:\n${threads}`)
    await jdb.command(`suspend ${threadId}`, /> $/)
    return {
      threadName,
      threadId,
      async resume() {
        await jdb.command(`resume ${threadId}`, /> $/)
        await jdb.quit()
      },
    }
  } catch (error) {
    await jdb.quit()
    throw error
  }
}
