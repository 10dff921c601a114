import { CommanderError } from 'commander'
import { isKafkaDoctorError } from '../errors.js'
import { ExitCode } from '../outcome.js'

/**
 * The one place that turns a failure into an exit code and the single line a user sees. Known errors
 * print their message and hint; anything else is a bug in kafka-doctor, reported without a stack trace
 * unless KAFKA_DOCTOR_DEBUG is set.
 */
export function reportFailure(error: unknown, stderr: NodeJS.WritableStream = process.stderr): ExitCode {
  const debug = Boolean(process.env.KAFKA_DOCTOR_DEBUG)
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.OK
    if (error.code === 'commander.help') return ExitCode.OK
    const message = error.message.replace(/^error:\s*/i, '').trim()
    stderr.write(`kafka-doctor: ${message} (see --help)\n`)
    return ExitCode.UNKNOWN
  }
  if (isKafkaDoctorError(error)) {
    stderr.write(`kafka-doctor: ${error.oneLine()}\n`)
    if (debug && error.stack) stderr.write(`${error.stack}\n`)
    return ExitCode.UNKNOWN
  }
  const message = error instanceof Error ? error.message : String(error)
  stderr.write(
    `kafka-doctor: internal error: ${message} (this is a bug; rerun with KAFKA_DOCTOR_DEBUG=1 and report the output)\n`,
  )
  if (debug && error instanceof Error && error.stack) stderr.write(`${error.stack}\n`)
  return ExitCode.UNKNOWN
}
