/**
 * The folder graph our sources actually have, checked against the table of docs/architecture.md:
 * every folder has a row, every import between folders is one its row allows, agent-side code
 * never imports the wallet, and the folders import one another without a cycle (found in the real
 * graph, not only in the table).
 */
import { posix } from 'node:path';
import { cyclesOf, isAgentSide, isWallet, rowOf, type LayerTable } from './layer-table.js';
import { importsOf, SOURCE_ROOTS, type SourceFile } from './source-imports.js';

export type FolderViolationKind = 'unlisted' | 'upward' | 'agent-reaches-wallet' | 'cycle';

export interface FolderViolation {
  readonly kind: FolderViolationKind;
  /** The folders involved: the unlisted folder; importer then imported; a cycle's members, sorted. */
  readonly folders: readonly string[];
  readonly message: string;
}

export interface FolderGraph {
  /** Row key → row key → the imports that make the edge ("file: spec"). */
  readonly edges: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;
  readonly violations: readonly FolderViolation[];
}

const inSources = (path: string): boolean => SOURCE_ROOTS.some((top) => path === top || path.startsWith(`${top}/`));

const example = (sites: readonly string[]): string =>
  sites.length === 1 ? (sites[0] ?? '') : `${sites[0] ?? ''} and ${sites.length - 1} more`;

/** Reads the folder graph of `files` and checks it against `table`. */
export function checkFolders(table: LayerTable, files: readonly SourceFile[]): FolderGraph {
  const violations: FolderViolation[] = [];
  const unlisted = new Set<string>();
  const edges = new Map<string, Map<string, string[]>>();
  for (const file of files) {
    const dir = posix.dirname(file.path);
    const from = rowOf(table, dir);
    if (from === undefined) {
      unlisted.add(dir);
      continue;
    }
    for (const spec of importsOf(file.source)) {
      if (!spec.startsWith('.')) continue;
      const targetDir = posix.dirname(posix.normalize(posix.join(dir, spec)));
      if (!inSources(targetDir)) continue;
      const to = rowOf(table, targetDir);
      if (to === undefined || to.key === from.key) continue;
      const out = edges.get(from.key) ?? new Map<string, string[]>();
      edges.set(from.key, out);
      out.set(to.key, [...(out.get(to.key) ?? []), `${file.path}: ${spec}`]);
    }
  }
  for (const dir of [...unlisted].sort()) {
    violations.push({
      kind: 'unlisted',
      folders: [dir],
      message: `${dir} has no row in the "Layers and imports" table of docs/architecture.md: add one saying what it may import`,
    });
  }
  for (const [from, targets] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
    for (const [to, sites] of [...targets].sort(([a], [b]) => a.localeCompare(b))) {
      if (isAgentSide(from) && isWallet(to)) {
        violations.push({
          kind: 'agent-reaches-wallet',
          folders: [from, to],
          message:
            `${from} imports ${to} (${example(sites)}): agent-side code runs inside agent processes ` +
            'and must never reach the wallet or its vault',
        });
      } else if (!(table.allowed.get(from)?.has(to) ?? false)) {
        violations.push({
          kind: 'upward',
          folders: [from, to],
          message: `${from} imports ${to} (${example(sites)}), which its row in docs/architecture.md does not allow`,
        });
      }
    }
  }
  const graph = new Map([...edges].map(([from, targets]) => [from, [...targets.keys()]]));
  for (const cycle of cyclesOf(graph)) {
    const inside = cycle.flatMap((from) =>
      [...(edges.get(from) ?? [])].filter(([to]) => cycle.includes(to)).map(([to, sites]) => `${from} → ${to} (${example(sites)})`),
    );
    violations.push({
      kind: 'cycle',
      folders: cycle,
      message: `folders import one another in a cycle: ${inside.join('; ')}`,
    });
  }
  return { edges, violations };
}

/** Rows that name a folder without source files: the table has gone stale. */
export function emptyRows(table: LayerTable, files: readonly SourceFile[]): string[] {
  const used = new Set(files.map((f) => rowOf(table, posix.dirname(f.path))?.key));
  return table.rows.filter((r) => !used.has(r.key)).map((r) => r.key);
}
