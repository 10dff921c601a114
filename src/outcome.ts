/**
 * Outcomes follow the monitoring-plugin convention so that `diagnose`, `lag` and `cluster` can run as
 * Nagios/Icinga-style checks: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */

export const ExitCode = { OK: 0, WARNING: 1, CRITICAL: 2, UNKNOWN: 3 } as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** Severity of a finding. `info` never changes the exit code. */
export const severities = ['info', 'warning', 'critical'] as const
export type Severity = (typeof severities)[number]

const severityRank: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

export function compareSeverity(a: Severity, b: Severity): number {
  return severityRank[a] - severityRank[b]
}

export function worstSeverity(items: Iterable<{ severity: Severity }>): Severity {
  let worst: Severity = 'info'
  for (const item of items) if (severityRank[item.severity] > severityRank[worst]) worst = item.severity
  return worst
}

export function exitCodeForSeverity(severity: Severity): ExitCode {
  switch (severity) {
    case 'critical':
      return ExitCode.CRITICAL
    case 'warning':
      return ExitCode.WARNING
    case 'info':
      return ExitCode.OK
  }
}

/** The exit code for a set of findings: the worst severity among them. */
export function exitCodeForFindings(findings: Iterable<{ severity: Severity }>): ExitCode {
  return exitCodeForSeverity(worstSeverity(findings))
}
