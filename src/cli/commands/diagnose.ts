import { Option } from 'commander'
import { UsageError } from '../../errors.js'
import { ExitCode } from '../../outcome.js'
import type { ReportJson } from '../../report/report-json.js'
import { parseDuration } from '../../util/duration.js'
import { createIo } from '../io.js'
import {
  addConnectionOptions,
  addOutputOptions,
  type ConnectionOptions,
  type OutputOptions,
} from '../options.js'
import type { CommandModule } from './index.js'

interface DiagnoseFlags extends OutputOptions, Partial<ConnectionOptions> {
  group?: string[]
  topic?: string[]
  clientId?: string[]
  pid?: string
  capture?: number
  interface?: string
  duration: number
  profileDuration?: number
  spinCpu: number
  out?: string
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]

export const diagnoseCommand: CommandModule = {
  register(program) {
    const command = program
      .command('diagnose')
      .description(
        'collect every piece of evidence that applies at once (threads and a profile of the JVM, lag, every broker’s metadata, a capture) into an evidence bundle, then find the root cause: findings, evidence chain, remedies, report.json',
      )
      .option('--group <group>', 'consumer group to look at (repeatable)', collect)
      .option('--topic <topic>', 'only these topics (repeatable; default: the groups’ topics)', collect)
      .option('--pid <pid>', 'the consumer JVM’s process id, to sample its threads and profile it')
      .option(
        '--client-id <id>',
        'the consumer’s client.id (repeatable): the capture is judged for these clients (default: the groups’ members)',
        collect,
      )
      .addOption(
        new Option(
          '--capture <duration>',
          'capture Kafka traffic for this long (needs root or CAP_NET_RAW)',
        ).argParser((v) => parseDuration(v, 's', '--capture')),
      )
      .option('--interface <name>', 'capture interface (default: any)')
      .addOption(
        new Option('--duration <duration>', 'how long to watch lag and the cluster (bare number = seconds)')
          .default(30_000, '30s')
          .argParser((v) => parseDuration(v, 's', '--duration')),
      )
      .addOption(
        new Option(
          '--profile-duration <duration>',
          'profile length; 0 for none (default: 10s or --duration)',
        ).argParser((v) => parseDuration(v, 's', '--profile-duration')),
      )
      .addOption(
        new Option(
          '--spin-cpu <percent>',
          '% of a core at which a thread in the Kafka poll loop counts as spinning',
        )
          .default(20)
          .argParser((v) => {
            const n = Number(v)
            if (!(n > 0 && n <= 100)) throw new UsageError(`--spin-cpu must be between 0 and 100, got '${v}'`)
            return n
          }),
      )
      .option('--out <dir>', 'the evidence bundle directory to create (default: kafka-doctor-<time>)')
    addConnectionOptions(command, { required: false })
    addOutputOptions(command)
    command.action(async (flags: DiagnoseFlags) => {
      const io = createIo({ json: flags.json ?? false })
      if (!flags.pid && !flags.bootstrapServer)
        throw new UsageError('nothing to diagnose', {
          hint: 'give --bootstrap-server (and --group), --pid, or both',
        })
      if (flags.capture !== undefined && !flags.bootstrapServer)
        throw new UsageError('--capture needs --bootstrap-server', {
          hint: 'the capture filter is built from the brokers’ addresses',
        })
      if (flags.bootstrapServer && (flags.group ?? []).length === 0)
        throw new UsageError('--group is required with --bootstrap-server', {
          hint: 'give the consumer group to look at',
        })
      const { parsePid } = await import('../../collect/threads/jvm-target.js')
      const pid = flags.pid !== undefined ? parsePid(flags.pid) : undefined
      const { collectBundle } = await import('../../collect/bundle/collect-bundle.js')
      const { analyseBundleDir } = await import('../../report/write-report.js')
      const { renderDiagnosisText } = await import('../../report/diagnosis-text.js')
      const out = flags.out ?? `kafka-doctor-${new Date().toISOString().replace(/[:.]/g, '-')}`
      const abort = new AbortController()
      const onSignal = () => abort.abort()
      process.once('SIGINT', onSignal)
      try {
        const collected = await collectBundle({
          out,
          ...(flags.bootstrapServer ? { bootstrap: flags.bootstrapServer } : {}),
          ...(flags.commandConfig ? { commandConfig: flags.commandConfig } : {}),
          groups: flags.group ?? [],
          topics: flags.topic ?? [],
          ...(flags.clientId ? { clientIds: flags.clientId } : {}),
          ...(pid !== undefined ? { pid } : {}),
          durationMs: flags.duration,
          ...(flags.capture !== undefined ? { captureMs: flags.capture } : {}),
          ...(flags.interface ? { interface: flags.interface } : {}),
          ...(flags.showPayloads ? { showPayloads: true } : {}),
          timeoutMs: flags.timeout ?? 10_000,
          ...(flags.profileDuration !== undefined ? { profileMs: flags.profileDuration } : {}),
          thresholds: { busyCpuPercent: Math.min(5, flags.spinCpu), spinCpuPercent: flags.spinCpu },
          command: ['kafka-doctor', ...process.argv.slice(2)],
          onProgress: (m) => io.progress(m),
          signal: abort.signal,
        })
        io.progressDone()
        io.progress('analysing the bundle')
        const result = await analyseBundleDir(collected.dir)
        io.progressDone()
        await collected.writer.writeManifest({
          ...collected.manifest,
          outputs: ['findings.json', 'report.json', 'report.html'],
        })
        io.result(result.report, () =>
          renderDiagnosisText(result.report, {
            color: process.stdout.isTTY === true && !process.env.NO_COLOR,
            written: [collected.dir],
          }),
        )
        if (result.diagnosis.exitCode === ExitCode.UNKNOWN)
          process.stderr.write(
            `kafka-doctor: nothing could be collected: ${unusableSources(result.report)}\n`,
          )
        process.exitCode = result.diagnosis.exitCode
      } finally {
        process.off('SIGINT', onSignal)
      }
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
