/**
 * Real Java consumers and producers ("patients") for tests, compiled from test/support/patients/src
 * against several kafka-clients versions (scripts/kafka/versions.ts: `legacy` 2.8.x, `old` 3.6.x,
 * `current` 3.9.x, `latest` 4.x).
 *
 *   const consumer = await startConsumerPatient({ bootstrap, topics: ['t'], group: 'g', clientVersion: 'old' })
 *   await consumer.awaitEvent((e) => e.event === 'status' && Number(e.consumed) >= 100)
 *   await consumer.stop()                     // SIGTERM: commits, closes, exits 0
 *
 *   const producer = await runProducerPatient({ bootstrap, topic: 't', count: 100 })
 *   const done = await producer.result()       // the "done" event and the exit code
 *
 * Every wait is bounded; a patient that exits early or times out rejects with its stderr tail.
 * Patients still running when the test process exits are killed.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { javaBin } from '../../scripts/kafka/paths.js'
import { ensurePatients } from '../../scripts/patients/install.js'
import { CollectError, TimeoutError } from '../../src/errors.js'

export type PatientEvent = { event: string } & Record<string, unknown>

export interface PatientExit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface Patient {
  pid: number
  /** kafka-clients version the patient runs (from its "ready" line). */
  clientVersion: string
  /** Every event printed so far, in order. */
  readonly events: readonly PatientEvent[]
  /** Every event from the first, as they come; ends when the patient exits. */
  lines(): AsyncIterableIterator<PatientEvent>
  /** The first event (from the start) matching `predicate`; rejects on exit or after `timeoutMs` (default 30 s). */
  awaitEvent(
    predicate: (event: PatientEvent) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<PatientEvent>
  /** The last `lines` lines the patient wrote on stderr (client logs, JVM errors). */
  stderrTail(lines?: number): string
  readonly exited: Promise<PatientExit>
  /** SIGTERM, then SIGKILL after `timeoutMs` (default 20 s). Resolves with the exit status. */
  stop(options?: { timeoutMs?: number }): Promise<PatientExit>
}

interface PatientCommonOptions {
  bootstrap: string
  /** `old`, `current`, `latest` or an explicit kafka-clients version (default `current`). */
  clientVersion?: string
  /** Consumer/producer properties passed through unchanged (e.g. `fetch.max.wait.ms: '0'`). */
  props?: Record<string, string>
  /** A JDK other than JAVA_HOME/PATH, e.g. /usr/lib/jvm/temurin-25-jdk-amd64. */
  javaHome?: string
  jvmArgs?: readonly string[]
  /** Client log level on stderr (slf4j-simple): `warn` by default, `debug` to see fetch errors. */
  logLevel?: 'error' | 'warn' | 'info' | 'debug' | 'trace'
  statusIntervalMs?: number
  /** Bound on build + JVM start + "ready" (default 60 s). */
  readyTimeoutMs?: number
}

export type ConsumerMode = 'normal' | 'poll-zero' | 'heavy-deserializer'

export interface ConsumerPatientOptions extends PatientCommonOptions {
  topics?: readonly string[]
  group?: string
  /** Manual assignment (`topic:partition`), instead of or with a group. */
  assign?: readonly string[]
  mode?: ConsumerMode
  pollMs?: number
  commit?: 'sync' | 'async' | 'none'
  /** `position` (default, like commitSync()) or `record` (last record + 1). */
  commitOffsets?: 'position' | 'record'
  /** Exit by itself after this many records. */
  maxRecords?: number
  deserializerCostUs?: number
  clientId?: string
}

export interface ProducerPatientOptions extends PatientCommonOptions {
  topic: string
  /** Records to generate; -1 produces until stopped (default 100). Ignored with `records`. */
  count?: number
  /** Records per second; 0 = as fast as possible. */
  rate?: number
  /** `none`, `seq` (default), `mod:K`, `fixed:TEXT`. */
  keyPattern?: string
  valueSize?: number
  /** Explicit records instead of generated ones (keys and values as UTF-8 strings, null allowed). */
  records?: readonly { key?: string | null; value: string | null }[]
  partition?: number
  compression?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd'
  acks?: 'all' | '1' | '0'
  transactionalId?: string
  transactionSize?: number
  /** Abort every K-th transaction (after flushing it, so aborted records occupy offsets). */
  abortEvery?: number
  /** What to do with the last transaction: `open` keeps it open (LSO < HW) until stop(). */
  endWith?: 'commit' | 'abort' | 'open'
  clientId?: string
}

export interface ProducerPatient extends Patient {
  /** Waits for the patient to finish (default 120 s) and returns its "done" event and exit status. */
  result(options?: { timeoutMs?: number }): Promise<{ done: PatientEvent; exit: PatientExit }>
}

const running = new Set<ChildProcess>()
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL')
})

/** Starts a consumer patient and resolves once it printed "ready". */
export async function startConsumerPatient(options: ConsumerPatientOptions): Promise<Patient> {
  const args = ['--bootstrap-server', options.bootstrap]
  for (const topic of options.topics ?? []) args.push('--topic', topic)
  if (options.group !== undefined) args.push('--group', options.group)
  for (const partition of options.assign ?? []) args.push('--assign', partition)
  args.push('--mode', options.mode ?? 'normal')
  pushIf(args, '--poll-ms', options.pollMs)
  pushIf(args, '--commit', options.commit)
  pushIf(args, '--commit-offsets', options.commitOffsets)
  pushIf(args, '--max-records', options.maxRecords)
  pushIf(args, '--deserializer-cost-us', options.deserializerCostUs)
  pushIf(args, '--client-id', options.clientId)
  return launch('kafkadoctor.patients.ConsumerPatient', args, options)
}

/** Starts a producer patient and resolves once it printed "ready"; `result()` waits for the end. */
export async function runProducerPatient(options: ProducerPatientOptions): Promise<ProducerPatient> {
  const args = ['--bootstrap-server', options.bootstrap, '--topic', options.topic]
  if (options.records) args.push('--stdin')
  else pushIf(args, '--count', options.count)
  pushIf(args, '--rate', options.rate)
  pushIf(args, '--key-pattern', options.keyPattern)
  pushIf(args, '--value-size', options.valueSize)
  pushIf(args, '--partition', options.partition)
  pushIf(args, '--compression', options.compression)
  pushIf(args, '--acks', options.acks)
  pushIf(args, '--transactional-id', options.transactionalId)
  pushIf(args, '--transaction-size', options.transactionSize)
  pushIf(args, '--abort-every', options.abortEvery)
  pushIf(args, '--end-with', options.endWith)
  pushIf(args, '--client-id', options.clientId)
  const stdin = options.records?.map((record) => `${b64(record.key ?? null)} ${b64(record.value)}`).join('\n')
  const patient = await launch('kafkadoctor.patients.ProducerPatient', args, options, stdin)
  return {
    ...patient,
    async result({ timeoutMs = 120_000 } = {}) {
      const exit = await withTimeout(
        patient.exited,
        timeoutMs,
        () => patient.stop({ timeoutMs: 5000 }),
        'producer patient',
      )
      const done = [...patient.events].reverse().find((event) => event.event === 'done')
      if (!done) {
        throw new CollectError(`producer patient exited (code ${exit.code}) without a "done" line`, {
          hint: 'see stderr below',
          stderr: patient.stderrTail(),
        })
      }
      return { done, exit }
    },
  }
}

async function launch(
  mainClass: string,
  args: string[],
  options: PatientCommonOptions,
  stdin?: string,
): Promise<Patient> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000
  const build = await ensurePatients(options.clientVersion ?? 'current')
  for (const [key, value] of Object.entries(options.props ?? {})) args.push('--prop', `${key}=${value}`)
  pushIf(args, '--status-interval-ms', options.statusIntervalMs)
  const jvmArgs = [
    '-Xms32m',
    '-Xmx256m',
    `-Dorg.slf4j.simpleLogger.defaultLogLevel=${options.logLevel ?? 'warn'}`,
    '-Dorg.slf4j.simpleLogger.showDateTime=true',
    ...(options.jvmArgs ?? []),
    '-cp',
    build.classpath.join(':'),
    mainClass,
  ]
  // Without records to feed, stdin stays open as a lifeline: the patient exits when it closes, so a
  // killed test process leaves no consumer spinning behind.
  if (stdin === undefined) args.push('--exit-on-stdin-close')
  const child = spawn(javaBin(options.javaHome), [...jvmArgs, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  running.add(child)
  child.stdin.on('error', () => {})
  if (stdin !== undefined) child.stdin.end(stdin.length > 0 ? `${stdin}\n` : '')

  const events: PatientEvent[] = []
  const listeners = new Set<() => void>()
  const notify = () => {
    for (const listener of listeners) listener()
  }
  const stderrLines: string[] = []
  createInterface({ input: child.stderr }).on('line', (line) => {
    stderrLines.push(line)
    if (stderrLines.length > 500) stderrLines.shift()
  })
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(parseEvent(line))
    notify()
  })
  let exitStatus: PatientExit | undefined
  const exited = new Promise<PatientExit>((resolve) => {
    const finish = (status: PatientExit) => {
      if (exitStatus) return
      exitStatus = status
      running.delete(child)
      // Let readline deliver the last lines before waiters learn that the process is gone.
      setImmediate(() => {
        resolve(status)
        notify()
      })
    }
    child.on('close', (code, signal) => finish({ code, signal }))
    child.on('error', (error) => {
      stderrLines.push(`spawn failed: ${error.message}`)
      finish({ code: null, signal: null })
    })
  })
  const stderrTail = (lines = 40) => stderrLines.slice(-lines).join('\n')

  const awaitEvent: Patient['awaitEvent'] = (predicate, { timeoutMs = 30_000 } = {}) =>
    new Promise((resolve, reject) => {
      let checked = 0
      const check = () => {
        for (; checked < events.length; checked += 1) {
          const event = events[checked]
          if (event && predicate(event)) {
            cleanup()
            resolve(event)
            return
          }
        }
        if (exitStatus) {
          cleanup()
          reject(
            new CollectError(
              `${mainClass} (pid ${child.pid}) exited with code ${exitStatus.code} before the awaited line`,
              {
                hint: 'see stderr and the last lines below',
                stderr: stderrTail(),
                lastEvents: events
                  .slice(-5)
                  .map((event) => JSON.stringify(event))
                  .join('\n'),
              },
            ),
          )
        }
      }
      const timer = setTimeout(() => {
        cleanup()
        reject(
          new TimeoutError(
            `${mainClass} (pid ${child.pid}) did not print the awaited line within ${timeoutMs} ms`,
            {
              hint: 'see stderr and the last lines below',
              stderr: stderrTail(),
              lastEvents: events
                .slice(-5)
                .map((event) => JSON.stringify(event))
                .join('\n'),
            },
          ),
        )
      }, timeoutMs)
      const cleanup = () => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })

  const stop: Patient['stop'] = async ({ timeoutMs = 20_000 } = {}) => {
    if (exitStatus) return exitStatus
    child.kill('SIGTERM')
    return withTimeout(exited, timeoutMs, async () => {
      child.kill('SIGKILL')
      return exited
    })
  }

  async function* lines(): AsyncIterableIterator<PatientEvent> {
    let index = 0
    for (;;) {
      while (index < events.length) {
        const event = events[index]
        index += 1
        if (event) yield event
      }
      if (exitStatus) return
      await new Promise<void>((resolve) => {
        const wake = () => {
          listeners.delete(wake)
          resolve()
        }
        listeners.add(wake)
      })
    }
  }

  let ready: PatientEvent
  try {
    ready = await awaitEvent((event) => event.event === 'ready', { timeoutMs: readyTimeoutMs })
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  return {
    pid: child.pid ?? -1,
    clientVersion: String(ready.clientVersion),
    events,
    lines,
    awaitEvent,
    stderrTail,
    exited,
    stop,
  }
}

function parseEvent(line: string): PatientEvent {
  try {
    const parsed: unknown = JSON.parse(line)
    if (parsed && typeof parsed === 'object' && 'event' in parsed) return parsed as PatientEvent
  } catch {
    // Not one of our lines (a JVM warning on stdout): keep it as text.
  }
  return { event: 'text', text: line }
}

function pushIf(args: string[], flag: string, value: string | number | undefined): void {
  if (value !== undefined) args.push(flag, String(value))
}

function b64(text: string | null): string {
  return text === null ? '-' : Buffer.from(text, 'utf8').toString('base64')
}

/** Resolves with `promise`, or after `timeoutMs` with what `onTimeout` gives (which must itself be bounded). */
async function withTimeout<T>(
  promise: Promise<T>,
  timeoutMs: number,
  onTimeout: () => Promise<T>,
  what?: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs)
  })
  try {
    const winner = await Promise.race([promise, timedOut])
    if (winner !== 'timeout') return winner
    const fallback = await onTimeout()
    if (what)
      throw new TimeoutError(`${what} did not finish within ${timeoutMs} ms`, { hint: 'it was stopped' })
    return fallback
  } finally {
    clearTimeout(timer)
  }
}
