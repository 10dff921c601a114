/**
 * Fuzzes the capture pipeline (reader → link/IP → TCP reassembly → Kafka framing and pairing) with
 * mutated real captures. The loop runs in a child process; this supervisor stops it when it makes no
 * progress for `--hang-ms` (a hang) or grows beyond `--max-rss-mb`, and reports the input that did it.
 *
 *   npm run fuzz:pcap -- --seconds 20
 *   npm run fuzz:pcap -- --iterations 1000000 --seed 7
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export interface FuzzOptions {
  seconds?: number
  iterations?: number
  seed?: number
  /** No progress line for this long = a hang (default 10 s). */
  hangMs?: number
  maxRssMb?: number
  /** Time one input may take (default 5 s: far above the ~1 ms an input takes, so only a real blow-up, not a GC pause on a busy machine, trips it). */
  maxInputMs?: number
}

export interface FuzzResult {
  ok: boolean
  iterations: number
  typedErrors: number
  warnings: number
  frames: number
  maxInputMs: number
  /** Which input took longest (replay with the same seed). */
  slowestInput: string
  maxRssMb: number
  seconds: number
  problem?: string
}

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..', '..')

export function runPcapFuzz(options: FuzzOptions = {}): Promise<FuzzResult> {
  const seed = options.seed ?? 1
  const hangMs = options.hangMs ?? 10_000
  const maxRssMb = options.maxRssMb ?? 512
  const maxInputMs = options.maxInputMs ?? 5000
  const failures = mkdtempSync(join(tmpdir(), 'kd-fuzz-'))
  const args = [
    '--import',
    'tsx',
    join(here, 'pcap-worker.ts'),
    '--seed',
    String(seed),
    '--failures',
    failures,
  ]
  args.push('--fixtures', join(root, 'test', 'fixtures', 'pcap'))
  if (options.iterations !== undefined) args.push('--iterations', String(options.iterations))
  if (options.seconds !== undefined) args.push('--deadline', String(Date.now() + options.seconds * 1000))
  const started = Date.now()
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
  let last: Partial<FuzzResult> & { failure?: unknown; done?: boolean } = {}
  let problem: string | undefined
  let lastLine = Date.now()
  const stop = (why: string) => {
    problem ??= why
    child.kill('SIGKILL')
  }
  const watchdog = setInterval(() => {
    if (Date.now() - lastLine > hangMs)
      stop(`no progress for ${hangMs} ms after ${last.iterations ?? 0} inputs (hang)`)
  }, 500)
  createInterface({ input: child.stdout }).on('line', (line) => {
    lastLine = Date.now()
    try {
      last = JSON.parse(line)
    } catch {
      return
    }
    if (last.failure) problem ??= `exception: ${JSON.stringify(last.failure)}`
    if ((last.maxRssMb ?? 0) > maxRssMb) stop(`memory grew to ${last.maxRssMb} MB`)
    if ((last.maxInputMs ?? 0) > maxInputMs) stop(`one input took ${last.maxInputMs} ms`)
  })
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearInterval(watchdog)
      if (!problem && code !== 0) problem = `fuzz worker exited with ${code}`
      if (!problem && !last.done) problem = 'fuzz worker ended without finishing'
      resolve({
        ok: problem === undefined,
        iterations: last.iterations ?? 0,
        typedErrors: last.typedErrors ?? 0,
        warnings: last.warnings ?? 0,
        frames: last.frames ?? 0,
        maxInputMs: last.maxInputMs ?? 0,
        slowestInput: last.slowestInput ?? '',
        maxRssMb: last.maxRssMb ?? 0,
        seconds: Math.round((Date.now() - started) / 100) / 10,
        ...(problem ? { problem } : {}),
      })
    })
  })
}

function flag(argv: string[], name: string): number | undefined {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? Number(argv[i + 1]) : undefined
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2)
  const options: FuzzOptions = {}
  for (const name of ['seconds', 'iterations', 'seed', 'hang-ms', 'max-rss-mb'] as const) {
    const value = flag(argv, name)
    if (value === undefined) continue
    if (name === 'hang-ms') options.hangMs = value
    else if (name === 'max-rss-mb') options.maxRssMb = value
    else options[name] = value
  }
  if (options.seconds === undefined && options.iterations === undefined) options.seconds = 20
  const result = await runPcapFuzz(options)
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
  process.exitCode = result.ok ? 0 : 1
}
