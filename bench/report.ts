/**
 * The printed table: each figure with its same-run baseline and the target, and a marker
 * (no assertion: speed is reported, not tested). Also results.json's record per figure key:
 * {value, unit, baseline?, baselineValue?, target?, met?}.
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
  /** The same-run baseline as a number in `unit`, when it is one measurement. */
  baselineValue?: number;
  target?: Target;
}

/** One figure in results.json. `met` is present exactly when a target is. */
export interface FigureRecord {
  value: number | null;
  unit: string;
  baseline?: string;
  baselineValue?: number | null;
  target?: string;
  met?: boolean;
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

function rounded(value: number): number | null {
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}

/** key → {value, unit, baseline, target, met}, for bench/results.json (a key stays the same across runs). */
export function toRecords(figures: readonly Figure[]): Record<string, FigureRecord> {
  const out: Record<string, FigureRecord> = {};
  for (const f of figures) {
    if (out[f.key] !== undefined) throw new Error(`two figures share the results key ${f.key}`);
    out[f.key] = {
      value: rounded(f.value),
      unit: f.unit,
      ...(f.baseline === undefined ? {} : { baseline: f.baseline }),
      ...(f.baselineValue === undefined ? {} : { baselineValue: rounded(f.baselineValue) }),
      ...(f.target === undefined ? {} : { target: describeTarget(f.target, f.unit), met: meetsTarget(f.value, f.target) }),
    };
  }
  return out;
}
