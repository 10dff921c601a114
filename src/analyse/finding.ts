import type { Severity } from '../outcome.js'

/**
 * What every analysis step returns, from the cluster health check to the rules over a whole evidence
 * bundle. A finding is data: the CLI renders it, the exit code is derived from its severity, and
 * `report.json` stores it as is.
 */
export type Verdict = 'ok' | 'issue' | 'insufficient-data'

/** What a finding is about. Only the keys that apply are set. */
export interface FindingSubject {
  topic?: string
  partition?: number
  broker?: number
  group?: string
  client?: string
  thread?: string
}

/** A pointer to the evidence a finding rests on: a bundle file (or source) and where inside it. */
export interface EvidenceRef {
  /** The evidence source, e.g. `metadata/broker-2.json`, `capture`, `lag-samples.jsonl`. */
  source: string
  /** Where inside the source (a JSON pointer, a frame number, a line). */
  at?: string
  /** The value observed there, small enough to show in a report. */
  observed?: unknown
}

export interface Finding {
  /** Stable id of the rule or check, kebab-case with a dotted area prefix: `cluster.under-replicated`. */
  id: string
  verdict: Verdict
  severity: Severity
  /** 0..1: how sure the rule is, used to rank root causes. */
  confidence: number
  subject: FindingSubject
  /** One line a person can act on. */
  summary: string
  evidence: EvidenceRef[]
  /** Markdown remedy (kept beside the rule), when the rule has one. */
  remedy?: string
}
