import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ReportJson } from '../../src/report/report-json.js'
import { type CliRun, runCli } from './cli.js'

/**
 * Runs `kafka-doctor diagnose … --json` into a fresh bundle directory and returns the run, the
 * parsed report.json and the bundle. KD_KEEP_BUNDLES=DIR keeps the bundles (named by `name`), from
 * which scripts/record-bundle-fixture.ts makes the fixtures in test/fixtures/bundles.
 */
export interface DiagnoseRun {
  run: CliRun
  report: ReportJson
  bundle: string
  elapsedMs: number
  cleanup(): Promise<void>
}

export async function diagnoseRun(name: string, args: string[], timeoutMs = 150_000): Promise<DiagnoseRun> {
  const keep = process.env.KD_KEEP_BUNDLES
  const dir = keep ?? (await mkdtemp(join(tmpdir(), 'kd-diagnose-')))
  const bundle = join(dir, keep ? `${name}-${Date.now().toString(36)}` : name)
  const started = Date.now()
  const run = await runCli(['diagnose', ...args, '--out', bundle, '--json'], { timeoutMs })
  const elapsedMs = Date.now() - started
  let report: ReportJson
  try {
    report = JSON.parse(run.stdout) as ReportJson
  } catch {
    throw new Error(`diagnose ${name} printed no report (exit ${run.code}):\n${run.stderr}`)
  }
  const findings = report.findings
    .filter((f) => f.verdict !== 'ok')
    .map((f) => `  ${f.severity} ${f.id} (${f.verdict}): ${f.summary}`)
  process.stderr.write(
    `[diagnose ${name}] exit ${run.code} in ${elapsedMs} ms — ${report.rootCause.title} (${report.rootCause.kind}, confidence ${report.rootCause.confidence})\n${findings.join('\n')}\n`,
  )
  return {
    run,
    report,
    bundle,
    elapsedMs,
    cleanup: async () => {
      if (!keep) await rm(dir, { recursive: true, force: true })
    },
  }
}
