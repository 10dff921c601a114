/**
 * The whole of `kafka-doctor pcap` as a library call: capture files (several, e.g. rotated ones, are
 * read in order into one analysis) → the capture pipeline with the codec plugged in → the traffic
 * aggregator → a TrafficReport with findings.
 *
 * Failure policy: a file that cannot be read at all (missing, not a capture, no permission) is listed
 * in `failedFiles` and the others are still analysed; only when no file could be read does the call
 * throw (the CLI's exit 3). A capture that is truncated or corrupt part-way is not a failure: what
 * could be read is analysed and the damage is in `files[].firstWarnings` with byte offsets.
 */
import { stat } from 'node:fs/promises'
import { isKafkaDoctorError, type KafkaDoctorError } from '../../errors.js'
import { readKafkaCapture } from '../../pcap/kafka-capture.js'
import { type DecodedBody, KafkaDecoder } from '../../pcap/kafka-decoder.js'
import { TrafficAnalyser, type TrafficLimits } from './traffic-analyser.js'
import type { TrafficReport } from './traffic-report.js'

export interface AnalyseCaptureOptions {
  /** TCP ports brokers listen on (default 9092); brokers named in Metadata answers are added. */
  brokerPorts?: readonly number[]
  limits?: Partial<TrafficLimits>
  /** Progress: bytes read of the current file and its size (0 for a stream). */
  onProgress?: (progress: {
    file: string
    bytesRead: number
    totalBytes: number
    fileIndex: number
    files: number
  }) => void
  signal?: AbortSignal
}

export interface CaptureAnalysis {
  report: TrafficReport
  /** Files that could not be read at all, with the reason. */
  failedFiles: Array<{ file: string; error: KafkaDoctorError }>
}

export async function analyseCaptureFiles(
  files: readonly string[],
  options: AnalyseCaptureOptions = {},
): Promise<CaptureAnalysis> {
  const decoder = new KafkaDecoder()
  const analyser = new TrafficAnalyser({
    topicName: (id) => decoder.topicName(id),
    ...(options.limits ? { limits: options.limits } : {}),
  })
  const failedFiles: CaptureAnalysis['failedFiles'] = []
  for (const [fileIndex, file] of files.entries()) {
    const totalBytes =
      file === '-'
        ? 0
        : await stat(file).then(
            (s) => s.size,
            () => 0,
          )
    analyser.beginFile(file)
    try {
      const summary = await readKafkaCapture<DecodedBody, DecodedBody>(file, {
        ...(options.brokerPorts ? { brokerPorts: options.brokerPorts } : {}),
        decoder,
        // The analyser copies what it keeps: frame buffers can be reused.
        releaseFrames: true,
        onExchange: (exchange) => analyser.add(exchange),
        onChunk: (bytesRead) =>
          options.onProgress?.({ file, bytesRead, totalBytes, fileIndex, files: files.length }),
        ...(options.signal ? { signal: options.signal } : {}),
      })
      analyser.endFile(summary, decoder.stats)
    } catch (error) {
      if (!isKafkaDoctorError(error)) throw error
      failedFiles.push({ file, error })
    }
  }
  if (failedFiles.length === files.length && failedFiles[0]) throw failedFiles[0].error
  return { report: analyser.report(), failedFiles }
}
