import { BadInputError, TimeoutError, UnreachableError } from '../errors.js'
import type { ChangeEntry } from './change-log.js'
import type { CountersSnapshot } from './counters.js'
import type { ListenerInfo } from './proxy.js'
import type { RuleInput } from './rules.js'

/** A rule as the control endpoint lists it (offsets as numbers, or strings past 2^53). */
export type ListedRule = Record<string, unknown> & {
  id: string
  type: string
  applied: number
  exhausted: boolean
}

/**
 * A client for a running proxy's control endpoint (`--control-port`), for scripts and tests that drive
 * a proxy in another process. Every call is bounded by `timeoutMs`.
 */
export class ProxyControl {
  readonly url: string
  readonly #timeoutMs: number

  constructor(url: string, options: { timeoutMs?: number } = {}) {
    this.url = url.replace(/\/+$/, '')
    this.#timeoutMs = options.timeoutMs ?? 5000
  }

  async rules(): Promise<ListedRule[]> {
    return ((await this.#call('GET', '/rules')) as { rules: ListedRule[] }).rules
  }

  /** Adds rules (validated by the proxy); resolves with them as stored, ids included. */
  async addRules(rules: RuleInput | readonly RuleInput[]): Promise<ListedRule[]> {
    return ((await this.#call('POST', '/rules', rules)) as { rules: ListedRule[] }).rules
  }

  /** Replaces every rule added through the control endpoint. */
  async replaceRules(rules: readonly RuleInput[]): Promise<ListedRule[]> {
    return ((await this.#call('PUT', '/rules', rules)) as { rules: ListedRule[] }).rules
  }

  async removeRule(id: string): Promise<boolean> {
    try {
      await this.#call('DELETE', `/rules/${encodeURIComponent(id)}`)
      return true
    } catch (error) {
      if (error instanceof BadInputError && error.details.status === 404) return false
      throw error
    }
  }

  async clearRules(): Promise<number> {
    return ((await this.#call('DELETE', '/rules')) as { removed: number }).removed
  }

  async counters(): Promise<CountersSnapshot> {
    return (await this.#call('GET', '/counters')) as CountersSnapshot
  }

  async resetCounters(): Promise<CountersSnapshot> {
    return (await this.#call('POST', '/counters/reset')) as CountersSnapshot
  }

  async listeners(): Promise<{ bootstrap: string; listeners: ListenerInfo[] }> {
    return (await this.#call('GET', '/listeners')) as { bootstrap: string; listeners: ListenerInfo[] }
  }

  async changes(limit = 100): Promise<{ total: number; changes: ChangeEntry[] }> {
    return (await this.#call('GET', `/changes?limit=${limit}`)) as { total: number; changes: ChangeEntry[] }
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        signal: AbortSignal.timeout(this.#timeoutMs),
        ...(body === undefined
          ? {}
          : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
      })
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw new TimeoutError(
          `the proxy control endpoint ${this.url} did not answer within ${this.#timeoutMs} ms`,
        )
      }
      throw new UnreachableError(
        `cannot reach the proxy control endpoint ${this.url}: ${(error as Error).message}`,
        {
          hint: 'is the proxy running with --control-port?',
        },
      )
    }
    const text = await response.text()
    const parsed: unknown = text ? JSON.parse(text) : undefined
    if (!response.ok) {
      const message = (parsed as { error?: string } | undefined)?.error ?? response.statusText
      throw new BadInputError(`proxy control ${method} ${path}: ${message}`, { status: response.status })
    }
    return parsed
  }
}
