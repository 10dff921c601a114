import { Command } from 'commander'
import { ExitCode } from '../outcome.js'
import { toolVersion } from '../version.js'
import { commandModules } from './commands/index.js'
import { reportFailure } from './exit.js'

/**
 * The CLI is a thin layer: it parses flags, calls the library, prints, and maps the outcome to an
 * exit code. Each command lives in src/cli/commands/<name>.ts and imports its implementation lazily,
 * so that `kafka-doctor --help` does not load the protocol codec.
 */
export function buildProgram(): Command {
  const program = new Command('kafka-doctor')
    .description(
      'Why does this Kafka consumer burn CPU or show impossible lag? From the hot JVM thread to the broker.',
    )
    .version(toolVersion)
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} })
  for (const module of commandModules) {
    const command = module.register(program)
    command.exitOverride().configureOutput({ writeErr: () => {} })
  }
  return program
}

export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv])
    return typeof process.exitCode === 'number' ? process.exitCode : ExitCode.OK
  } catch (error) {
    return reportFailure(error)
  }
}
