import type { Diagnosis, RootCause } from '../analyse/diagnosis.js'
import type { Finding, Verdict } from '../analyse/finding.js'
import type { RuleFinding } from '../analyse/rules/rule-types.js'
import type { FoldedStack } from '../analyse/threads/fold.js'
import type { HotMethod } from '../analyse/threads/hot-methods.js'
import type { Bundle } from '../collect/bundle/bundle.js'
import {
  type BundleManifest,
  type SourceName,
  type SourceStatus,
  sourceNames,
} from '../collect/bundle/manifest.js'
import type { ExitCode, Severity } from '../outcome.js'
import { toolVersion } from '../version.js'
import { type ReportSeries, reportSeries } from './report-series.js'

/**
 * `report.json`: everything a report needs, in one documented document (docs/bundle.md, "report.json")
 * — the root cause with its evidence chain and remedies, every finding ranked, what each source
 * collected, and the series a page draws: lag over time, request and error rates over time, process
 * CPU, the hot-thread table and the folded profile. The HTML report is rendered from this alone.
 */
export const reportSchema = 'kafka-doctor/report@1'

export interface ReportSource {
  status: SourceStatus | 'missing'
  usable: boolean
  reason?: string
  method: string
  files: string[]
  warnings: string[]
}

export interface ReportHotThread {
  name: string
  tid?: number
  nidHex?: string
  cpuPercent?: number
  maxCpuPercent?: number
  runQueuePercent?: number
  state?: string
  kind: string
  label: string
  reason: string
  kafka: boolean
  /** Innermost first, at most 16. */
  frames: string[]
}

export interface ReportProfile {
  weightUnit: 'cpu-us' | 'samples'
  totalWeight: number
  durationMs?: number
  /** The heaviest folded stacks (root first, thread name as the first frame), at most `maxStacks`. */
  stacks: FoldedStack[]
  /** Stacks left out by the cap, and their total weight. */
  omitted: { stacks: number; weight: number }
  hotMethods: HotMethod[]
}

export interface ReportJson {
  schema: typeof reportSchema
  tool: { name: 'kafka-doctor'; version: string }
  generatedAt: string
  bundle: {
    dir: string | null
    createdAt: string
    host: BundleManifest['host']
    timeRange: BundleManifest['timeRange']
    command: string[]
    target: BundleManifest['target']
    collectedBy: string
  }
  verdict: Verdict
  severity: Severity
  exitCode: ExitCode
  rootCause: RootCause
  findings: RuleFinding[]
  sourceFindings: Finding[]
  notChecked: string[]
  sources: Record<SourceName, ReportSource>
  series: ReportSeries
  hotThreads: ReportHotThread[]
  profile: ReportProfile | null
  warnings: string[]
}

export interface BuildReportOptions {
  /** Folded stacks kept in the report (default 2000; the rest is summed into `omitted`). */
  maxStacks?: number
  /** Frozen time for reproducible output (tests); default now. */
  now?: Date
}

export function buildReport(
  bundle: Bundle,
  diagnosis: Diagnosis,
  options: BuildReportOptions = {},
): ReportJson {
  const m = bundle.manifest
  const sources = {} as Record<SourceName, ReportSource>
  for (const name of sourceNames) {
    const entry = m.sources[name]
    const a = bundle.availability[name]
    sources[name] = {
      status: a.status,
      usable: a.usable,
      ...(a.reason !== undefined ? { reason: a.reason } : {}),
      method: entry.method,
      files: entry.files,
      warnings: entry.warnings,
    }
  }
  return {
    schema: reportSchema,
    tool: { name: 'kafka-doctor', version: toolVersion },
    generatedAt: (options.now ?? new Date()).toISOString(),
    bundle: {
      dir: bundle.dir ?? null,
      createdAt: m.createdAt,
      host: m.host,
      timeRange: m.timeRange,
      command: m.command,
      target: m.target,
      collectedBy: `${m.tool.name} ${m.tool.version}`,
    },
    verdict: diagnosis.verdict,
    severity: diagnosis.severity,
    exitCode: diagnosis.exitCode,
    rootCause: diagnosis.rootCause,
    findings: diagnosis.findings,
    sourceFindings: diagnosis.sourceFindings,
    notChecked: diagnosis.notChecked,
    sources,
    series: reportSeries(bundle),
    hotThreads: hotThreads(bundle),
    profile: profileOf(bundle, options.maxStacks ?? 2000),
    warnings: bundle.warnings,
  }
}

function hotThreads(bundle: Bundle): ReportHotThread[] {
  return (bundle.threads?.hottest ?? []).map((t) => ({
    name: t.name,
    ...(t.tid !== undefined ? { tid: t.tid } : {}),
    ...(t.nidHex !== undefined ? { nidHex: t.nidHex } : {}),
    ...((t.meanCpuPercent ?? t.cpuPercent) !== undefined
      ? { cpuPercent: t.meanCpuPercent ?? t.cpuPercent }
      : {}),
    ...(t.maxCpuPercent !== undefined ? { maxCpuPercent: t.maxCpuPercent } : {}),
    ...(t.runQueuePercent !== undefined ? { runQueuePercent: t.runQueuePercent } : {}),
    ...(t.state !== undefined ? { state: t.state } : {}),
    kind: t.classification.kind,
    label: t.classification.label,
    reason: t.classification.reason,
    kafka: t.classification.kafka,
    frames: t.frames.slice(0, 16).map((f) => f.method),
  }))
}

function profileOf(bundle: Bundle, maxStacks: number): ReportProfile | null {
  const p = bundle.profile
  if (!p) return null
  const stacks = [...p.stacks].sort((a, b) => b.weight - a.weight)
  const kept = stacks.slice(0, maxStacks)
  const left = stacks.slice(maxStacks)
  return {
    weightUnit: p.weightUnit,
    totalWeight: p.totalWeight,
    ...(p.durationMs !== undefined ? { durationMs: p.durationMs } : {}),
    stacks: kept,
    omitted: { stacks: left.length, weight: left.reduce((sum, s) => sum + s.weight, 0) },
    hotMethods: p.hotMethods.slice(0, 40),
  }
}
