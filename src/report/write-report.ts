import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Diagnosis, diagnoseBundle } from '../analyse/diagnosis.js'
import type { Bundle } from '../collect/bundle/bundle.js'
import { bundleFiles } from '../collect/bundle/bundle-files.js'
import { readBundle } from '../collect/bundle/read-bundle.js'
import { CollectError } from '../errors.js'
import { toJson } from '../util/json.js'
import { renderReportHtml } from './report-html.js'
import { buildReport, type ReportJson } from './report-json.js'

/**
 * The analysis half of `diagnose`, and all of `analyze`: read the bundle (validated), run the rules
 * and the decision table, and write `findings.json`, `report.json` and `report.html` into `outDir`
 * (the bundle itself by default). `diagnose` goes through the same read as `analyze`, so a bundle
 * analysed later gives the same findings as the run that wrote it.
 */

export interface AnalysisResult {
  bundle: Bundle
  diagnosis: Diagnosis
  report: ReportJson
  /** Paths written. */
  written: string[]
}

export async function analyseBundleDir(
  bundleDir: string,
  options: { outDir?: string; now?: Date } = {},
): Promise<AnalysisResult> {
  const bundle = await readBundle(bundleDir)
  const diagnosis = diagnoseBundle(bundle)
  const report = buildReport(bundle, diagnosis, options.now ? { now: options.now } : {})
  const outDir = options.outDir ?? bundleDir
  const written: string[] = []
  try {
    await mkdir(outDir, { recursive: true })
    for (const [name, text] of [
      [bundleFiles.findings, `${toJson(diagnosis)}\n`],
      [bundleFiles.report, `${toJson(report)}\n`],
      [bundleFiles.reportHtml, renderReportHtml(report)],
    ] as const) {
      const path = join(outDir, name)
      await writeFile(path, text)
      written.push(path)
    }
  } catch (error) {
    throw new CollectError(
      `cannot write the report to ${outDir}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: 'choose a writable directory with --out',
      },
    )
  }
  return { bundle, diagnosis, report, written }
}
