import { type ErrorDetails, ProtocolError } from '../errors.js'

/**
 * Errors of the Kafka wire codec. All are ProtocolErrors (the peer spoke, but not in a form we can
 * follow); running out of bytes is the separate TruncatedInputError from src/errors.ts, because partial
 * input (a capture cut by snaplen, a frame still arriving) is normal and must be told apart from
 * corruption.
 */

/** Bytes that cannot be valid Kafka: a negative length other than -1, a varint over its size cap … */
export class MalformedInputError extends ProtocolError {
  readonly offset: number

  constructor(offset: number, reason: string, details: ErrorDetails = {}) {
    super(`malformed Kafka data at byte ${offset}: ${reason}`, {
      hint: 'the bytes are corrupt or not Kafka protocol; decoding stopped here',
      offset,
      ...details,
    })
    this.offset = offset
  }
}

/** An api key this build has no definition for, or a version outside its known range. */
export class UnsupportedApiError extends ProtocolError {
  readonly apiKey: number
  readonly apiVersion: number | undefined

  constructor(apiKey: number, apiVersion?: number, reason?: string) {
    const what = apiVersion === undefined ? `api key ${apiKey}` : `api key ${apiKey} version ${apiVersion}`
    super(`unsupported Kafka ${what}${reason ? `: ${reason}` : ''}`, {
      hint: 'the peer uses an API or version newer than kafka-doctor knows; its frames are skipped',
      apiKey,
      apiVersion,
    })
    this.apiKey = apiKey
    this.apiVersion = apiVersion
  }
}

/** A message handed to an encoder that cannot be written (null in a non-nullable field, bad uuid …). */
export class InvalidMessageError extends ProtocolError {
  constructor(message: string, details: ErrorDetails = {}) {
    super(message, { hint: 'fix the message before encoding it', ...details })
  }
}
