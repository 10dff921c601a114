/**
 * Helpers for the proxy tests: raw requests through the codec (to compare bytes), the client's own
 * DEBUG log lines (real evidence of what a consumer saw), and waiting on patients.
 */
import { Transport } from '../../src/net/transport.js'
import { decodeResponseFrame, encodeRequestFrame } from '../../src/protocol/frame.js'
import { type ApiKey, codecFor, type RequestOf, type ResponseOf } from '../../src/protocol/generated/apis.js'
import type { Patient, PatientEvent } from '../support/patients.js'

export async function connectRaw(address: { host: string; port: number }): Promise<Transport> {
  return Transport.connect({ ...address, connectTimeoutMs: 5000, requestTimeoutMs: 10_000 })
}

/** Sends one request and returns the raw answer frame (no size prefix) and its decoded body. */
export async function rawRequest<K extends ApiKey>(
  transport: Transport,
  apiKey: K,
  apiVersion: number,
  body: Partial<RequestOf<K>>,
  correlationId = 7,
): Promise<{ bytes: Uint8Array; body: ResponseOf<K> }> {
  const request = { ...codecFor(apiKey).defaultRequest(), ...body } as RequestOf<K>
  const frame = encodeRequestFrame({ apiKey, apiVersion, correlationId, clientId: 'proxy-test' }, request)
  const bytes = await transport.request(correlationId, frame.subarray(4))
  const decoded = decodeResponseFrame(bytes, apiKey, apiVersion, { sizePrefixed: false })
  return { bytes, body: decoded.body as ResponseOf<K> }
}

/** JVM flags that make kafka-clients log fetch errors (DEBUG "Error in fetch for partition …"). */
export const fetchErrorLogging = [
  '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.AbstractFetch=debug',
  '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.consumer.internals.FetchCollector=debug',
]

/**
 * The consumer's own "Error in fetch for partition P: ERROR" lines in its recent stderr (slf4j-simple
 * prints milliseconds since start first), and the rate they came at.
 */
export function fetchErrorLines(
  patient: Patient,
  partition: string,
): { count: number; perSecond: number; errors: Set<string> } {
  const pattern = new RegExp(
    `^(\\d+) .*Error in fetch for partition ${partition.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ([\\w.]+)`,
  )
  const hits = patient
    .stderrTail(500)
    .split('\n')
    .flatMap((line) => {
      const match = pattern.exec(line)
      return match ? [{ at: Number(match[1]), error: match[2] ?? '' }] : []
    })
  const first = hits[0]
  const last = hits.at(-1)
  const spanMs = first && last ? last.at - first.at : 0
  return {
    count: hits.length,
    perSecond: spanMs > 0 ? ((hits.length - 1) * 1000) / spanMs : 0,
    errors: new Set(hits.map((hit) => hit.error)),
  }
}

/** The last "status" line of a consumer patient. */
export function lastStatus(patient: Patient): PatientEvent & {
  positions: Record<string, number>
  committed: Record<string, number>
  consumed: number
} {
  const status = [...patient.events].reverse().find((event) => event.event === 'status')
  if (!status) throw new Error('the consumer printed no status line yet')
  return status as never
}

/** Waits for a status line whose positions satisfy `predicate`. */
export function awaitPositions(
  patient: Patient,
  predicate: (positions: Record<string, number>, status: PatientEvent) => boolean,
  timeoutMs = 30_000,
): Promise<PatientEvent> {
  return patient.awaitEvent(
    (event) =>
      event.event === 'status' &&
      typeof event.positions === 'object' &&
      event.positions !== null &&
      predicate(event.positions as Record<string, number>, event),
    { timeoutMs },
  )
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
