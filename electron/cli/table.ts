/**
 * Aligned columns for list output. Cells must already be sanitised (see sanitize.ts); the last
 * column is never padded, so lines carry no trailing blanks.
 */

/** One line per row, each column padded to its widest cell, two spaces apart. */
export function alignColumns(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** "2023-11-14 22:13:20Z": ISO time to the second, readable in a column. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/u, 'Z');
}
