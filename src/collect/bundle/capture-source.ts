import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { analyseCaptureFiles } from '../../analyse/traffic/analyse-capture.js'
import type { BrokerAddress } from '../../net/address.js'
import { captureTraffic } from '../capture/capture-traffic.js'
import { bundleFiles } from './bundle-files.js'
import type { BundleWriter } from './bundle-writer.js'
import type { SourceOutcome } from './source-run.js'
import { writeHeadersOnlyCapture } from './strip-capture.js'

/**
 * The capture source of a bundle. The capture tool (src/collect/capture) writes whole packets into a
 * private temporary folder — whole, so that the analysis sees every request and answer completely —
 * the traffic analysis (src/analyse/traffic) turns them into `capture/traffic.json`, which holds no
 * record bytes, and the bundle keeps the capture with every Kafka body cut (strip-capture.ts). The
 * temporary folder is removed in every case. With `showPayloads` the whole capture is kept instead.
 */

export interface CaptureSourceOptions {
  bootstrap: readonly BrokerAddress[]
  durationMs: number
  interfaceName?: string
  showPayloads?: boolean
  onProgress?: (message: string) => void
  signal?: AbortSignal
}

export async function collectCaptureSource(
  writer: BundleWriter,
  options: CaptureSourceOptions,
): Promise<SourceOutcome & { command: string[] }> {
  const work = await mkdtemp(join(tmpdir(), 'kafka-doctor-capture-'))
  try {
    const capture = await captureTraffic({
      outDir: work,
      bootstrap: options.bootstrap,
      ...(options.interfaceName ? { interfaceName: options.interfaceName } : {}),
      durationMs: options.durationMs,
      snaplen: 0,
      ...(options.signal ? { signal: options.signal } : {}),
      onProgress: (p) =>
        options.onProgress?.(
          `capture: ${Math.round(p.elapsedMs / 1000)}/${Math.round(options.durationMs / 1000)} s, ${(p.bytes / 1e6).toFixed(1)} MB`,
        ),
    })
    const ports = [
      ...new Set([...options.bootstrap.map((b) => b.port), ...capture.brokers.map((b) => b.port)]),
    ]
    options.onProgress?.('capture: analysing the traffic')
    const { report, failedFiles } = await analyseCaptureFiles(capture.files, { brokerPorts: ports })
    const files = [await writer.writeJson(bundleFiles.traffic, report)]
    const warnings = [
      ...capture.warnings,
      ...failedFiles.map((f) => `${basename(f.file)}: ${f.error.message}`),
    ]
    let strip: Awaited<ReturnType<typeof writeHeadersOnlyCapture>> | undefined
    if (options.showPayloads) {
      for (const file of capture.files) files.push(await writer.copyIn(file, `capture/${basename(file)}`))
    } else {
      strip = await writeHeadersOnlyCapture(capture.files, writer.path(bundleFiles.capture), {
        brokerPorts: ports,
      })
      files.push(writer.adopt(bundleFiles.capture))
    }
    return {
      status: failedFiles.length > 0 ? 'partial' : 'collected',
      files,
      command: [capture.toolPath, '-i', capture.interfaceName, capture.filter],
      options: {
        tool: capture.tool,
        toolVersion: capture.toolVersion,
        interface: capture.interfaceName,
        filter: capture.filter,
        bytes: capture.bytes,
        elapsedMs: capture.elapsedMs,
        stoppedBy: capture.stoppedBy,
        brokerPorts: ports,
        kept: options.showPayloads ? 'whole packets (--show-payloads)' : 'headers only: Kafka bodies cut',
        ...(strip
          ? { packets: strip.packets, packetsWritten: strip.written, frameHeadersKept: strip.headersKept }
          : {}),
      },
      warnings,
      ...(failedFiles.length > 0 ? { reason: `${failedFiles.length} capture file(s) unreadable` } : {}),
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}
