import { createColors } from 'picocolors'
import { toJson } from '../util/json.js'

/**
 * Where a command's output goes. Results go to stdout (JSON only with --json); logs, warnings and
 * progress go to stderr, and progress only when stderr is a terminal so that pipes and CI logs stay
 * clean.
 */
export interface Io {
  readonly json: boolean
  readonly showPayloads: boolean
  /** Print the command's result: JSON when --json, else the human text `render` returns. */
  result(value: unknown, render: () => string): void
  info(message: string): void
  warn(message: string): void
  /** A transient progress line; a no-op unless stderr is a TTY. Call `progress.done()` to clear it. */
  progress(message: string): void
  progressDone(): void
}

export interface IoOptions {
  json?: boolean
  showPayloads?: boolean
  quiet?: boolean
  stdout?: NodeJS.WritableStream
  stderr?: NodeJS.WriteStream | NodeJS.WritableStream
}

export function createIo(options: IoOptions = {}): Io {
  const stdout = options.stdout ?? process.stdout
  const stderr = options.stderr ?? process.stderr
  const tty = 'isTTY' in stderr && stderr.isTTY === true
  // Colour only on a terminal (picocolors alone would also colour whenever CI is set, which puts
  // escape codes into captured logs and into tests that read stderr).
  const pc = createColors(tty && !process.env.NO_COLOR)
  const json = options.json ?? false
  const showPayloads = options.showPayloads ?? false
  let progressShown = false

  const clearProgress = () => {
    if (progressShown) {
      stderr.write('\r\x1b[2K')
      progressShown = false
    }
  }

  return {
    json,
    showPayloads,
    result(value, render) {
      clearProgress()
      stdout.write(json ? `${toJson(value, { showPayloads })}\n` : `${render()}\n`)
    },
    info(message) {
      if (options.quiet) return
      clearProgress()
      stderr.write(`${message}\n`)
    },
    warn(message) {
      clearProgress()
      stderr.write(`${pc.yellow('warning:')} ${message}\n`)
    },
    progress(message) {
      if (!tty) return
      stderr.write(`\r\x1b[2K${pc.dim(message)}`)
      progressShown = true
    },
    progressDone: clearProgress,
  }
}
