import { type KafkaCaptureOptions, KafkaCaptureSession } from '../../src/pcap/kafka-capture.js'
import type { KafkaExchange, KafkaFrame, KafkaRequest } from '../../src/pcap/kafka-frame.js'

/** Runs the whole pipeline over a capture in memory and keeps every frame and exchange. */
export function runCapture<Req = unknown, Res = unknown>(
  bytes: Buffer,
  options: KafkaCaptureOptions<Req, Res> = {},
  chunkSize = 1 << 20,
) {
  const frames: KafkaFrame[] = []
  const exchanges: Array<KafkaExchange<Req, Res>> = []
  const session = new KafkaCaptureSession<Req, Res>({
    ...options,
    onFrame: (f) => {
      frames.push(f)
      options.onFrame?.(f)
    },
    onExchange: (e) => {
      exchanges.push(e)
      options.onExchange?.(e)
    },
  })
  for (let off = 0; off < bytes.length; off += chunkSize) session.push(bytes.subarray(off, off + chunkSize))
  const summary = session.end()
  const requests = frames.filter((f): f is KafkaRequest => f.direction === 'request')
  return { frames, exchanges, summary, requests, session }
}

/** The header fields tshark shows, from our request frames. */
export function requestFields(requests: readonly KafkaRequest[]) {
  return requests.map((r) => ({
    apiKey: r.header?.apiKey,
    apiVersion: r.header?.apiVersion,
    correlationId: r.header?.correlationId,
    clientId: r.header?.clientId ?? '',
  }))
}
