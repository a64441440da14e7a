/**
 * The design lives in docs/: every requirement, test and threat id that code, tests, benchmarks,
 * scripts, the README, CONTRIBUTING.md or the docs themselves cite has an entry (`- **P3** …`) in docs/threats.md,
 * docs/protocol.md or docs/architecture.md, and every test id with an entry is carried by a test
 * name. The families are listed in docs/protocol.md ("Ids").
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const DOCS = ['threats.md', 'protocol.md', 'architecture.md'];
const CITING = ['electron', 'shared', 'renderer', 'test', 'bench', 'scripts', 'docs'];
const TEXT = /\.(ts|tsx|mts|mjs|js|cjs|md)$/;

/**
 * An id: a threat (T + two digits) or a letter of a family and 1–99. Not one inside a word, a
 * percent-encoded byte (`%A4`) or a URL path segment (`/V1/token`); `A1/O1` still counts twice.
 */
const ID = /(?<![%\w])(?<![^A-Za-z0-9]\/)(?:T\d{2}|[PRATOBVE][1-9]\d?)(?![\w-])/g;
/** An entry: a list item that starts with the bold id. */
const ENTRY = /^- \*\*([A-Z]\d{1,2})\*\*/gm;
/** Test ids: a test carries each in its name. */
const TEST_ID = /^(?:[OBV]\d{1,2}|E\d{1,2})$/;
/** The one pair of families that share ids: URL-elicitation requirements and window tests (docs/protocol.md "Ids"). */
const SHARED_IDS = new Set(['E1', 'E2', 'E3']);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...filesUnder(path));
    else if (TEXT.test(name)) out.push(path);
  }
  return out;
}

/** id → the docs that have an entry for it (a doc twice when it has two). */
function readEntries(): Map<string, string[]> {
  const entries = new Map<string, string[]>();
  for (const doc of DOCS) {
    for (const match of readFileSync(join(root, 'docs', doc), 'utf8').matchAll(ENTRY)) {
      const id = match[1] ?? '';
      entries.set(id, [...(entries.get(id) ?? []), doc]);
    }
  }
  return entries;
}

/** Every cited id with the files that cite it. */
function readCitations(): Map<string, Set<string>> {
  const files = [...CITING.flatMap((dir) => filesUnder(join(root, dir))), join(root, 'README.md'), join(root, 'CONTRIBUTING.md')];
  const cited = new Map<string, Set<string>>();
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(ID)) {
      const where = cited.get(match[0]) ?? new Set<string>();
      where.add(relative(root, file));
      cited.set(match[0], where);
    }
  }
  return cited;
}

const entries = readEntries();

describe('ids in docs/', () => {
  it('every id cited in the code, the tests, the benchmarks, the scripts, the README, CONTRIBUTING.md and docs/ has an entry in docs/', () => {
    const missing = [...readCitations()]
      .filter(([id]) => !entries.has(id))
      .map(([id, files]) => `${id} (cited in ${[...files].sort().join(', ')})`)
      .sort();
    expect(missing, 'ids without an entry in docs/threats.md, docs/protocol.md or docs/architecture.md').toEqual([]);
  });

  it('each id has one entry, except the shared E1–E3 (one in protocol.md, one in architecture.md)', () => {
    const ambiguous = [...entries]
      .filter(([id, docs]) => docs.length > 1 && !(SHARED_IDS.has(id) && [...docs].sort().join() === 'architecture.md,protocol.md'))
      .map(([id, docs]) => `${id}: ${docs.join(', ')}`);
    expect(ambiguous).toEqual([]);
  });

  it('every test id with an entry is carried by the name of some test ("B16: …", "A1/O1: …")', () => {
    const names = filesUnder(join(root, 'test'))
      .filter((file) => /\.test\.tsx?$/.test(file) && file !== resolve(import.meta.filename))
      .flatMap((file) => readFileSync(file, 'utf8').match(/(['"`])(?:\\.|(?!\1)[^\\\n])*\1/g) ?? [])
      .join('\n');
    const carried = new Set(names.match(ID) ?? []);
    const orphans = [...entries.keys()].filter((id) => TEST_ID.test(id) && !carried.has(id)).sort();
    expect(orphans).toEqual([]);
  });

  it('the id pattern skips percent-encoded bytes and path segments but keeps joined ids', () => {
    const found = (text: string): string[] => text.match(ID) ?? [];
    expect(found("'app://latchkey/%E0%A4%A.js' '/V1/TOKEN' ES256 S256 C1 X11")).toEqual([]);
    expect(found('A1/O1: refuses; T20/E7 and (P1–P4), T05.')).toEqual(['A1', 'O1', 'T20', 'E7', 'P1', 'P4', 'T05']);
  });
});
