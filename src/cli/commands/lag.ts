import { writeFile } from 'node:fs/promises'
import { Option } from 'commander'
import { isKafkaDoctorError, PermissionError, UsageError } from '../../errors.js'
import { ExitCode } from '../../outcome.js'
import { formatDuration, parseDuration } from '../../util/duration.js'
import { createIo } from '../io.js'
import {
  addConnectionOptions,
  addOutputOptions,
  type ConnectionOptions,
  type OutputOptions,
  parsePositiveInt,
} from '../options.js'
import type { CommandModule } from './index.js'

interface LagFlags extends OutputOptions, ConnectionOptions {
  group?: string[]
  allGroups?: boolean
  topic?: string[]
  isolationLevel?: 'read_committed' | 'read_uncommitted'
  watch?: number
  samples: number
  samplesOut?: string
  allowedLag: bigint
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value]

export const lagCommand: CommandModule = {
  register(program) {
    const command = program
      .command('lag')
      .description(
        'consumer lag per partition, computed right: HW and LSO, negative lag shown and explained, status over time (--watch); never joins a group or commits',
      )
      .option('--group <group>', 'a consumer group (repeatable)', collect)
      .option('--all-groups', 'every consumer group of the cluster')
      .option('--topic <topic>', 'only these topics (repeatable)', collect)
      .addOption(
        new Option(
          '--isolation-level <level>',
          'how the groups read: measures lag against the LSO for read_committed (default: inferred where possible, else both shown)',
        ).choices(['read_committed', 'read_uncommitted']),
      )
      .addOption(
        new Option(
          '--watch <interval>',
          'sample every INTERVAL and judge each partition over the window (e.g. 5s)',
        ).argParser((v) => parseDuration(v, 's', '--watch')),
      )
      .addOption(
        new Option('--samples <n>', 'samples to take with --watch (Burrow keeps 10)')
          .default(10)
          .argParser(parsePositiveInt('--samples')),
      )
      .option('--samples-out <file>', 'also write every sample as JSON lines to FILE')
      .addOption(
        new Option('--allowed-lag <n>', "lag that still counts as caught up (Burrow's allowed-lag)")
          .default(0n, '0')
          .argParser((v) => {
            if (!/^\d+$/.test(v)) throw new UsageError(`--allowed-lag must be a whole number, got '${v}'`)
            return BigInt(v)
          }),
      )
    addConnectionOptions(command)
    addOutputOptions(command)
    command.action(async (flags: LagFlags) => {
      const io = createIo({ json: flags.json ?? false })
      if (!flags.allGroups && (!flags.group || flags.group.length === 0)) {
        throw new UsageError('give --group GROUP (repeatable) or --all-groups')
      }
      if (flags.allGroups && flags.group && flags.group.length > 0) {
        throw new UsageError('give either --group or --all-groups, not both')
      }
      if (flags.samplesOut !== undefined && flags.watch === undefined) {
        throw new UsageError('--samples-out needs --watch')
      }
      if (flags.watch !== undefined && flags.watch <= 0)
        throw new UsageError('--watch needs an interval above 0')
      const { readClientConfig } = await import('../../net/client-config.js')
      const config = flags.commandConfig ? await readClientConfig(flags.commandConfig) : undefined
      const { LagCollector } = await import('../../collect/lag/collect-lag.js')
      const { analyseLag } = await import('../../analyse/lag/analyse-lag.js')
      const { renderLagText } = await import('../../report/lag-text.js')

      const target = {
        ...(flags.group ? { groups: flags.group } : {}),
        allGroups: flags.allGroups ?? false,
        ...(flags.topic ? { topics: flags.topic } : {}),
      }
      const collector = await LagCollector.connect({
        bootstrap: flags.bootstrapServer,
        timeoutMs: flags.timeout,
        ...(config?.clientId ? { clientId: config.clientId } : {}),
      })
      const snapshots: Awaited<ReturnType<typeof collector.snapshot>>[] = []
      let failure: unknown
      const total = flags.watch === undefined ? 1 : flags.samples
      let interrupted = false
      let wake: (() => void) | undefined
      const onSigint = () => {
        interrupted = true
        wake?.()
      }
      if (flags.watch !== undefined) process.once('SIGINT', onSigint)
      try {
        for (let i = 0; i < total && !interrupted; i++) {
          const started = Date.now()
          try {
            const snapshot = await collector.snapshot(target, (m) =>
              io.progress(total > 1 ? `sample ${i + 1}/${total}: ${m}` : m),
            )
            snapshots.push(snapshot)
          } catch (error) {
            if (snapshots.length === 0 || !isKafkaDoctorError(error)) throw error
            failure = error
            break
          }
          if (total > 1) {
            const negative = snapshots[snapshots.length - 1]?.rereads.length ?? 0
            io.progress(
              `sample ${i + 1}/${total} taken${negative > 0 ? `, ${negative} partition(s) above the HW` : ''}; next in ${formatDuration(flags.watch ?? 0)} (Ctrl-C to stop and report)`,
            )
          }
          if (i + 1 < total && flags.watch !== undefined) {
            const wait = Math.max(0, flags.watch - (Date.now() - started))
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, wait)
              wake = () => {
                clearTimeout(timer)
                resolve()
              }
            })
          }
        }
      } finally {
        process.off('SIGINT', onSigint)
        io.progressDone()
        await collector.close()
      }

      if (flags.samplesOut !== undefined) {
        const { lagSamplesToJsonLines, samplesOf } = await import('../../collect/lag/lag-samples.js')
        const text = snapshots.map((s, i) => lagSamplesToJsonLines(samplesOf(s, i))).join('')
        await writeFile(flags.samplesOut, text).catch((error: NodeJS.ErrnoException) => {
          throw new PermissionError(`cannot write ${flags.samplesOut}: ${error.code ?? error.message}`)
        })
      }
      const report = analyseLag(snapshots, {
        ...(flags.isolationLevel ? { isolationLevels: { '*': flags.isolationLevel } } : {}),
        allowedLag: flags.allowedLag,
        requestedGroups: flags.group ?? [],
      })
      if (!flags.json) for (const w of report.warnings) io.warn(w)
      io.result(report, () => renderLagText(report))
      if (failure !== undefined && isKafkaDoctorError(failure)) {
        io.warn(`stopped after ${snapshots.length} sample(s): ${failure.oneLine()}`)
        process.exitCode = ExitCode.UNKNOWN
        return
      }
      if (interrupted && snapshots.length < total)
        io.info(`interrupted after ${snapshots.length} of ${total} samples`)
      process.exitCode = report.exitCode
    })
    return command
  },
}
