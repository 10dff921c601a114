import { readFile } from 'node:fs/promises'
import { Option } from 'commander'
import { NotFoundError, UsageError } from '../../errors.js'
import { ExitCode } from '../../outcome.js'
import { formatDuration, parseDuration } from '../../util/duration.js'
import { createIo } from '../io.js'
import { addOutputOptions, type OutputOptions, parsePositiveInt } from '../options.js'
import type { CommandModule } from './index.js'

interface ProfileFlags extends OutputOptions {
  pid?: string
  duration: number
  rate: number
  thread?: string
  out?: string
  fromCollapsed?: string
  top: number
}

export const profileCommand: CommandModule = {
  register(program) {
    const command = program
      .command('profile')
      .description(
        'sampling profile of a JVM by repeated thread dumps, each stack weighted by its thread’s CPU: folded stacks, speedscope JSON, an HTML flame graph and a hot-method table',
      )
      .option('--pid <pid>', 'the JVM process id')
      .addOption(
        new Option('--duration <duration>', 'how long to profile (bare number = seconds)')
          .default(30_000, '30s')
          .argParser((v) => parseDuration(v, 's', '--duration')),
      )
      .addOption(
        new Option('--rate <n>', 'thread dumps per second').default(10).argParser((v) => {
          const n = Number(v)
          if (!(n > 0 && n <= 100)) throw new UsageError(`--rate must be between 0 and 100, got '${v}'`)
          return n
        }),
      )
      .option(
        '--thread <name|tid>',
        'only threads whose name contains NAME, or the thread with this tid (decimal or 0x hex)',
      )
      .option(
        '--out <dir>',
        'directory for profile.folded, profile.speedscope.json, profile.html, profile.json',
      )
      .option(
        '--from-collapsed <file>',
        'analyse collapsed stacks from async-profiler (-o collapsed) or FlameGraph instead',
      )
      .addOption(
        new Option('--top <n>', 'hot-method rows to print').default(20).argParser(parsePositiveInt('--top')),
      )
    addOutputOptions(command)
    command.action(async (flags: ProfileFlags) => {
      const io = createIo({ json: flags.json ?? false })
      const { writeProfileFiles } = await import('../../report/profile-files.js')
      const { renderProfileText } = await import('../../report/profile-text.js')
      let profile: import('../../collect/profile/profile-result.js').ProfileResult
      let title: string
      let subtitle: string
      if (flags.fromCollapsed) {
        if (flags.pid) throw new UsageError('give either --pid or --from-collapsed, not both')
        const { profileFromCollapsed } = await import('../../collect/profile/collapsed-input.js')
        let text: string
        try {
          text = await readFile(flags.fromCollapsed, 'utf8')
        } catch (error) {
          throw new NotFoundError(
            `cannot read ${flags.fromCollapsed}: ${(error as NodeJS.ErrnoException).code ?? error}`,
          )
        }
        profile = profileFromCollapsed(text, {
          source: flags.fromCollapsed,
          ...(flags.thread ? { thread: flags.thread } : {}),
        })
        title = `Flame graph of ${flags.fromCollapsed}`
        subtitle = `${profile.totalWeight} samples from collapsed stacks`
      } else {
        if (!flags.pid)
          throw new UsageError('--pid is required', { hint: 'or analyse saved stacks with --from-collapsed' })
        const { profileJvm } = await import('../../collect/profile/profile-jvm.js')
        const { parsePid } = await import('../../collect/threads/jvm-target.js')
        const pid = parsePid(flags.pid)
        profile = await profileJvm({
          pid,
          durationMs: flags.duration,
          rate: flags.rate,
          ...(flags.thread ? { thread: flags.thread } : {}),
          onProgress: (p) =>
            io.progress(
              `profiling JVM ${pid}: ${formatDuration(p.elapsedMs)} of ${formatDuration(p.durationMs)}, ${p.dumps} dumps`,
            ),
        })
        io.progressDone()
        title = `CPU profile of JVM ${pid}`
        subtitle = `${profile.dumps} thread dumps over ${formatDuration(profile.durationMs ?? 0)}, stacks weighted by thread CPU${profile.jvm?.vm ? ` — ${profile.jvm.vm}` : ''}${profile.threadFilter ? ` — threads matching '${profile.threadFilter}'` : ''}`
      }
      const outDir = flags.out ?? (flags.pid ? `kafka-doctor-profile-${flags.pid}` : 'kafka-doctor-profile')
      const files = await writeProfileFiles(profile, outDir, title, subtitle)
      if (!flags.json) for (const w of profile.warnings) io.warn(w)
      io.result({ ...profile, files }, () =>
        renderProfileText(profile, [files.html, files.folded, files.speedscope, files.json], flags.top),
      )
      process.exitCode = ExitCode.OK
    })
    return command
  },
}
