import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

/**
 * Wireshark's command-line tools are the reference the pcap layer is checked against: what tshark
 * counts, reassembles and dissects on the same file is what kafka-doctor must find.
 */
const run = promisify(execFile)

export function tsharkAvailable(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

export interface TsharkOptions {
  /** Display filter (-Y). */
  filter?: string
  /** Ports to dissect as Kafka (`-d tcp.port==P,kafka`). */
  kafkaPorts?: readonly number[]
  /** Two-pass analysis (-2), needed for fields that depend on later packets. */
  twoPass?: boolean
}

/** One row per packet, one string per field; several occurrences of a field are joined with ','. */
export async function tsharkFields(file: string, fields: readonly string[], options: TsharkOptions = {}) {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,']
  for (const port of options.kafkaPorts ?? []) args.push('-d', `tcp.port==${port},kafka`)
  if (options.twoPass) args.push('-2')
  if (options.filter) args.push('-Y', options.filter)
  for (const field of fields) args.push('-e', field)
  const { stdout } = await run('tshark', args, { maxBuffer: 256 * 1024 * 1024 })
  return stdout
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'))
}

export async function tsharkPacketCount(file: string): Promise<number> {
  return (await tsharkFields(file, ['frame.number'])).length
}

export interface KafkaRequestFields {
  apiKey: number
  apiVersion: number
  correlationId: number
  clientId: string
}

/** Every Kafka request tshark's dissector finds (packets towards the broker ports), in capture order. */
export async function tsharkKafkaRequests(
  file: string,
  port: number | readonly number[],
): Promise<KafkaRequestFields[]> {
  const ports = typeof port === 'number' ? [port] : port
  const rows = await tsharkFields(
    file,
    ['kafka.api_key', 'kafka.api_version', 'kafka.correlation_id', 'kafka.client_id'],
    { kafkaPorts: ports, filter: `kafka && tcp.dstport in {${ports.join(', ')}}` },
  )
  const requests: KafkaRequestFields[] = []
  for (const [keys = '', versions = '', ids = '', clients = ''] of rows) {
    const k = keys.split(',')
    const v = versions.split(',')
    const c = ids.split(',')
    const n = clients.split(',')
    for (let i = 0; i < k.length; i++)
      requests.push({
        apiKey: Number(k[i]),
        apiVersion: Number(v[i]),
        correlationId: Number(c[i]),
        clientId: n[i] ?? '',
      })
  }
  return requests
}

/** Kafka PDUs per direction as tshark counts them (requests towards the broker ports, responses from them). */
export async function tsharkKafkaFrameCounts(file: string, port: number | readonly number[]) {
  const ports = typeof port === 'number' ? [port] : port
  const set = `{${ports.join(', ')}}`
  const count = async (filter: string) =>
    (await tsharkFields(file, ['kafka.len'], { kafkaPorts: ports, filter })).reduce(
      (sum, [lengths = '']) => sum + lengths.split(',').length,
      0,
    )
  return {
    requests: await count(`kafka && tcp.dstport in ${set}`),
    responses: await count(`kafka && tcp.srcport in ${set}`),
  }
}

/**
 * The reassembled payload of every TCP stream, per direction, as `tshark -z follow,tcp,raw` gives it:
 * key `clientPort>serverPort` of the first packet's direction, value the hex bytes sent that way.
 */
export async function tsharkFollowTcp(
  file: string,
  extraArgs: readonly string[] = [],
): Promise<Map<number, { a: string; b: string; aPort: number }>> {
  const streams = (await tsharkFields(file, ['tcp.stream'], { filter: 'tcp' })).map(([s = '']) => Number(s))
  const ids = [...new Set(streams)].sort((x, y) => x - y)
  const result = new Map<number, { a: string; b: string; aPort: number }>()
  if (ids.length === 0) return result
  const args = ['-r', file, '-q', ...extraArgs]
  for (const id of ids) args.push('-z', `follow,tcp,raw,${id}`)
  const { stdout } = await run('tshark', args, { maxBuffer: 256 * 1024 * 1024 })
  // Each block: "Follow: tcp,raw", "Filter: tcp.stream eq N", "Node 0: ip:port", "Node 1: ...", then
  // lines of hex, those of node 1 indented with a tab.
  const blocks = stdout.split('===================================================================')
  for (const block of blocks) {
    const filter = /Filter: tcp\.stream eq (\d+)/.exec(block)
    const node0 = /Node 0: .*:(\d+)\n/.exec(block)
    if (!filter || !node0) continue
    let a = ''
    let b = ''
    for (const line of block.split('\n').slice(5)) {
      if (!/^\t?[0-9a-f]+$/.test(line)) continue
      if (line.startsWith('\t')) b += line.slice(1)
      else a += line
    }
    result.set(Number(filter[1]), { a, b, aPort: Number(node0[1]) })
  }
  return result
}
