import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  CollectError,
  isKafkaDoctorError,
  type KafkaDoctorError,
  NotFoundError,
  PermissionError,
  TimeoutError,
} from '../../errors.js'
import { attachThreadDump } from './hotspot-attach.js'
import { type DumpTool, findDumpTools } from './jdk-tools.js'
import type { JvmTarget } from './jvm-target.js'

/**
 * Takes one thread dump of a live JVM with `jcmd <pid> Thread.print -l` (or `jstack -l <pid>`), as the
 * JVM's own user: HotSpot's attach listener only answers a peer with the JVM's euid (root is refused
 * by JDK 8 and by the client-side socket owner check), so when we are root and the JVM is not, the tool
 * runs with the JVM's uid/gid (spawn options, no shell, no sudo). Every run is bounded by a timeout: a
 * JVM that cannot reach a safepoint never answers.
 */
export interface DumpText {
  text: string
  /** How it was taken: `attach` (kafka-doctor's own attach client), or the jcmd/jstack path. */
  via: string
  /** Wall time it took, ms. */
  tookMs: number
}

export interface TakeDumpOptions {
  /**
   * Try kafka-doctor's own attach client first (no JVM start-up per dump; used by `profile`), then
   * jcmd/jstack. Default false: `threads` uses jcmd as operators do by hand.
   */
  preferAttach?: boolean
  tools?: DumpTool[]
  timeoutMs?: number
  /** Our own euid (tests); defaults to process.geteuid(). */
  euid?: number
}

const maxDumpBytes = 256 * 1024 * 1024

export async function takeThreadDump(target: JvmTarget, options: TakeDumpOptions = {}): Promise<DumpText> {
  const euid = options.euid ?? process.geteuid?.() ?? 0
  if (euid !== 0 && euid !== target.uid) {
    throw new PermissionError(
      `JVM ${target.pid} runs as ${describeUser(target)} and kafka-doctor as uid ${euid}: the JVM only lets its own user attach`,
      { hint: `rerun as that user (sudo -u ${target.user ?? `#${target.uid}`} kafka-doctor …) or as root` },
    )
  }
  let attachError: KafkaDoctorError | undefined
  if (options.preferAttach) {
    const started = performance.now()
    try {
      const text = await attachThreadDump(target, { timeoutMs: options.timeoutMs ?? 20_000, euid })
      if (text.includes('Full thread dump'))
        return { text, via: 'attach', tookMs: performance.now() - started }
    } catch (error) {
      if (!isKafkaDoctorError(error) || error instanceof NotFoundError) throw error
      attachError = error
    }
  }
  const tools = (options.tools ?? findDumpTools(target)).slice(0, 4)
  if (tools.length === 0) {
    if (attachError) throw attachError
    throw new NotFoundError(
      'no JDK tools found: neither jcmd nor jstack is next to the JVM, in $JAVA_HOME/bin or on $PATH',
      {
        hint: `install a JDK of the JVM's version${target.exe ? ` (the JVM runs ${target.exe})` : ''} or set JAVA_HOME`,
      },
    )
  }
  let lastError: KafkaDoctorError | undefined
  for (const tool of tools) {
    const started = performance.now()
    const run = await runTool(tool, target, euid, options.timeoutMs ?? 20_000)
    if (run.output.includes('Full thread dump')) {
      return { text: run.output, via: tool.path, tookMs: performance.now() - started }
    }
    lastError = explainFailure(target, tool, run)
    // No point trying another JDK's tool when the process is gone or the JVM does not answer.
    if (lastError instanceof NotFoundError || lastError instanceof TimeoutError) break
  }
  throw lastError!
}

interface ToolRun {
  output: string
  exitCode: number | null
  spawnError?: NodeJS.ErrnoException
  timedOut: boolean
}

function runTool(tool: DumpTool, target: JvmTarget, euid: number, timeoutMs: number): Promise<ToolRun> {
  const args = tool.kind === 'jcmd' ? [String(target.pid), 'Thread.print', '-l'] : ['-l', String(target.pid)]
  const asJvmUser = euid === 0 && target.uid !== 0
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let timedOut = false
    const child = spawn(tool.path, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asJvmUser ? { uid: target.uid, gid: target.gid } : {}),
      // A HOME the JVM user can read; jcmd itself starts a small JVM.
      env: { ...process.env, ...(asJvmUser ? { HOME: '/tmp' } : {}) },
    })
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    const collect = (chunk: Buffer) => {
      size += chunk.length
      if (size <= maxDumpBytes) chunks.push(chunk)
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      resolve({ output: '', exitCode: null, spawnError: error, timedOut })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ output: Buffer.concat(chunks).toString('utf8'), exitCode: code, timedOut })
    })
  })
}

/** Turns a failed jcmd/jstack run into one line that says what to do. */
function explainFailure(target: JvmTarget, tool: DumpTool, run: ToolRun): KafkaDoctorError {
  const pid = target.pid
  const what = `${tool.kind} (${tool.path})`
  if (run.spawnError) {
    return new CollectError(`cannot run ${what}: ${run.spawnError.code ?? run.spawnError.message}`, {
      hint: 'check the JDK installation or set JAVA_HOME to a full JDK',
    })
  }
  if (run.timedOut) {
    return new TimeoutError(`${what} got no thread dump from JVM ${pid} in time`, {
      hint: `the JVM may be unable to reach a safepoint; try \`kill -3 ${pid}\` (the dump goes to the JVM's stdout)`,
    })
  }
  const output = run.output
  if (
    /No such process|process \d+ not found|is not a Java process|not a valid java process/i.test(output) &&
    !existsSync(`/proc/${pid}`)
  ) {
    return new NotFoundError(`no such process ${pid}`, {
      hint: 'the JVM exited; check the pid with `jps -l`',
    })
  }
  if (
    /Unable to open socket file|AttachNotSupportedException|not responding or HotSpot VM not loaded|Connection refused|Permission denied|Operation not permitted/i.test(
      output,
    )
  ) {
    return new PermissionError(`attach to JVM ${pid} refused: ${firstMeaningfulLine(output)}`, {
      hint: attachHint(target),
    })
  }
  return new CollectError(
    `${what} failed for JVM ${pid} (exit ${run.exitCode ?? 'signal'}): ${firstMeaningfulLine(output) || 'no output'}`,
    { hint: attachHint(target) },
  )
}

/** The most likely reason attach failed, in the order operators meet them. */
export function attachHint(target: JvmTarget): string {
  if (target.otherMountNamespace) {
    return `JVM ${target.pid} runs in another mount namespace (a container), so its /tmp/.java_pid${target.nsPid} is not ours: run kafka-doctor inside the container (docker exec / kubectl exec) or enter its namespaces with \`nsenter -t ${target.pid} -m -p kafka-doctor …\``
  }
  const socket = `/tmp/.java_pid${target.nsPid}`
  if (!existsSync(`/proc/${target.pid}/root${socket}`)) {
    return `the attach socket ${socket} is missing (a tmp cleaner removed it, the JVM runs with -XX:+DisableAttachMechanism, or it has a private /tmp); check that \`kill -3 ${target.pid}\` prints a dump to the JVM's stdout, or restart the JVM`
  }
  return `run as the JVM's user (${describeUser(target)}) and check that the JVM is a HotSpot JVM that allows attach`
}

function describeUser(target: JvmTarget): string {
  return target.user ? `${target.user} (uid ${target.uid})` : `uid ${target.uid}`
}

function firstMeaningfulLine(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^\d+:$/.test(l) && !l.startsWith('at '))
  const line = lines.find((l) => /Exception|Error|Unable|refused|denied|not/i.test(l)) ?? lines[0] ?? ''
  return line.length > 200 ? `${line.slice(0, 200)}…` : line
}
