import { Option } from 'commander'
import { UsageError } from '../../errors.js'
import { ExitCode, exitCodeForFindings } from '../../outcome.js'
import { parseDuration, parseSize } from '../../util/duration.js'
import { createIo } from '../io.js'
import { addOutputOptions, type OutputOptions, parseBootstrapServers, parsePositiveInt } from '../options.js'
import type { CommandModule } from './index.js'

interface CaptureFlags extends OutputOptions {
  bootstrapServer?: string
  port?: number[]
  interface: string
  duration: number
  maxSize: number
  rotate?: number
  out: string
  analyze?: boolean
  tool?: 'tcpdump' | 'dumpcap' | 'tshark'
  top: number
}

/**
 * `kafka-doctor capture`: a bounded packet capture of the brokers' traffic, stopped cleanly by the
 * duration, the size bound or Ctrl-C (what was captured is kept), optionally analysed right away.
 * Exit code: 3 when the capture could not run (no tool, no permission — with what to do), else 0, or
 * with --analyze the worst finding.
 */
export const captureCommand: CommandModule = {
  register(program) {
    const command = program
      .command('capture')
      .description(
        'capture the Kafka traffic of the brokers (tcpdump, dumpcap or tshark; BPF filter from Metadata) within time and size bounds',
      )
      .option(
        '--bootstrap-server <host:port,...>',
        'find the brokers through Metadata (read-only) and capture them',
      )
      .addOption(
        new Option('--port <port>', 'capture this TCP port on any host (repeatable)').argParser(
          (value: string, previous: number[] | undefined) => [
            ...(previous ?? []),
            parsePositiveInt('--port')(value),
          ],
        ),
      )
      .addOption(new Option('--interface <name>', 'network interface').default('any'))
      .addOption(
        new Option('--duration <duration>', 'how long to capture (bare number = seconds)')
          .default(60_000, '60s')
          .argParser((v) => parseDuration(v, 's', '--duration')),
      )
      .addOption(
        new Option('--max-size <size>', 'bytes on disk at most; without --rotate the capture stops there')
          .default(500 * 1024 * 1024, '500MB')
          .argParser((v) => parseSize(v, '--max-size')),
      )
      .addOption(
        new Option(
          '--rotate <size>',
          'rotate into files of this size, keeping the newest --max-size',
        ).argParser((v) => parseSize(v, '--rotate')),
      )
      .requiredOption('--out <dir>', 'folder for the capture files')
      .addOption(
        new Option('--tool <name>', 'capture program (default: the first found)').choices([
          'tcpdump',
          'dumpcap',
          'tshark',
        ]),
      )
      .option('--analyze', 'analyse the capture afterwards (as kafka-doctor pcap)')
      .addOption(
        new Option('--top <n>', 'rows per table with --analyze')
          .default(20)
          .argParser(parsePositiveInt('--top')),
      )
    addOutputOptions(command)
    command.action(async (flags: CaptureFlags) => {
      if (!flags.bootstrapServer && !flags.port) throw new UsageError('give --bootstrap-server or --port')
      const io = createIo({ json: flags.json ?? false, showPayloads: flags.showPayloads ?? false })
      const { captureTraffic } = await import('../../collect/capture/capture-traffic.js')
      const controller = new AbortController()
      const onSigint = () => controller.abort()
      process.once('SIGINT', onSigint)
      process.once('SIGTERM', onSigint)
      let result: Awaited<ReturnType<typeof captureTraffic>>
      try {
        result = await captureTraffic({
          outDir: flags.out,
          ...(flags.bootstrapServer ? { bootstrap: parseBootstrapServers(flags.bootstrapServer) } : {}),
          ...(flags.port ? { ports: flags.port } : {}),
          interfaceName: flags.interface,
          durationMs: flags.duration,
          maxSizeBytes: flags.maxSize,
          ...(flags.rotate === undefined ? {} : { rotateBytes: flags.rotate }),
          ...(flags.tool ? { tool: flags.tool } : {}),
          signal: controller.signal,
          onProgress: ({ elapsedMs, bytes }) =>
            io.progress(
              `capturing: ${(elapsedMs / 1000).toFixed(0)}/${(flags.duration / 1000).toFixed(0)} s, ` +
                `${(bytes / 1e6).toFixed(1)}/${(flags.maxSize / 1e6).toFixed(0)} MB (Ctrl-C stops and keeps the file)`,
            ),
        })
      } finally {
        process.off('SIGINT', onSigint)
        process.off('SIGTERM', onSigint)
        io.progressDone()
      }
      for (const w of result.warnings) io.warn(w)
      io.info(
        `captured ${result.bytes} bytes in ${(result.elapsedMs / 1000).toFixed(1)} s with ${result.tool} ` +
          `(stopped by ${result.stoppedBy}): ${result.files.join(', ')}`,
      )
      if (!flags.analyze) {
        io.result(result, () => result.files.join('\n'))
        process.exitCode = ExitCode.OK
        return
      }
      const { analyseCaptureFiles } = await import('../../analyse/traffic/analyse-capture.js')
      const { renderTrafficText } = await import('../../report/traffic-text.js')
      const bootstrapPorts = flags.bootstrapServer
        ? parseBootstrapServers(flags.bootstrapServer).map((b) => b.port)
        : []
      const ports = [
        ...new Set([...(flags.port ?? []), ...bootstrapPorts, ...result.brokers.map((b) => b.port)]),
      ]
      const { report } = await analyseCaptureFiles(
        result.files,
        ports.length > 0 ? { brokerPorts: ports } : {},
      )
      io.result({ capture: result, report }, () => renderTrafficText(report, { top: flags.top }))
      process.exitCode = exitCodeForFindings(report.findings)
    })
    return command
  },
}
