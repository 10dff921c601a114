import { readFile } from 'node:fs/promises'
import { Option } from 'commander'
import { NotFoundError, UsageError } from '../../errors.js'
import { ExitCode } from '../../outcome.js'
import { parseDuration } from '../../util/duration.js'
import { createIo } from '../io.js'
import { addOutputOptions, type OutputOptions, parsePositiveInt } from '../options.js'
import type { CommandModule } from './index.js'

interface ThreadsFlags extends OutputOptions {
  pid?: string
  interval: number
  rounds: number
  top: number
  fullStack?: boolean
  topFile?: string
  jstackFile?: string[]
}

export const threadsCommand: CommandModule = {
  register(program) {
    const command = program
      .command('threads')
      .description(
        'which JVM threads burn CPU (per-thread /proc deltas, as top -H), their stacks (jcmd Thread.print), and what they are doing in Kafka terms',
      )
      .option('--pid <pid>', 'the JVM process id')
      .addOption(
        new Option('--interval <duration>', 'CPU sample length per round (bare number = seconds)')
          .default(1000, '1s')
          .argParser((v) => parseDuration(v, 's', '--interval')),
      )
      .addOption(
        new Option('--rounds <n>', 'sample rounds, each followed by a thread dump')
          .default(1)
          .argParser(parsePositiveInt('--rounds')),
      )
      .addOption(
        new Option('--top <n>', 'how many of the hottest threads to show')
          .default(5)
          .argParser(parsePositiveInt('--top')),
      )
      .option('--full-stack', 'print whole stacks instead of the innermost frames')
      .option('--top-file <file>', "offline: a saved 'top -H -b -n 2 -p PID' output (with --jstack-file)")
      .option(
        '--jstack-file <file>',
        'offline: a saved jstack/jcmd Thread.print output; give it twice for cpu= deltas (JDK 11+)',
        (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
      )
    addOutputOptions(command)
    command.action(async (flags: ThreadsFlags) => {
      const io = createIo({ json: flags.json ?? false })
      const { renderThreadsText } = await import('../../report/threads-text.js')
      let result: import('../../collect/threads/threads-result.js').ThreadsResult
      if (flags.jstackFile || flags.topFile) {
        if (flags.pid) throw new UsageError('give either --pid or --jstack-file, not both')
        if (!flags.jstackFile)
          throw new UsageError('--top-file needs --jstack-file (the dump to join it with)')
        const { analyseThreadFiles } = await import('../../collect/threads/offline.js')
        const dumpTexts = await Promise.all(
          flags.jstackFile.map(async (file) => ({ text: await readInput(file), source: file })),
        )
        result = analyseThreadFiles({
          ...(flags.topFile ? { topText: await readInput(flags.topFile) } : {}),
          dumpTexts,
          top: flags.top,
          keepDumpText: false,
        })
      } else {
        if (!flags.pid)
          throw new UsageError('--pid is required', { hint: 'or analyse saved files with --jstack-file' })
        const { sampleThreads } = await import('../../collect/threads/sample-threads.js')
        const { parsePid } = await import('../../collect/threads/jvm-target.js')
        result = await sampleThreads({
          pid: parsePid(flags.pid),
          intervalMs: flags.interval,
          rounds: flags.rounds,
          top: flags.top,
          keepDumpText: false,
          onProgress: (m) => io.progress(m),
        })
        io.progressDone()
      }
      for (const w of result.warnings) if (!flags.json) io.warn(w)
      io.result(result, () =>
        renderThreadsText({ ...result, warnings: [] }, flags.fullStack ? { fullStack: true } : {}),
      )
      // Partial input (a truncated dump) still yields what it holds, but the run is UNKNOWN, not OK.
      const truncated = result.rounds.some((r) => r.dump && !r.dump.complete)
      if (truncated) io.warn('a thread dump was truncated: results are partial')
      process.exitCode = truncated ? ExitCode.UNKNOWN : ExitCode.OK
    })
    return command
  },
}

async function readInput(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new NotFoundError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}`)
  }
}
