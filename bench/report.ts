/**
 * The printed table: each figure with its same-run baseline and the target, and a marker
 * (no assertion: speed is reported, not tested). Also the flat key → number map for results.json.
 */

export interface Target {
  op: '<=' | '>=' | '=';
  limit: number;
}

export interface Figure {
  /** results.json key. */
  key: string;
  label: string;
  value: number;
  unit: string;
  /** The same-run baseline, in words ("bare 0.21 ms"). */
  baseline?: string;
  target?: Target;
}

export function meetsTarget(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  if (target.op === '<=') return value <= target.limit;
  if (target.op === '>=') return value >= target.limit;
  return value === target.limit;
}

export function formatNumber(value: number, unit = ''): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  const text = value.toFixed(unit === 'count' ? 0 : digits);
  return unit === '' || unit === 'count' ? text : `${text} ${unit}`;
}

function describeTarget(target: Target | undefined, unit: string): string {
  if (target === undefined) return '';
  return `${target.op} ${formatNumber(target.limit, unit === 'x' ? '' : unit)}${unit === 'x' ? '×' : ''}`;
}

function marker(figure: Figure): string {
  if (figure.target === undefined) return '';
  return meetsTarget(figure.value, figure.target) ? 'ok' : 'MISS';
}

/** A fixed-width text table, one line per figure, grouped by section. */
export function renderTable(sections: ReadonlyArray<{ title: string; figures: readonly Figure[] }>): string {
  const header = ['figure', 'value', 'same-run baseline', 'target', ''];
  const rows: Array<string[] | string> = [];
  for (const section of sections) {
    rows.push(`— ${section.title}`);
    for (const f of section.figures) {
      const value = f.unit === 'x' ? `${formatNumber(f.value)}×` : formatNumber(f.value, f.unit);
      rows.push([f.label, value, f.baseline ?? '', describeTarget(f.target, f.unit), marker(f)]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r): r is string[] => Array.isArray(r)).map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows) out.push(Array.isArray(row) ? line(row) : row);
  return out.join('\n');
}

/** key → rounded value, for bench/results.json. */
export function flatten(figures: readonly Figure[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const f of figures) out[f.key] = Number.isFinite(f.value) ? Math.round(f.value * 1000) / 1000 : null;
  return out;
}
