import { bundleFiles } from '../../collect/bundle/bundle-files.js'
import type { HotThread } from '../../collect/threads/threads-result.js'
import type { Severity } from '../../outcome.js'
import type { EvidenceRef, FindingSubject, Verdict } from '../finding.js'
import { type Evidence, threadCpu } from './evidence.js'
import type { HotThreadFact, RuleFacts, RuleFinding, RuleId } from './rule-types.js'

/** Small builders shared by the rules, so that every finding has the same shape. */

export interface FindingSpec<R extends RuleId> {
  verdict: Verdict
  severity: Severity
  confidence: number
  subject?: FindingSubject
  summary: string
  evidence?: EvidenceRef[]
  remedy?: string
  facts?: RuleFacts[R]
  basedOn?: string[]
}

export function ruleFinding<R extends RuleId>(id: R, spec: FindingSpec<R>): RuleFinding<R> {
  return {
    id,
    verdict: spec.verdict,
    severity: spec.severity,
    confidence: Math.round(Math.min(1, Math.max(0, spec.confidence)) * 100) / 100,
    subject: spec.subject ?? {},
    summary: spec.summary,
    evidence: spec.evidence ?? [],
    ...(spec.remedy !== undefined ? { remedy: spec.remedy } : {}),
    ...(spec.facts !== undefined ? { facts: spec.facts } : {}),
    basedOn: spec.basedOn ?? [],
  }
}

/** The rule could not look: the evidence it needs is missing. Never a guess, never above info. */
export function insufficient<R extends RuleId>(id: R, summary: string, sources: string[]): RuleFinding<R> {
  return ruleFinding(id, {
    verdict: 'insufficient-data',
    severity: 'info',
    confidence: 0,
    summary,
    evidence: sources.map((source) => ({ source: bundleFiles.manifest, at: `/sources/${source}` })),
  })
}

/** The rule looked and found nothing wrong. */
export function ok<R extends RuleId>(id: R, summary: string, evidence: EvidenceRef[] = []): RuleFinding<R> {
  return ruleFinding(id, { verdict: 'ok', severity: 'info', confidence: 1, summary, evidence })
}

/** A hot thread as the facts and reports show it. */
export function hotThreadFact(thread: HotThread): HotThreadFact {
  return {
    name: thread.name,
    ...(thread.tid !== undefined ? { tid: thread.tid } : {}),
    ...(thread.nidHex !== undefined ? { nidHex: thread.nidHex } : {}),
    cpuPercent: Math.round(threadCpu(thread) * 10) / 10,
    kind: thread.classification.kind,
    label: thread.classification.label,
    frames: thread.frames.slice(0, 24).map((f) => f.method),
  }
}

/** `main (tid 4242, nid 0x1092)` */
export function threadLabel(thread: HotThreadFact): string {
  const ids = [
    thread.tid !== undefined ? `tid ${thread.tid}` : undefined,
    thread.nidHex !== undefined ? `nid ${thread.nidHex}` : undefined,
  ].filter(Boolean)
  return ids.length > 0 ? `'${thread.name}' (${ids.join(', ')})` : `'${thread.name}'`
}

/** The first Kafka client frame of a stack, shortened (`KafkaConsumer.poll`), for summaries. */
export function shortMethod(method: string): string {
  const parts = method.split('.')
  return parts.slice(-2).join('.')
}

/** Bootstrap servers to write into remedy commands. */
export function bootstrapOf(evidence: Evidence): string {
  return evidence.bundle.manifest.target.bootstrap ?? '<bootstrap-server>'
}

export function groupOf(evidence: Evidence, fallback?: string): string {
  return fallback ?? evidence.bundle.manifest.target.groups[0] ?? '<group>'
}

export function pidOf(evidence: Evidence): string {
  const pid = evidence.bundle.manifest.target.pid ?? evidence.threads?.result.pid
  return pid === undefined || pid === null ? '<pid>' : String(pid)
}

export function threadRef(index: number, what = ''): EvidenceRef {
  return { source: bundleFiles.threads, at: `/hottest/${index}${what}` }
}
