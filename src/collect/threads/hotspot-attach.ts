import { chownSync, existsSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'
import { CollectError, PermissionError, TimeoutError } from '../../errors.js'
import { attachHint } from './dump-runner.js'
import type { JvmTarget } from './jvm-target.js'

/**
 * HotSpot's dynamic attach protocol spoken directly, without starting a jcmd JVM for every dump:
 * `profile` takes several dumps a second, and a jcmd run costs ~0.3–0.5 s of CPU by itself.
 *
 * The protocol (HotSpot `attachListener_linux.cpp`, the same one jcmd/jstack and jattach use):
 * 1. If `/tmp/.java_pid<nspid>` (seen through `/proc/<pid>/root`, which also covers containers) is
 *    missing, create `.attach_pid<nspid>` in the JVM's cwd (or its /tmp), owned by the JVM's user,
 *    and send SIGQUIT: the JVM then starts its Attach Listener, which creates the socket.
 * 2. Connect to the UNIX socket and send `1\0<command>\0<arg0>\0<arg1>\0<arg2>\0`.
 * 3. The answer is a decimal status line (`0` = OK) followed by the command's output until EOF.
 *
 * SIGQUIT is only sent when the JVM catches it (`SigCgt` in /proc/<pid>/status): a JVM started with
 * `-Xrs` does not, and the default action of SIGQUIT would kill it.
 * The JVM only answers a peer with its own euid (root is accepted by current JDKs, not by JDK 8), so
 * callers fall back to jcmd run as the JVM's user when this fails.
 */
export interface AttachOptions {
  timeoutMs?: number
  /** Our euid (tests); defaults to process.geteuid(). */
  euid?: number
}

const SIGQUIT_BIT = 1n << 2n // signal 3 → bit 2 of the SigCgt mask

export async function attachAndRun(
  target: JvmTarget,
  command: string,
  args: readonly string[],
  options: AttachOptions = {},
): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 10_000
  const deadline = performance.now() + timeoutMs
  const socket = `/proc/${target.pid}/root/tmp/.java_pid${target.nsPid}`
  if (!existsSync(socket)) await startAttachListener(target, socket, deadline, options.euid)
  const request = `1\0${command}\0${[...args, '', '', ''].slice(0, 3).join('\0')}\0`
  const response = await exchange(socket, request, Math.max(100, deadline - performance.now()), target)
  const newline = response.indexOf('\n')
  const status = Number(newline < 0 ? response.trim() : response.slice(0, newline))
  const body = newline < 0 ? '' : response.slice(newline + 1)
  if (!Number.isInteger(status)) {
    throw new PermissionError(`attach to JVM ${target.pid} refused: the JVM closed the connection`, {
      hint: attachHint(target),
    })
  }
  if (status !== 0) {
    throw new CollectError(
      `JVM ${target.pid} answered ${command} with status ${status}: ${body.trim().split('\n')[0] ?? ''}`,
    )
  }
  return body
}

/** Thread dump as `jstack -l` prints it. */
export function attachThreadDump(target: JvmTarget, options: AttachOptions = {}): Promise<string> {
  return attachAndRun(target, 'threaddump', ['-l'], options)
}

async function startAttachListener(
  target: JvmTarget,
  socket: string,
  deadline: number,
  euid?: number,
): Promise<void> {
  if (!catchesSigquit(target.pid)) {
    throw new PermissionError(
      `JVM ${target.pid} does not handle SIGQUIT (started with -Xrs?), so attach cannot be started`,
      {
        hint: 'attach needs the JVM to handle SIGQUIT; a JVM started with -Xrs cannot be dumped from outside',
      },
    )
  }
  const trigger = createTrigger(target, euid ?? process.geteuid?.() ?? 0)
  try {
    process.kill(target.pid, 'SIGQUIT')
    let wait = 10
    while (!existsSync(socket)) {
      if (performance.now() > deadline) {
        throw new TimeoutError(`JVM ${target.pid} did not open its attach socket in time`, {
          hint: attachHint(target),
        })
      }
      await sleep(wait)
      wait = Math.min(wait * 2, 200)
    }
  } finally {
    try {
      unlinkSync(trigger)
    } catch {
      // the JVM may already have removed it
    }
  }
}

function createTrigger(target: JvmTarget, euid: number): string {
  const candidates = [
    `/proc/${target.pid}/cwd/.attach_pid${target.nsPid}`,
    `/proc/${target.pid}/root/tmp/.attach_pid${target.nsPid}`,
  ]
  for (const path of candidates) {
    try {
      writeFileSync(path, '')
      // The JVM ignores a trigger file that is not owned by its own user.
      if (euid === 0 && target.uid !== 0) chownSync(path, target.uid, target.gid)
      return path
    } catch {
      // not writable (read-only cwd): try the next place
    }
  }
  throw new PermissionError(`cannot create the attach trigger file for JVM ${target.pid}`, {
    hint: attachHint(target),
  })
}

function catchesSigquit(pid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'latin1')
    const mask = /^SigCgt:\s*([0-9a-fA-F]+)/m.exec(status)?.[1]
    return mask !== undefined && (BigInt(`0x${mask}`) & SIGQUIT_BIT) !== 0n
  } catch {
    return false
  }
}

function exchange(path: string, request: string, timeoutMs: number, target: JvmTarget): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const conn = createConnection({ path })
    const timer = setTimeout(() => {
      conn.destroy()
      reject(
        new TimeoutError(`JVM ${target.pid} did not answer on its attach socket in time`, {
          hint: `the JVM may be unable to reach a safepoint; try \`kill -3 ${target.pid}\``,
        }),
      )
    }, timeoutMs)
    conn.on('connect', () => conn.write(request))
    conn.on('data', (chunk: Buffer) => chunks.push(chunk))
    conn.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(
        new PermissionError(`attach to JVM ${target.pid} failed: ${error.code ?? error.message}`, {
          hint: attachHint(target),
        }),
      )
    })
    conn.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('utf8'))
    })
  })
}
