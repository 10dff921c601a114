import { isKafkaDoctorError } from '../../errors.js'
import type { SourceEntry, SourceError, SourceStatus } from './manifest.js'

/**
 * Runs one evidence source and always comes back with its manifest entry: a source that throws is
 * `failed` with the error's code, message and hint, and the other sources go on. Only a bug (an
 * error that is not a KafkaDoctorError) is recorded as KD_INTERNAL, also without stopping the run.
 */

export interface SourceOutcome {
  status: Exclude<SourceStatus, 'failed' | 'skipped'> | 'failed' | 'skipped'
  files: string[]
  options: Record<string, unknown>
  command?: string[]
  reason?: string
  warnings?: string[]
}

export async function runSource(
  method: string,
  options: Record<string, unknown>,
  run: () => Promise<SourceOutcome>,
): Promise<SourceEntry> {
  const startedAt = new Date().toISOString()
  try {
    const outcome = await run()
    return {
      status: outcome.status,
      files: outcome.files,
      method,
      ...(outcome.command ? { command: outcome.command } : {}),
      options: { ...options, ...outcome.options },
      startedAt,
      finishedAt: new Date().toISOString(),
      ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
      warnings: outcome.warnings ?? [],
    }
  } catch (error) {
    const sourceError = errorOf(error)
    return {
      status: 'failed',
      files: [],
      method,
      options,
      startedAt,
      finishedAt: new Date().toISOString(),
      reason: sourceError.hint ? `${sourceError.message}: ${sourceError.hint}` : sourceError.message,
      error: sourceError,
      warnings: [],
    }
  }
}

export function errorOf(error: unknown): SourceError {
  if (isKafkaDoctorError(error)) {
    return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) }
  }
  const message = error instanceof Error ? error.message : String(error)
  return { code: 'KD_INTERNAL', message }
}
