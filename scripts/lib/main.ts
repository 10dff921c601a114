import { isKafkaDoctorError } from '../../src/errors.js'

/**
 * Entry point of a repository script: runs `body`, and turns a failure into one line on stderr and
 * exit code 1 (a KafkaDoctorError also prints its details, e.g. the tail of a broker log).
 */
export function runMain(body: () => Promise<void>): void {
  body().then(
    () => {
      process.exitCode ??= 0
    },
    (error: unknown) => {
      if (isKafkaDoctorError(error)) {
        process.stderr.write(`error: ${error.oneLine()}\n`)
        for (const [key, value] of Object.entries(error.details)) {
          if (typeof value === 'string' && value.includes('\n'))
            process.stderr.write(`--- ${key} ---\n${value}\n`)
          else if (value !== undefined) process.stderr.write(`${key}: ${String(value)}\n`)
        }
      } else {
        process.stderr.write(
          `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
        )
      }
      process.exitCode = 1
    },
  )
}
