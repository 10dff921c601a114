/**
 * Plain column-aligned tables in the style of Kafka's own tools (kafka-consumer-groups, kafka-topics):
 * upper-case headers, columns separated by spaces, `-` for missing values, no borders, so that
 * operators can grep and awk the output the way they already do.
 */
export type Cell = string | number | bigint | boolean | null | undefined

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((row) => headers.map((_, i) => cellText(row[i])))
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => r[i]?.length ?? 0)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [line(headers), ...text.map(line)].join('\n')
}

function cellText(value: Cell): string {
  if (value === null || value === undefined || value === '') return '-'
  return String(value)
}
