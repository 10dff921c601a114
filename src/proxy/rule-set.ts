import { globMatch, type ParsedRule, type Rule, type RuleSource } from './rules.js'

/** Who sent a request: the listener (broker id) it came in on and the client id in its header. */
export interface RequestOrigin {
  brokerId: number
  clientId: string | null
}

export interface RuleState {
  rule: Rule
  /** Times the rule changed something. */
  applied: number
  /** Reached its `count`: kept in the list, never applies again. */
  exhausted: boolean
}

/**
 * The live rules: added from a file (replaced as a whole on reload), the control endpoint or the
 * command line, each with how often it applied. Lookups are by rule type, then origin.
 */
export class RuleSet {
  #states: RuleState[] = []
  #nextId = 1
  #version = 0
  readonly #random: () => number

  constructor(random: () => number = Math.random) {
    this.#random = random
  }

  /** Increases on every change, so that connections can cache what applies to them. */
  get version(): number {
    return this.#version
  }

  list(): readonly RuleState[] {
    return this.#states
  }

  add(rules: readonly ParsedRule[], source: RuleSource): Rule[] {
    const added: Rule[] = []
    for (const parsed of rules) {
      const id = parsed.id ?? `${parsed.type}-${this.#nextId++}`
      if (this.#states.some((state) => state.rule.id === id)) {
        this.#states = this.#states.filter((state) => state.rule.id !== id)
      }
      const rule = { ...parsed, id, source } as Rule
      this.#states.push({ rule, applied: 0, exhausted: false })
      added.push(rule)
    }
    this.#version++
    return added
  }

  /** Replaces every rule from `source` (a reloaded file) and keeps the others. */
  replaceSource(rules: readonly ParsedRule[], source: RuleSource): Rule[] {
    this.#states = this.#states.filter((state) => state.rule.source !== source)
    return this.add(rules, source)
  }

  remove(id: string): boolean {
    const before = this.#states.length
    this.#states = this.#states.filter((state) => state.rule.id !== id)
    this.#version++
    return this.#states.length < before
  }

  clear(): number {
    const removed = this.#states.length
    this.#states = []
    this.#version++
    return removed
  }

  /** Live rules of a type that could apply to requests from `origin` (not exhausted). */
  candidates<T extends Rule['type']>(type: T, origin: RequestOrigin): RuleState[] {
    const out: RuleState[] = []
    for (const state of this.#states) {
      if (state.rule.type !== type || state.exhausted) continue
      if (appliesTo(state.rule, origin)) out.push(state)
    }
    return out
  }

  /** Any live rule of these types for this listener, whatever the client (to decide what to decode). */
  hasAny(types: readonly Rule['type'][], brokerId: number): boolean {
    return this.#states.some(
      (state) =>
        !state.exhausted &&
        types.includes(state.rule.type) &&
        (state.rule.brokers === undefined || state.rule.brokers.includes(brokerId)),
    )
  }

  /**
   * Rolls the rule's probability and takes one of its `count`; true when it applies now. Call it once
   * per change actually made.
   */
  take(state: RuleState): boolean {
    if (state.exhausted) return false
    const { probability, count } = state.rule
    if (probability !== undefined && probability < 1 && this.#random() >= probability) return false
    state.applied++
    if (count !== undefined && state.applied >= count) {
      state.exhausted = true
      this.#version++
    }
    return true
  }
}

export function appliesTo(rule: Rule, origin: RequestOrigin): boolean {
  if (rule.brokers !== undefined && !rule.brokers.includes(origin.brokerId)) return false
  const clientId = origin.clientId ?? ''
  if (rule.clientIds !== undefined && !rule.clientIds.some((glob) => globMatch(glob, clientId))) return false
  if (rule.excludeClientIds?.some((glob) => globMatch(glob, clientId))) return false
  return true
}

export function coversPartition(
  rule: { topic: string; partitions?: number[] | undefined },
  topic: string,
  partition: number,
): boolean {
  return rule.topic === topic && (rule.partitions === undefined || rule.partitions.includes(partition))
}
