/**
 * The human report of `kafka-doctor pcap`: a summary, then the tables an operator reads top-down
 * (who talks to whom how often and how fast, which errors, how the consumers fetch), then the findings
 * with their evidence and remedies. Tables are Kafka-tool style (src/cli/table.ts).
 */
import type { TrafficReport } from '../analyse/traffic/traffic-report.js'
import { formatTable } from '../cli/table.js'

export interface TrafficTextOptions {
  /** Rows per table (default 20); the JSON output always has everything. */
  top?: number
}

export function renderTrafficText(report: TrafficReport, options: TrafficTextOptions = {}): string {
  const top = options.top ?? 20
  const out: string[] = []
  const bytes = report.files.reduce((sum, f) => sum + f.bytesRead, 0)
  const packets = report.files.reduce((sum, f) => sum + f.packets, 0)
  const requests = report.apiKeys.reduce((sum, a) => sum + a.requests, 0)
  const responses = report.apiKeys.reduce((sum, a) => sum + a.responses, 0)
  out.push('SUMMARY')
  out.push(
    `${report.files.length} file(s), ${formatBytes(bytes)}, ${packets} packets, ${report.durationS} s of Kafka traffic` +
      (report.start ? ` from ${report.start}` : ''),
  )
  out.push(
    `${requests} requests, ${responses} responses paired, ${report.exchanges.unmatchedResponses} responses without ` +
      `their request, ${Object.values(report.exchanges.unanswered).reduce((a, b) => a + b, 0)} requests unanswered` +
      (report.decodeErrors.count > 0 ? `, ${report.decodeErrors.count} frames not decodable` : ''),
  )
  for (const client of report.clients.slice(0, top))
    out.push(
      `client ${client.clientId || '-'}@${client.clientAddress}: ${client.requests} requests on ${client.connections} ` +
        `connection(s)${client.software ? `, ${client.software.name} ${client.software.version}` : ''}`,
    )
  const truncated = Object.entries(report.truncatedTables).filter(([, n]) => n > 0)
  if (truncated.length > 0)
    out.push(`tables capped (rows not kept): ${truncated.map(([t, n]) => `${t} ${n}`).join(', ')}`)

  out.push('', 'REQUESTS (client × broker × api)')
  out.push(
    formatTable(
      [
        'CLIENT',
        'ADDRESS',
        'BROKER',
        'API',
        'REQUESTS',
        'RATE/S',
        'P50-MS',
        'P95-MS',
        'P99-MS',
        'MAX-MS',
        'ERRORS',
        'THROTTLED',
      ],
      report.flows
        .slice(0, top)
        .map((f) => [
          f.clientId,
          f.clientAddress,
          brokerCell(f.broker, f.brokerId),
          f.api,
          f.requests,
          f.ratePerS,
          f.latency.p50Ms,
          f.latency.p95Ms,
          f.latency.p99Ms,
          f.latency.maxMs,
          f.errorResponses,
          f.throttledResponses,
        ]),
    ),
  )
  more(out, report.flows.length, top)

  if (report.errors.length > 0) {
    out.push('', 'ERRORS (api × topic-partition × error)')
    out.push(
      formatTable(
        ['API', 'TOPIC', 'PARTITION', 'ERROR', 'CODE', 'COUNT', 'FIRST-S', 'LAST-S', 'BROKERS', 'CLIENTS'],
        report.errors
          .slice(0, top)
          .map((e) => [
            e.api,
            e.topic,
            e.partition,
            e.error,
            e.code,
            e.count,
            e.firstT,
            e.lastT,
            e.brokers.join(','),
            e.clients.join(','),
          ]),
      ),
    )
    more(out, report.errors.length, top)
  }

  if (report.fetch.clients.length > 0) {
    out.push('', 'FETCH (per client and broker, with the settings the client sent)')
    out.push(
      formatTable(
        [
          'CLIENT',
          'BROKER',
          'FETCHES',
          'RATE/S',
          'EMPTY',
          'ERRORED',
          'P50-MS',
          'MAX-WAIT-MS',
          'MIN-BYTES',
          'MAX-BYTES',
          'ISOLATION',
        ],
        report.fetch.clients
          .slice(0, top)
          .map((f) => [
            `${f.clientId}@${f.clientAddress}`,
            brokerCell(f.broker, f.brokerId),
            f.fetches,
            f.ratePerS,
            percent(f.emptyRatio),
            percent(f.erroredRatio),
            f.latency.p50Ms,
            f.settings?.maxWaitMs,
            f.settings?.minBytes,
            f.settings?.maxBytes,
            f.settings?.isolationLevel,
          ]),
      ),
    )
    more(out, report.fetch.clients.length, top)
    const partitions = report.fetch.partitions.filter((p) => p.fetches > 0)
    if (partitions.length > 0) {
      out.push('', 'FETCHED PARTITIONS (HW / LSO / log start as the broker last reported them)')
      out.push(
        formatTable(
          [
            'TOPIC',
            'PARTITION',
            'FETCHES',
            'RATE/S',
            'EMPTY',
            'RECORDS',
            'BYTES',
            'HW',
            'LSO',
            'LOG-START',
            'ERRORS',
            'LEADER-HINT',
          ],
          [...partitions]
            .sort((a, b) => b.fetches - a.fetches)
            .slice(0, top)
            .map((p) => {
              const last = p.watermarks.at(-1)
              return [
                p.topic,
                p.partition,
                p.fetches,
                p.ratePerS,
                percent(p.emptyRatio),
                p.records,
                p.recordBytes,
                last?.highWatermark,
                last?.lastStableOffset,
                last?.logStartOffset,
                Object.entries(p.errors)
                  .map(([name, n]) => `${name}×${n}`)
                  .join(','),
                p.currentLeaderHint
                  ? `${p.currentLeaderHint.leaderId}@${p.currentLeaderHint.leaderEpoch}`
                  : undefined,
              ]
            }),
        ),
      )
      more(out, partitions.length, top)
    }
  }

  const md = report.metadata
  if (md.requests > 0)
    out.push(
      '',
      `METADATA: ${md.requests} requests (${md.ratePerS}/s), ${md.answers} answers, ${md.changedAnswers} of them ` +
        `changed a partition's leader or epoch`,
    )
  for (const group of report.groups.slice(0, top)) {
    const errors = Object.entries(group.errors)
      .map(([name, n]) => `${name}×${n}`)
      .join(', ')
    out.push(
      `GROUP ${group.group}: ${group.joinGroups} JoinGroup, ${group.syncGroups} SyncGroup, ${group.heartbeats} Heartbeat, ` +
        `generations ${group.generations.join(',') || '-'}${errors ? `, errors ${errors}` : ''}`,
    )
  }

  for (const file of report.files)
    for (const w of file.firstWarnings.slice(0, 3))
      out.push(`warning: ${file.file} at byte ${w.fileOffset}: ${w.message}`)

  out.push('', 'FINDINGS')
  if (report.findings.length === 0)
    out.push('none: no poll storm, error loop, rebalance churn or throttling found')
  const order = { critical: 0, warning: 1, info: 2 } as const
  for (const f of [...report.findings].sort((a, b) => order[a.severity] - order[b.severity])) {
    out.push(`${f.severity.toUpperCase()} ${f.id}: ${f.summary}`)
    for (const e of f.evidence.filter((x) => x.at))
      out.push(`  evidence: ${e.source}${e.at ? ` ${e.at}` : ''}`)
    if (f.remedy) for (const line of f.remedy.split('\n')) out.push(`  ${line}`)
  }
  return out.join('\n')
}

function brokerCell(address: string, id: number | undefined): string {
  return id === undefined ? address : `${id}/${address}`
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 100)}%`
}

function more(out: string[], total: number, shown: number): void {
  if (total > shown) out.push(`… ${total - shown} more rows (--top N, or --json for all)`)
}

function formatBytes(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} GB`
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} kB`
  return `${n} B`
}
