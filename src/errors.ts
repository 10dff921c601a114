/**
 * One error hierarchy for the whole tool. Every failure a user can cause or meet (bad flags, a corrupt
 * file, an unreachable broker, a wrong pid, missing permission) is a KafkaDoctorError with a stable
 * `code` and a one-line `hint` saying what to do. The CLI maps all of them to exit code 3 (UNKNOWN) in
 * one place (src/cli/exit.ts); anything that is not a KafkaDoctorError is a bug and reported as such.
 *
 * Kafka error codes inside responses are *data*, never exceptions: see src/protocol.
 */

export const errorCodes = [
  'KD_USAGE',
  'KD_BAD_INPUT',
  'KD_TRUNCATED',
  'KD_UNREACHABLE',
  'KD_TIMEOUT',
  'KD_PERMISSION',
  'KD_NOT_FOUND',
  'KD_PROTOCOL',
  'KD_COLLECT',
  'KD_INTERNAL',
] as const
export type ErrorCode = (typeof errorCodes)[number]

export interface ErrorDetails {
  /** What the user should do about it, one sentence. */
  hint?: string
  cause?: unknown
  [key: string]: unknown
}

export class KafkaDoctorError extends Error {
  readonly code: ErrorCode
  readonly hint: string | undefined
  readonly details: Readonly<Record<string, unknown>>

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    const { hint, cause, ...rest } = details
    super(message, cause === undefined ? undefined : { cause })
    this.name = new.target.name
    this.code = code
    this.hint = hint
    this.details = rest
  }

  /** The single line printed on stderr: message plus the hint, if any. */
  oneLine(): string {
    return this.hint ? `${this.message}: ${this.hint}` : this.message
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, hint: this.hint, ...this.details }
  }
}

/** Wrong flags or arguments. */
export class UsageError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_USAGE', message, details)
  }
}

/** A file or value that cannot be understood (corrupt pcap, not a thread dump, invalid bundle). */
export class BadInputError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_BAD_INPUT', message, details)
  }
}

/**
 * Input ended before a complete value could be read. Carries the byte offset so that decoders of
 * partial data (a truncated capture, a frame cut by snaplen) can report exactly where it stopped.
 */
export class TruncatedInputError extends KafkaDoctorError {
  readonly offset: number
  readonly needed: number
  readonly available: number

  constructor(offset: number, needed: number, available: number, what = 'input') {
    super('KD_TRUNCATED', `${what} truncated at byte ${offset}: needed ${needed} more, ${available} left`, {
      offset,
      needed,
      available,
    })
    this.offset = offset
    this.needed = needed
    this.available = available
  }
}

/** Could not reach a broker, a JVM or another peer. */
export class UnreachableError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_UNREACHABLE', message, details)
  }
}

export class TimeoutError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_TIMEOUT', message, details)
  }
}

/** Not allowed: capture without CAP_NET_RAW, attach to another user's JVM, unreadable /proc. */
export class PermissionError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_PERMISSION', message, details)
  }
}

/** A pid, file, group or topic that does not exist. */
export class NotFoundError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_NOT_FOUND', message, details)
  }
}

/** The peer spoke, but not a protocol we can follow (malformed frame, unsupported version). */
export class ProtocolError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_PROTOCOL', message, details)
  }
}

/** A collection step failed for a reason not covered above. */
export class CollectError extends KafkaDoctorError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('KD_COLLECT', message, details)
  }
}

export function isKafkaDoctorError(value: unknown): value is KafkaDoctorError {
  return value instanceof KafkaDoctorError
}
