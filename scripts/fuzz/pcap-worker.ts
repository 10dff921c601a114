/**
 * The fuzzing loop itself, run in its own process by pcap.ts so that a hang or a memory blow-up can be
 * seen and stopped from outside. Prints one JSON line per second of progress and one at the end.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { isKafkaDoctorError } from '../../src/errors.js'
import { CaptureParser } from '../../src/pcap/capture-parser.js'
import { KafkaCaptureSession } from '../../src/pcap/kafka-capture.js'
import { WarningLog } from '../../src/pcap/warnings.js'
import { mutate } from './pcap-mutate.js'

interface Args {
  seed: number
  start: number
  iterations: number
  deadline: number
  fixtures: string
  failures: string
}

function parseArgs(argv: string[]): Args {
  const get = (name: string, fallback: string) => {
    const i = argv.indexOf(`--${name}`)
    return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback
  }
  return {
    seed: Number(get('seed', '1')),
    start: Number(get('start', '0')),
    iterations: Number(get('iterations', String(Number.MAX_SAFE_INTEGER))),
    deadline: Number(get('deadline', String(Number.MAX_SAFE_INTEGER))),
    fixtures: get('fixtures', 'test/fixtures/pcap'),
    failures: get('failures', '.'),
  }
}

/** Record offsets of a capture (its packets' file offsets), for record-aware mutations. */
function recordOffsets(bytes: Buffer): number[] {
  const offsets: number[] = []
  const parser = new CaptureParser((p) => offsets.push(p.fileOffset), new WarningLog(0))
  parser.push(bytes)
  parser.end()
  return offsets
}

function main(): void {
  const args = parseArgs(process.argv.slice(2))
  const files = readdirSync(args.fixtures).filter((f) => /\.pcap(ng)?$/.test(f))
  const seeds = files.map((f) => readFileSync(join(args.fixtures, f)))
  const offsets = seeds.map(recordOffsets)
  const stats = {
    iterations: 0,
    typedErrors: 0,
    warnings: 0,
    frames: 0,
    maxInputMs: 0,
    slowestInput: '',
    maxRssMb: 0,
  }
  let lastReport = Date.now()
  const report = (extra: Record<string, unknown> = {}) => {
    stats.maxRssMb = Math.max(stats.maxRssMb, Math.round(process.memoryUsage().rss / 1048576))
    process.stdout.write(`${JSON.stringify({ ...stats, ...extra })}\n`)
  }
  for (let i = args.start; i < args.start + args.iterations && Date.now() < args.deadline; i++) {
    const { input, applied, chunkSize } = mutate(seeds, offsets, args.seed, i)
    const started = performance.now()
    try {
      const session = new KafkaCaptureSession({ brokerPorts: [19092, 19094], maxWarnings: 5 })
      for (let off = 0; off < input.length; off += chunkSize)
        session.push(input.subarray(off, off + chunkSize))
      const summary = session.end()
      stats.warnings += summary.warnings.length
      stats.frames += summary.framing.requests.frames + summary.framing.responses.frames
    } catch (error) {
      if (isKafkaDoctorError(error)) stats.typedErrors++
      else {
        const file = join(args.failures, `pcap-fuzz-failure-${args.seed}-${i}.bin`)
        writeFileSync(file, input)
        report({
          failure: {
            iteration: i,
            applied,
            chunkSize,
            file,
            error: String((error as Error)?.stack ?? error),
          },
        })
        process.exitCode = 1
        return
      }
    }
    const took = performance.now() - started
    if (took > stats.maxInputMs) {
      stats.maxInputMs = Math.round(took * 10) / 10
      stats.slowestInput = `#${i} ${applied.join('+')} ${input.length} B in chunks of ${chunkSize}`
    }
    stats.iterations++
    if (Date.now() - lastReport >= 1000) {
      lastReport = Date.now()
      report()
    }
  }
  report({ done: true })
}

main()
