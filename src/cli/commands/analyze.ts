import { ExitCode } from '../../outcome.js'
import type { ReportJson } from '../../report/report-json.js'
import { createIo } from '../io.js'
import { addOutputOptions, type OutputOptions } from '../options.js'
import type { CommandModule } from './index.js'

interface AnalyzeFlags extends OutputOptions {
  out?: string
}

export const analyzeCommand: CommandModule = {
  register(program) {
    const command = program
      .command('analyze')
      .argument('<bundle>', 'an evidence bundle directory written by kafka-doctor diagnose')
      .description(
        'the diagnosis of kafka-doctor diagnose, offline, from an evidence bundle: findings, root cause, remedies, report.json',
      )
      .option(
        '--out <dir>',
        'where to write findings.json, report.json and report.html (default: the bundle)',
      )
    addOutputOptions(command)
    command.action(async (bundleDir: string, flags: AnalyzeFlags) => {
      const io = createIo({ json: flags.json ?? false })
      const { analyseBundleDir } = await import('../../report/write-report.js')
      const { renderDiagnosisText } = await import('../../report/diagnosis-text.js')
      const result = await analyseBundleDir(bundleDir, flags.out ? { outDir: flags.out } : {})
      for (const w of result.bundle.warnings) if (!flags.json) io.warn(w)
      io.result(result.report, () =>
        renderDiagnosisText(result.report, {
          color: process.stdout.isTTY === true && !process.env.NO_COLOR,
          written: result.written,
        }),
      )
      if (result.diagnosis.exitCode === ExitCode.UNKNOWN)
        process.stderr.write(`kafka-doctor: nothing could be collected: ${unusableSources(result.report)}\n`)
      process.exitCode = result.diagnosis.exitCode
    })
    return command
  },
}

/** `cluster failed (…); lag failed (…)`: why each source could not be used. */
function unusableSources(report: ReportJson): string {
  return (
    Object.entries(report.sources)
      .filter(([, s]) => !s.usable && s.status !== 'skipped')
      .map(([name, s]) => `${name} ${s.status}${s.reason ? ` (${s.reason})` : ''}`)
      .join('; ') || 'every source was skipped'
  )
}
