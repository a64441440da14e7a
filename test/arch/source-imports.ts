/**
 * Reading our sources for the architecture tests: which files there are and what each imports.
 * A regular-expression reader, not a parser: it sees static and dynamic imports, re-exports and
 * require calls, which is every form our code uses.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The folders whose code runs somewhere: each is covered by the import rules. */
export const SOURCE_ROOTS = ['electron', 'shared', 'renderer'] as const;

/** Build tooling that Node runs at build time (renderer/vite.config.ts): no runtime's code. */
export const TOOLING = /(^|\/)[\w-]+\.config\.m?ts$/;

export interface SourceFile {
  /** Repository-relative, forward slashes. */
  readonly path: string;
  readonly source: string;
}

/** The files under `dir` whose names match `names` (TypeScript by default), declaration files, node_modules and dist left out. */
export function* sourceFiles(dir: string, names = /\.(ts|tsx|mts)$/): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) yield* sourceFiles(full, names);
    else if (names.test(entry) && !entry.endsWith('.d.ts')) yield full;
  }
}

/** Every runtime source file under the source roots, build tooling left out. */
export function readSourceTree(root: string): SourceFile[] {
  const files: SourceFile[] = [];
  for (const top of SOURCE_ROOTS) {
    for (const full of sourceFiles(join(root, top))) {
      const path = relative(root, full).split('\\').join('/');
      if (!TOOLING.test(path)) files.push({ path, source: readFileSync(full, 'utf8') });
    }
  }
  return files;
}

export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [
    /\bimport\s+(?:type\s+)?(?:[\w*{}\s,$]+\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+(?:type\s+)?(?:\*|\{[^}]*\})\s+from\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) if (m[1] !== undefined) specs.push(m[1]);
  return specs;
}
