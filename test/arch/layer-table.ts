/**
 * The folder dependency table of docs/architecture.md ("Layers and imports"), read from the
 * markdown itself so the document is what the test enforces.
 *
 * A row names one folder in its first code span: `electron/wallet/vault` is the files directly in
 * that folder; `renderer/**` is the whole subtree, less any folder that has a row of its own. The
 * "May import" cell lists code spans: a row's exact name, or `some/folder/**` for every row at or
 * under that folder. A folder may always import itself.
 */

export interface LayerRow {
  /** As written: `electron/wallet/vault` or `renderer/**`. */
  readonly key: string;
  /** The folder without a trailing `/**`. */
  readonly dir: string;
  readonly subtree: boolean;
  /** The items of the "May import" cell, as written. */
  readonly mayImport: readonly string[];
}

export interface LayerTable {
  readonly rows: readonly LayerRow[];
  /** Row key → the row keys it may import (items expanded, itself left out). */
  readonly allowed: ReadonlyMap<string, ReadonlySet<string>>;
}

export const SECTION = '## Layers and imports';

const codeSpans = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').trim());

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/** The first markdown table under the section heading, as rows of cells (header and rule dropped). */
function sectionTable(markdown: string): { header: string[]; body: string[][] } {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.trim() === SECTION);
  if (start < 0) throw new Error(`docs/architecture.md has no "${SECTION}" heading`);
  const table: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    if (line.trim().startsWith('|')) table.push(line);
    else if (table.length > 0) break;
  }
  const [head, rule, ...body] = table;
  if (head === undefined || rule === undefined) throw new Error(`"${SECTION}" has no table`);
  return { header: cellsOf(head).map((c) => c.toLowerCase()), body: body.map(cellsOf) };
}

/** Expands one "May import" item to row keys; an item that names no row is an error. */
function expand(item: string, rows: readonly LayerRow[]): string[] {
  if (rows.some((r) => r.key === item)) return [item];
  if (item.endsWith('/**')) {
    const prefix = item.slice(0, -3);
    const keys = rows.filter((r) => r.dir === prefix || r.dir.startsWith(`${prefix}/`)).map((r) => r.key);
    if (keys.length > 0) return keys;
  }
  throw new Error(`the "${SECTION}" table lists \`${item}\`, which names no row`);
}

export function parseLayerTable(markdown: string): LayerTable {
  const { header, body } = sectionTable(markdown);
  const folderCol = header.indexOf('folder');
  const importCol = header.indexOf('may import');
  if (folderCol < 0 || importCol < 0) throw new Error(`the "${SECTION}" table needs "Folder" and "May import" columns`);
  const rows: LayerRow[] = body.map((cells) => {
    const key = codeSpans(cells[folderCol] ?? '')[0];
    if (key === undefined) throw new Error(`a "${SECTION}" row has no folder: | ${cells.join(' | ')} |`);
    const subtree = key.endsWith('/**');
    return { key, dir: subtree ? key.slice(0, -3) : key, subtree, mayImport: codeSpans(cells[importCol] ?? '') };
  });
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.key)) throw new Error(`the "${SECTION}" table has two rows for \`${row.key}\``);
    seen.add(row.key);
  }
  const allowed = new Map<string, Set<string>>();
  for (const row of rows) {
    allowed.set(row.key, new Set(row.mayImport.flatMap((item) => expand(item, rows)).filter((k) => k !== row.key)));
  }
  return { rows, allowed };
}

/** The row a folder's files belong to: an exact row, else the deepest subtree row holding it. */
export function rowOf(table: LayerTable, dir: string): LayerRow | undefined {
  let best: LayerRow | undefined;
  for (const row of table.rows) {
    const holds = row.subtree ? dir === row.dir || dir.startsWith(`${row.dir}/`) : dir === row.dir;
    if (!holds) continue;
    const better =
      best === undefined || row.dir.length > best.dir.length || (row.dir.length === best.dir.length && !row.subtree);
    if (better) best = row;
  }
  return best;
}

/** Strongly connected components with more than one member (Tarjan), each sorted. */
export function cyclesOf(graph: ReadonlyMap<string, Iterable<string>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(to) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1) out.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return out;
}

/** Code that runs inside agent processes (`latchkey mcp`, `latchkey run`): it must never reach the wallet. */
export const isAgentSide = (dir: string): boolean => dir === 'electron/agent' || dir.startsWith('electron/agent/');
export const isWallet = (dir: string): boolean => dir === 'electron/wallet' || dir.startsWith('electron/wallet/');

/**
 * What is wrong with the table itself: a cycle between rows, a row listing one below it (rows run
 * bottom-up), or an agent-side row that reaches the wallet directly or through any row it may import.
 */
export function tableProblems(table: LayerTable): string[] {
  const problems = cyclesOf(table.allowed).map((c) => `the table allows a cycle between ${c.join(', ')}`);
  const position = new Map(table.rows.map((r, i) => [r.key, i]));
  for (const row of table.rows) {
    const below = [...(table.allowed.get(row.key) ?? [])].filter((k) => (position.get(k) ?? 0) > (position.get(row.key) ?? 0));
    if (below.length > 0) problems.push(`\`${row.key}\` may import ${below.sort().join(', ')}, listed below it: rows run bottom-up`);
  }
  for (const row of table.rows.filter((r) => isAgentSide(r.dir))) {
    const reached = new Set<string>();
    const queue = [row.key];
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      for (const to of table.allowed.get(key) ?? []) {
        if (!reached.has(to)) {
          reached.add(to);
          queue.push(to);
        }
      }
    }
    const wallet = [...reached].filter(isWallet).sort();
    if (wallet.length > 0) problems.push(`agent-side \`${row.key}\` may reach the wallet: ${wallet.join(', ')}`);
  }
  return problems;
}
