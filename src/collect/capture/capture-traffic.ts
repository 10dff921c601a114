/**
 * `kafka-doctor capture` as a library call, also used by `diagnose` to put a capture into an evidence
 * bundle: find the brokers (Metadata, read-only), build the BPF filter, run tcpdump/dumpcap/tshark
 * without a shell under time and size bounds, stop it cleanly (early on an abort signal, e.g. Ctrl-C),
 * and return the files written. Everything captured before a stop is kept.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { lookup } from 'node:dns/promises'
import { constants } from 'node:fs'
import { access, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { basename, extname, join } from 'node:path'
import {
  CollectError,
  isKafkaDoctorError,
  type KafkaDoctorError,
  NotFoundError,
  PermissionError,
  TimeoutError,
  UsageError,
} from '../../errors.js'
import type { BrokerAddress } from '../../net/address.js'
import { ClusterClient } from '../../net/cluster-client.js'
import { type BrokerTarget, buildBpfFilter } from './bpf-filter.js'
import {
  type CaptureTool,
  type CaptureToolName,
  captureArgs,
  captureToolVersion,
  findCaptureTool,
} from './capture-tool.js'

export interface CaptureTrafficOptions {
  /** Folder for the capture files (created if missing). */
  outDir: string
  /** Find the brokers through Metadata; their addresses make the filter. */
  bootstrap?: readonly BrokerAddress[]
  /** Ports to capture (with or without bootstrap). */
  ports?: readonly number[]
  /** Network interface (default `any`: every interface, loopback included). */
  interfaceName?: string
  durationMs: number
  /** Bytes on disk at most (default 500 MB). */
  maxSizeBytes?: number
  /** Rotate into files of this size, keeping the newest `maxSizeBytes` (a ring of files). */
  rotateBytes?: number
  /** Bytes kept per packet; 0 (default) keeps whole packets, which decoding needs. */
  snaplen?: number
  /** Use this tool instead of the first found (tcpdump, dumpcap, tshark). */
  tool?: CaptureToolName
  /** File name inside outDir (default `kafka.pcap`, or `kafka.pcapng` for dumpcap/tshark). */
  fileName?: string
  /** Stops the capture early; what was captured is kept. */
  signal?: AbortSignal
  onProgress?: (progress: { elapsedMs: number; bytes: number; files: number }) => void
  /** Bound on reaching the cluster for Metadata (default 10 s). */
  metadataTimeoutMs?: number
}

export type CaptureStop = 'duration' | 'max-size' | 'signal' | 'tool-exited'

export interface CaptureTrafficResult {
  tool: CaptureToolName
  toolPath: string
  toolVersion: string | undefined
  interfaceName: string
  filter: string
  /** The brokers the filter targets (from Metadata), empty when only ports were given. */
  brokers: BrokerTarget[]
  /** Capture files written, oldest first, as absolute or outDir-joined paths. */
  files: string[]
  bytes: number
  startedAt: string
  elapsedMs: number
  stoppedBy: CaptureStop
  /** What did not go as planned but did not stop the capture (Metadata unreachable, …). */
  warnings: string[]
}

const defaultMaxSize = 500 * 1024 * 1024
const startTimeoutMs = 10_000
const stopTimeoutMs = 10_000
const pollMs = 100

/** Runs a bounded capture; throws a KafkaDoctorError (with a hint) when the capture cannot start. */
export async function captureTraffic(options: CaptureTrafficOptions): Promise<CaptureTrafficResult> {
  if (!(options.durationMs > 0)) throw new UsageError('--duration must be positive')
  const maxSizeBytes = options.maxSizeBytes ?? defaultMaxSize
  if (options.rotateBytes !== undefined && options.rotateBytes > maxSizeBytes)
    throw new UsageError('--rotate must not be larger than --max-size')
  const tool = await findCaptureTool(options.tool)
  if (!tool)
    throw new NotFoundError(
      options.tool ? `${options.tool} not found` : 'no capture tool found (tcpdump, dumpcap or tshark)',
      {
        hint: 'install one: apt-get install tcpdump (or tshark / wireshark-common for dumpcap)',
      },
    )
  const warnings: string[] = []
  const discovered = options.bootstrap?.length ? await discoverBrokers(options, warnings) : undefined
  const brokers = discovered?.brokers ?? []
  const ports = [...(options.ports ?? []), ...(discovered?.portsOnly ?? [])]
  const filter = buildBpfFilter({ brokers, ports })
  const interfaceName = options.interfaceName ?? 'any'
  await prepareOutDir(options.outDir)
  const fileName = options.fileName ?? (tool.name === 'tcpdump' ? 'kafka.pcap' : 'kafka.pcapng')
  const file = join(options.outDir, fileName)
  await removeOldFiles(options.outDir, fileName)
  const args = captureArgs(tool.name, {
    interfaceName,
    filter,
    file,
    maxSizeBytes,
    rotateBytes: options.rotateBytes,
    durationMs: options.durationMs,
    snaplen: options.snaplen ?? 0,
  })
  const toolVersion = await captureToolVersion(tool)
  const startedAt = new Date()
  const child = spawn(tool.path, args, { stdio: ['ignore', 'ignore', 'pipe'] })
  const stderr = collectStderr(child)
  await waitUntilCapturing(child, tool, stderr, file, interfaceName)
  const started = Date.now()
  const stoppedBy = await runUntilBound(child, tool.name, options, file, fileName, started)
  await stopTool(child)
  if (stoppedBy === 'tool-exited' && child.exitCode !== 0)
    warnings.push(`${tool.name} exited with ${child.exitCode}: ${stderr.tail()}`)
  // Without rotation the tool was told to rotate at max-size only so that we see the bound reached:
  // the file it opened after it is past the bound and goes.
  if (options.rotateBytes === undefined && tool.name === 'tcpdump')
    for (const extra of await captureFiles(options.outDir, fileName))
      if (extra !== file) await rm(extra, { force: true })
  const files = await captureFiles(options.outDir, fileName)
  let bytes = 0
  for (const f of files)
    bytes += await stat(f).then(
      (s) => s.size,
      () => 0,
    )
  const result: CaptureTrafficResult = {
    tool: tool.name,
    toolPath: tool.path,
    toolVersion,
    interfaceName,
    filter,
    brokers,
    files,
    bytes,
    startedAt: startedAt.toISOString(),
    elapsedMs: Date.now() - started,
    stoppedBy,
    warnings,
  }
  await writeFile(
    join(options.outDir, `${basename(fileName, extname(fileName))}.capture.json`),
    `${JSON.stringify({ ...result, files: files.map((f) => basename(f)) }, null, 2)}\n`,
  )
  return result
}

async function prepareOutDir(outDir: string): Promise<void> {
  try {
    await mkdir(outDir, { recursive: true })
    await access(outDir, constants.W_OK)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')
      throw new PermissionError(`cannot write to ${outDir}`, {
        hint: 'choose an --out folder you can write to',
        cause: error,
      })
    throw new CollectError(`cannot create ${outDir}: ${code ?? error}`, { cause: error })
  }
}

/** Broker addresses from a Metadata answer, host names resolved to IPs (the bootstrap ones too). */
async function discoverBrokers(
  options: CaptureTrafficOptions,
  warnings: string[],
): Promise<{ brokers: BrokerTarget[]; portsOnly: number[] }> {
  const bootstrap = options.bootstrap ?? []
  let named: BrokerTarget[] = [...bootstrap]
  let client: ClusterClient | undefined
  try {
    const timeout = options.metadataTimeoutMs ?? 10_000
    client = await ClusterClient.connect({ bootstrap, connectTimeoutMs: timeout, requestTimeoutMs: timeout })
    named = [...named, ...[...client.brokers.values()].map((b) => ({ host: b.host, port: b.port }))]
  } catch (error) {
    if (!isKafkaDoctorError(error)) throw error
    // Unreachable cluster: capture the bootstrap ports on any host.
    warnings.push(
      `brokers not learnt from Metadata (${error.message}); capturing the bootstrap ports on any host`,
    )
    return { brokers: [], portsOnly: bootstrap.map((b) => b.port) }
  } finally {
    await client?.close().catch(() => {})
  }
  const targets = new Map<string, BrokerTarget>()
  for (const broker of named) {
    const ips = isIP(broker.host)
      ? [broker.host]
      : await lookup(broker.host, { all: true }).then(
          (all) => all.map((a) => a.address),
          () => {
            warnings.push(`cannot resolve broker host ${broker.host}; capturing its port on any host`)
            return [] as string[]
          },
        )
    if (ips.length === 0) targets.set(`*:${broker.port}`, { host: '', port: broker.port })
    for (const ip of ips) targets.set(`${ip}:${broker.port}`, { host: ip, port: broker.port })
  }
  return {
    brokers: [...targets.values()].filter((t) => t.host !== ''),
    portsOnly: [...targets.values()].filter((t) => t.host === '').map((t) => t.port),
  }
}

function collectStderr(child: ChildProcess) {
  let text = ''
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString()
    if (text.length > 64_000) text = text.slice(-32_000)
  })
  return {
    get text() {
      return text
    },
    tail: () => text.trim().split('\n').slice(-3).join(' | '),
  }
}

async function waitUntilCapturing(
  child: ChildProcess,
  tool: CaptureTool,
  stderr: ReturnType<typeof collectStderr>,
  file: string,
  interfaceName: string,
): Promise<void> {
  const ready = /listening on|Capturing on/
  await new Promise<void>((resolve, reject) => {
    let done = false
    const finish = (error?: KafkaDoctorError) => {
      if (done) return
      done = true
      clearTimeout(timer)
      clearInterval(poll)
      if (error) reject(error)
      else resolve()
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish(
        new TimeoutError(`${tool.name} did not start capturing within ${startTimeoutMs / 1000} s`, {
          hint: stderr.tail() || 'check the interface and the filter',
        }),
      )
    }, startTimeoutMs)
    // dumpcap says "Capturing on" before it finds out it may not: a capture counts as started when
    // the tool is still running a moment after saying so.
    let confirming = false
    const poll = setInterval(() => {
      if (confirming || !ready.test(stderr.text)) return
      confirming = true
      setTimeout(() => {
        if (child.exitCode === null && child.signalCode === null) finish()
      }, 300)
    }, 20)
    child.once('error', (error) =>
      finish(new CollectError(`cannot run ${tool.path}: ${error.message}`, { cause: error })),
    )
    child.once('exit', () => {
      // Give the last stderr bytes a moment to arrive before classifying.
      setTimeout(() => finish(startFailure(tool, stderr.text, file, interfaceName)), 50)
    })
  })
}

/** Why the tool exited before capturing, as an error that says what to do. */
export function startFailure(
  tool: CaptureTool,
  stderr: string,
  file: string,
  interfaceName: string,
): KafkaDoctorError {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !/^(listening on|Capturing on)/.test(l))
  const telling = lines.find((l) => /permission|denied|not permitted|No such device|syntax error/i.test(l))
  const said = telling ?? lines.slice(-2).join(' | ')
  if (/permission to capture|Operation not permitted|not permitted|cap_net_raw/i.test(stderr))
    return new PermissionError(`${tool.name} may not capture on ${interfaceName}: ${said}`, {
      hint: permissionHint(tool),
    })
  if (/Permission denied/i.test(stderr) && stderr.includes(basename(file)))
    return new PermissionError(`${tool.name} cannot write ${file}: ${said}`, {
      hint: 'choose an --out folder the capturing user can write to',
    })
  if (/Permission denied/i.test(stderr))
    return new PermissionError(`${tool.name} was refused: ${said}`, { hint: permissionHint(tool) })
  if (/No such device|doesn't exist|no suitable device|not found/i.test(stderr))
    return new NotFoundError(`no network interface ${interfaceName}: ${said}`, {
      hint: `list interfaces with '${tool.name} -D' and pass one with --interface`,
    })
  if (/syntax error|can't parse filter|illegal/i.test(stderr))
    return new UsageError(`the capture filter was rejected: ${said}`)
  return new CollectError(`${tool.name} exited before capturing: ${said || 'no message'}`)
}

export function permissionHint(tool: CaptureTool): string {
  const base =
    `run as root (sudo), or give ${tool.name} the capture capabilities once: ` +
    `sudo setcap cap_net_raw,cap_net_admin=eip $(command -v ${tool.name === 'tshark' ? 'dumpcap' : tool.name})`
  return tool.name === 'tcpdump'
    ? base
    : `${base}; or join the wireshark group: sudo usermod -aG wireshark $USER (then log in again)`
}

async function runUntilBound(
  child: ChildProcess,
  toolName: CaptureToolName,
  options: CaptureTrafficOptions,
  file: string,
  fileName: string,
  started: number,
): Promise<CaptureStop> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve()
    else child.once('exit', () => resolve())
  })
  let stop: CaptureStop | undefined
  const aborted = new Promise<void>((resolve) => {
    if (options.signal?.aborted) resolve()
    options.signal?.addEventListener('abort', () => resolve(), { once: true })
  })
  while (stop === undefined) {
    const elapsed = Date.now() - started
    const left = options.durationMs - elapsed
    if (left <= 0) {
      stop = 'duration'
      break
    }
    const outcome = await Promise.race([
      exited.then(() => 'exited' as const),
      aborted.then(() => 'aborted' as const),
      new Promise<'tick'>((resolve) => setTimeout(() => resolve('tick'), Math.min(pollMs, left))),
    ])
    if (outcome === 'aborted') stop = 'signal'
    else if (outcome === 'exited') {
      // dumpcap and tshark stop themselves at their -a bounds; tcpdump only when something failed.
      const ownBound = toolName !== 'tcpdump'
      const nearEnd = Date.now() - started >= options.durationMs - 1500
      stop = ownBound ? (nearEnd ? 'duration' : 'max-size') : 'tool-exited'
    } else {
      const files = await captureFiles(options.outDir, fileName)
      if (options.rotateBytes === undefined && files.some((f) => f !== file)) stop = 'max-size'
      if (options.onProgress) {
        let bytes = 0
        for (const f of files)
          bytes += await stat(f).then(
            (s) => s.size,
            () => 0,
          )
        options.onProgress({ elapsedMs: Date.now() - started, bytes, files: files.length })
      }
    }
  }
  return stop
}

async function stopTool(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  // SIGINT: tcpdump and dumpcap flush and close their files on it.
  child.kill('SIGINT')
  const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs)
  await exited
  clearTimeout(timer)
}

/** The files of this capture in outDir (rotated ones included), oldest first. */
async function captureFiles(outDir: string, fileName: string): Promise<string[]> {
  const stem = basename(fileName, extname(fileName))
  const entries = await readdir(outDir).catch(() => [] as string[])
  const mine = entries.filter(
    (name) =>
      (name === fileName || name.startsWith(fileName) || name.startsWith(`${stem}_`)) &&
      !name.endsWith('.json'),
  )
  const withTimes = await Promise.all(
    mine.map(async (name) => {
      const path = join(outDir, name)
      const s = await stat(path).catch(() => undefined)
      return { path, mtime: s?.mtimeMs ?? 0, isFile: s?.isFile() ?? false }
    }),
  )
  return withTimes
    .filter((f) => f.isFile)
    .sort((a, b) => a.mtime - b.mtime || a.path.localeCompare(b.path))
    .map((f) => f.path)
}

/** Files of an earlier capture with the same name would be mistaken for this one's. */
async function removeOldFiles(outDir: string, fileName: string): Promise<void> {
  for (const f of await captureFiles(outDir, fileName)) await rm(f, { force: true })
}
