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

/** How a column may give way when a table is wider than the terminal; a column without one never shrinks. */
export interface ColumnFit {
  /** 'middle' keeps both ends (URLs, ids); 'end' keeps the start (names, reasons). */
  elide: 'middle' | 'end';
  /** Never narrower than this (default: its header's width). */
  minWidth?: number;
}

/** `text` cut to `width` characters with "…" in the middle or at the end. */
export function elide(text: string, width: number, where: 'middle' | 'end'): string {
  if (text.length <= width) return text;
  if (width <= 1) return '…'.slice(0, Math.max(0, width));
  if (where === 'end') return `${text.slice(0, width - 1)}…`;
  const tail = Math.floor((width - 1) / 2);
  return `${text.slice(0, width - 1 - tail)}…${tail === 0 ? '' : text.slice(-tail)}`;
}

/**
 * alignColumns within `width` terminal columns (undefined: no limit, e.g. a pipe): the widest
 * shrinkable column gives way first, one character at a time, its cells elided with "…". When
 * even the narrowest fit is too wide the lines run longer, still aligned.
 */
export function fitColumns(rows: readonly (readonly string[])[], width: number | undefined, fits: ReadonlyArray<ColumnFit | undefined>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const total = (): number => widths.reduce((sum, w) => sum + w, 0) + 2 * Math.max(0, widths.length - 1);
  if (width === undefined || total() <= width) return alignColumns(rows);
  const header = rows[0] ?? [];
  const min = (i: number): number => fits[i]?.minWidth ?? Math.max(1, (header[i] ?? '').length);
  let excess = total() - width;
  while (excess > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (fits[i] !== undefined && w > min(i) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    });
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    excess -= 1;
  }
  return alignColumns(rows.map((row) => row.map((cell, i) => elide(cell, widths[i] ?? cell.length, fits[i]?.elide ?? 'end'))));
}

/** "2023-11-14 22:13:20Z": ISO time to the second, readable in a column. */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/u, 'Z');
}
