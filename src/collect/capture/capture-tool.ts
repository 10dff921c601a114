/**
 * Which packet-capture program to run. tcpdump is preferred (smallest, on most servers); dumpcap (the
 * capture engine of Wireshark) and tshark (which runs dumpcap) are used when it is missing. They take
 * different flags for the same bounds, so each has its own argument builder.
 */
import { execFile } from 'node:child_process'
import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { delimiter, join } from 'node:path'

export const captureToolNames = ['tcpdump', 'dumpcap', 'tshark'] as const
export type CaptureToolName = (typeof captureToolNames)[number]

export interface CaptureTool {
  name: CaptureToolName
  path: string
}

/** The first capture tool found on PATH (or the one asked for), or undefined. */
export async function findCaptureTool(
  preferred?: CaptureToolName,
  path = process.env.PATH ?? '',
): Promise<CaptureTool | undefined> {
  const names = preferred ? [preferred] : captureToolNames
  const dirs = [...path.split(delimiter).filter(Boolean), '/usr/sbin', '/usr/bin', '/sbin']
  for (const name of names)
    for (const dir of dirs) {
      const candidate = join(dir, name)
      try {
        await access(candidate, constants.X_OK)
        return { name, path: candidate }
      } catch {}
    }
  return undefined
}

export interface CaptureBounds {
  interfaceName: string
  filter: string
  /** The capture file (tcpdump: its rotated files get a number appended). */
  file: string
  /** Total bytes kept on disk. */
  maxSizeBytes: number
  /** Size of each file when rotating (a ring of files holding the newest traffic), else undefined. */
  rotateBytes: number | undefined
  durationMs: number
  /** Snapshot length per packet (0 = whole packets). */
  snaplen: number
}

/**
 * The argument list for the tool. tcpdump counts -C in millions of bytes and rotates once a file is
 * *larger* than that; dumpcap's filesize is in kB (1000 bytes). Without rotation the single file is
 * bounded by letting the tool rotate at max-size and stopping it at the first rotation
 * (capture-traffic.ts), so the bound holds to within one packet.
 */
export function captureArgs(tool: CaptureToolName, bounds: CaptureBounds): string[] {
  const { interfaceName, filter, file, maxSizeBytes, rotateBytes, durationMs, snaplen } = bounds
  if (tool === 'tcpdump') {
    const args = ['-i', interfaceName, '-s', String(snaplen), '-n', '-U', '-w', file]
    // Root would otherwise hand the file to the tcpdump user (Debian's -Z default), which may not be
    // able to write into the output folder.
    if (process.getuid?.() === 0) args.push('-Z', 'root')
    if (rotateBytes !== undefined) {
      const files = Math.max(1, Math.floor(maxSizeBytes / rotateBytes))
      args.push('-C', String(Math.max(1, Math.floor(rotateBytes / 1e6))), '-W', String(files))
    } else args.push('-C', String(Math.max(1, Math.floor(maxSizeBytes / 1e6))))
    args.push(filter)
    return args
  }
  const args = ['-i', interfaceName, '-s', String(snaplen === 0 ? 262144 : snaplen), '-f', filter, '-w', file]
  args.push('-a', `duration:${Math.max(1, Math.ceil(durationMs / 1000))}`)
  if (rotateBytes !== undefined) {
    const files = Math.max(1, Math.floor(maxSizeBytes / rotateBytes))
    args.push('-b', `filesize:${Math.max(1, Math.floor(rotateBytes / 1000))}`, '-b', `files:${files}`)
  } else args.push('-a', `filesize:${Math.max(1, Math.floor(maxSizeBytes / 1000))}`)
  if (tool === 'tshark') args.push('-q')
  return args
}

/** The tool's version line, for the capture's record (bounded: 5 s). */
export function captureToolVersion(tool: CaptureTool): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(tool.path, ['--version'], { timeout: 5000 }, (error, stdout, stderr) => {
      if (error && !stdout && !stderr) resolve(undefined)
      else resolve(`${stdout}${stderr}`.split('\n').find((l) => l.trim().length > 0))
    })
  })
}
