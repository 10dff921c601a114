import { Option } from 'commander'
import { UsageError } from '../../errors.js'
import { exitCodeForFindings } from '../../outcome.js'
import { createIo } from '../io.js'
import { addOutputOptions, type OutputOptions, parsePositiveInt } from '../options.js'
import type { CommandModule } from './index.js'

interface PcapFlags extends OutputOptions {
  port?: number[]
  top: number
}

/**
 * `kafka-doctor pcap FILE…`: decode the Kafka traffic in capture files and say what is wrong with it.
 * Exit code: the worst finding (0 none/info, 1 warning, 2 critical); 3 only when no file could be read
 * at all. A capture damaged part-way gives its partial results, a warning with the byte offset, and the
 * exit code of its findings.
 */
export const pcapCommand: CommandModule = {
  register(program) {
    const command = program
      .command('pcap')
      .description(
        'decode the Kafka traffic in packet captures (pcap/pcapng, - for stdin): rates, latencies, errors per partition, fetch settings, and findings such as poll storms and not-leader loops',
      )
      .argument('<file...>', 'capture files, read in order into one analysis (rotated files of one capture)')
      .addOption(
        new Option(
          '--port <port>',
          'a port brokers listen on (repeatable; default 9092; more are learnt from Metadata answers)',
        ).argParser((value: string, previous: number[] | undefined) => [
          ...(previous ?? []),
          parsePort(value),
        ]),
      )
      .addOption(
        new Option('--top <n>', 'rows per table in the text report')
          .default(20)
          .argParser(parsePositiveInt('--top')),
      )
    addOutputOptions(command)
    command.action(async (files: string[], flags: PcapFlags) => {
      const io = createIo({ json: flags.json ?? false, showPayloads: flags.showPayloads ?? false })
      const { analyseCaptureFiles } = await import('../../analyse/traffic/analyse-capture.js')
      const { renderTrafficText } = await import('../../report/traffic-text.js')
      let lastShown = 0
      const { report, failedFiles } = await analyseCaptureFiles(files, {
        ...(flags.port ? { brokerPorts: flags.port } : {}),
        onProgress: ({ file, bytesRead, totalBytes, fileIndex, files: count }) => {
          const now = Date.now()
          if (now - lastShown < 200) return
          lastShown = now
          const share = totalBytes > 0 ? ` ${Math.floor((bytesRead / totalBytes) * 100)}%` : ''
          io.progress(
            `reading ${file} (${fileIndex + 1}/${count})${share}, ${(bytesRead / 1e6).toFixed(0)} MB`,
          )
        },
      })
      io.progressDone()
      for (const failed of failedFiles) io.warn(`${failed.file} skipped: ${failed.error.oneLine()}`)
      for (const file of report.files) {
        const first = file.firstWarnings[0]
        if (first)
          io.warn(
            `${file.file}: ${file.warnings} capture warning(s), first at byte ${first.fileOffset}: ${first.message}; results are partial`,
          )
      }
      if (report.apiKeys.length === 0 && report.exchanges.unmatchedResponses === 0)
        io.warn(
          `no Kafka traffic found on port(s) ${(flags.port ?? [9092]).join(', ')}: give the brokers' ports with --port`,
        )
      io.result(report, () => renderTrafficText(report, { top: flags.top }))
      process.exitCode = exitCodeForFindings(report.findings)
    })
    return command
  },
}

function parsePort(value: string): number {
  const port = Number(value)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new UsageError(`--port must be a TCP port (1-65535), got '${value}'`)
  }
  return port
}
