import { BadInputError } from '../../errors.js'

/**
 * Reads a saved `top -H -b -n 2 [-d S] [-p PID]` output: per-thread %CPU as top computed it over its
 * last refresh interval (the first iteration has no baseline, which is why `-n 2` is the habit).
 * Columns are found from the header line, so user-configured column orders still parse; the COMMAND
 * column (the thread name, cut to the column width, `busy-spin+`) is last and may contain spaces.
 */
export interface TopThreadRow {
  tid: number
  cpuPercent: number
  /** top's S column: R, S, D … */
  state?: string
  command: string
}

export interface TopIteration {
  /** `top - 08:38:17 …` clock time of this iteration, seconds since midnight. */
  clockS?: number
  rows: TopThreadRow[]
}

export function parseTopOutput(text: string): TopIteration[] {
  const iterations: TopIteration[] = []
  let current: TopIteration | undefined
  let columns: { pid: number; cpu: number; state: number; command: number } | undefined
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '')
    if (line.startsWith('top - ')) {
      current = { rows: [] }
      const clock = /^top - (\d\d):(\d\d):(\d\d)/.exec(line)
      if (clock) current.clockS = Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3])
      iterations.push(current)
      columns = undefined
      continue
    }
    const tokens = line.trim().split(/\s+/)
    if (tokens.includes('PID') && tokens.includes('%CPU')) {
      columns = {
        pid: tokens.indexOf('PID'),
        cpu: tokens.indexOf('%CPU'),
        state: tokens.indexOf('S'),
        command: tokens.indexOf('COMMAND'),
      }
      if (!current) {
        current = { rows: [] }
        iterations.push(current)
      }
      continue
    }
    if (!columns || !current || tokens.length <= columns.cpu || !/^\d+$/.test(tokens[columns.pid] ?? ''))
      continue
    const cpu = Number((tokens[columns.cpu] ?? '').replace(',', '.'))
    if (!Number.isFinite(cpu)) continue
    const row: TopThreadRow = {
      tid: Number(tokens[columns.pid]),
      cpuPercent: cpu,
      command: columns.command >= 0 ? tokens.slice(columns.command).join(' ') : '',
    }
    if (columns.state >= 0 && tokens[columns.state]) row.state = tokens[columns.state]!
    current.rows.push(row)
  }
  const usable = iterations.filter((i) => i.rows.length > 0)
  if (usable.length === 0) {
    throw new BadInputError('not a top output: no PID … %CPU … table found', {
      hint: 'save it with `top -H -b -n 2 -d 1 -p <pid> > top.txt`',
    })
  }
  return usable
}
