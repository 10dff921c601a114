import { readFileSync, readlinkSync } from 'node:fs'
import { BadInputError, NotFoundError, UsageError } from '../../errors.js'

/**
 * What kafka-doctor needs to know about the target process before it reads its threads or attaches
 * to it: that it exists, that it is a HotSpot JVM, whose it is, and whether it lives in another mount
 * namespace (a container), where `/tmp/.java_pid<pid>` is not our `/tmp`.
 * The command line is deliberately not kept: it often carries passwords (`-Dssl.keystore.password=…`).
 */
export interface JvmTarget {
  pid: number
  /** The process name from /proc/<pid>/status (`java`). */
  name: string
  /** Real path of the executable, when readable (`/usr/lib/jvm/java-17-openjdk-amd64/bin/java`). */
  exe?: string
  uid: number
  gid: number
  /** The user name for `uid`, from /etc/passwd when present. */
  user?: string
  /** The pid inside the process's own pid namespace (last `NSpid` value); equals `pid` on the host. */
  nsPid: number
  /** True when the process's mount namespace differs from ours (it runs in a container). */
  otherMountNamespace: boolean
}

export interface InspectOptions {
  procRoot?: string
}

export function parsePid(value: string | number): number {
  const pid = typeof value === 'number' ? value : Number(value)
  if (!Number.isInteger(pid) || pid <= 0 || pid > 4_194_304) {
    throw new UsageError(`invalid pid '${value}'`, { hint: 'give the JVM process id, e.g. from `jps -l`' })
  }
  return pid
}

export function inspectJvm(pidValue: number, options: InspectOptions = {}): JvmTarget {
  const pid = parsePid(pidValue)
  const proc = `${options.procRoot ?? '/proc'}/${pid}`
  let status: string
  try {
    status = readFileSync(`${proc}/status`, 'utf8')
  } catch {
    throw new NotFoundError(`no such process ${pid}`, {
      hint: 'check the pid with `jps -l` or `pgrep -a java`',
    })
  }
  const field = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim()
  const name = field('Name') ?? '?'
  const uid = Number(field('Uid')?.split(/\s+/)[1] ?? Number.NaN) // effective uid
  const gid = Number(field('Gid')?.split(/\s+/)[1] ?? Number.NaN)
  const nsPids = (field('NSpid') ?? String(pid)).split(/\s+/).map(Number)
  const nsPid = nsPids[nsPids.length - 1] ?? pid

  const exe = readLink(`${proc}/exe`)
  if (!looksLikeJvm(proc, exe, name)) {
    throw new BadInputError(`process ${pid} (${name}) is not a JVM: no libjvm.so is mapped`, {
      hint: 'give the pid of the Java process (`jps -l` lists them)',
    })
  }
  const target: JvmTarget = {
    pid,
    name,
    uid,
    gid,
    nsPid,
    otherMountNamespace: differentNamespace(`${proc}/ns/mnt`, `${options.procRoot ?? '/proc'}/self/ns/mnt`),
  }
  if (exe) target.exe = exe
  const user = userName(uid)
  if (user) target.user = user
  return target
}

function readLink(path: string): string | undefined {
  try {
    return readlinkSync(path)
  } catch {
    return undefined
  }
}

/** libjvm.so in the memory map is the reliable sign (launchers are not always called `java`). */
function looksLikeJvm(proc: string, exe: string | undefined, name: string): boolean {
  try {
    const maps = readFileSync(`${proc}/maps`, 'latin1')
    return maps.includes('/libjvm.so')
  } catch {
    // maps is unreadable for other users' processes without root: fall back to the name.
    return /(^|\/)(java|jsvc)$/.test(exe ?? name)
  }
}

function differentNamespace(a: string, b: string): boolean {
  const left = readLink(a)
  const right = readLink(b)
  return left !== undefined && right !== undefined && left !== right
}

function userName(uid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const parts = line.split(':')
      if (Number(parts[2]) === uid) return parts[0]
    }
  } catch {
    // no passwd file (minimal container): the uid is enough
  }
  return undefined
}
