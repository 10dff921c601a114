import { createWriteStream, type WriteStream } from 'node:fs'
import { toJson } from '../util/json.js'

/** One change the proxy made to the traffic. */
export interface ChangeEntry {
  time: string
  /** The listener (broker id) the connection came in on. */
  broker: number
  clientId: string | null
  api: string
  apiVersion: number
  correlationId: number
  /** The rule that caused it; absent for the proxy's own address rewriting. */
  rule?: string
  /** `inject-error`, `freeze-offsets`, `stale-metadata`, `latency`, `drop-connection`, `rewrite-addresses`, `sessionless-fetch`, `cap-api-versions`. */
  change: string
  /** What changed, e.g. `orders-0 errorCode 0→6`. */
  detail: string
}

export interface ChangeLogOptions {
  /** JSON-lines file receiving every change. */
  file?: string
  /** Human lines (stderr); frequent changes are summarised every `summaryIntervalMs`. */
  log?: (line: string) => void
  summaryIntervalMs?: number
  /** Recent entries kept for the control endpoint. */
  keep?: number
}

/**
 * Where the proxy reports what it changed: every change goes to the JSON-lines file and the in-memory
 * ring (the control endpoint's `/changes`); on stderr the first change of each kind is printed in full
 * and the rest are summarised periodically, so that a spinning client does not flood the terminal.
 */
export class ChangeLog {
  readonly #file: WriteStream | undefined
  readonly #log: ((line: string) => void) | undefined
  readonly #keep: number
  readonly #recent: ChangeEntry[] = []
  #sequence = 0
  readonly #seenKinds = new Set<string>()
  readonly #unreported = new Map<string, number>()
  readonly #timer: NodeJS.Timeout | undefined

  constructor(options: ChangeLogOptions = {}) {
    this.#file = options.file ? createWriteStream(options.file, { flags: 'a' }) : undefined
    this.#file?.on('error', (error) => this.#log?.(`change log ${options.file}: ${error.message}`))
    this.#log = options.log
    this.#keep = options.keep ?? 1000
    if (this.#log) {
      this.#timer = setInterval(() => this.#summarise(), options.summaryIntervalMs ?? 5000)
      this.#timer.unref()
    }
  }

  /** Number of changes recorded so far. */
  get sequence(): number {
    return this.#sequence
  }

  record(entry: Omit<ChangeEntry, 'time'>): void {
    const full: ChangeEntry = { time: new Date().toISOString(), ...entry }
    this.#sequence++
    this.#recent.push(full)
    if (this.#recent.length > this.#keep) this.#recent.shift()
    this.#file?.write(`${toJson(full, { indent: 0 })}\n`)
    if (!this.#log) return
    const kind = `${entry.change} ${entry.rule ?? ''} ${entry.api} broker ${entry.broker}`
    if (!this.#seenKinds.has(kind)) {
      this.#seenKinds.add(kind)
      this.#log(
        `${entry.change}${entry.rule ? ` [${entry.rule}]` : ''}: ${entry.api} v${entry.apiVersion} from broker ${entry.broker} to ${entry.clientId ?? '-'}: ${entry.detail}`,
      )
    } else {
      this.#unreported.set(kind, (this.#unreported.get(kind) ?? 0) + 1)
    }
  }

  recent(limit = this.#keep): ChangeEntry[] {
    return this.#recent.slice(-limit)
  }

  #summarise(): void {
    for (const [kind, count] of this.#unreported) this.#log?.(`${kind}: ${count} more changes`)
    this.#unreported.clear()
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer)
    this.#summarise()
    const file = this.#file
    if (file) await new Promise<void>((resolve) => file.end(resolve))
  }
}
