/**
 * The folder dependency table of docs/architecture.md ("Layers and imports"), enforced on the real
 * tree; and the checker shown catching each kind of violation on small fixture trees.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseLayerTable, tableProblems } from './layer-table.js';
import { checkFolders, emptyRows } from './folder-graph.js';
import { readSourceTree, type SourceFile } from './source-imports.js';

const root = resolve(import.meta.dirname, '../..');
const doc = readFileSync(resolve(root, 'docs/architecture.md'), 'utf8');

describe('architecture: the folder table of docs/architecture.md', () => {
  const table = parseLayerTable(doc);
  const files = readSourceTree(root);

  it('the table itself runs bottom-up, is acyclic and keeps the agent side away from the wallet', () => {
    expect(tableProblems(table)).toEqual([]);
  });

  it('every row names a folder that holds source files', () => {
    expect(emptyRows(table, files)).toEqual([]);
  });

  it('every folder has a row, imports only what its row allows, and no folders form a cycle', () => {
    const { violations } = checkFolders(table, files);
    expect(violations.map((v) => v.message)).toEqual([]);
  });
});

/** A small table in the document's own format. */
const FIXTURE_TABLE = `
## Layers and imports

| Folder | Who runs it | May import |
| --- | --- | --- |
| \`shared\` | all | — |
| \`electron/base\` | all | \`shared\` |
| \`electron/wallet/vault\` | wallet | \`electron/base/**\`, \`shared\` |
| \`electron/wallet/grants\` | wallet | \`electron/wallet/vault\`, \`electron/base/**\`, \`shared\` |
| \`electron/agent/proxy\` | agent | \`electron/base/**\`, \`shared\` |
| \`electron/cli/**\` | cli | \`electron/agent/**\`, \`electron/wallet/**\`, \`electron/base/**\`, \`shared\` |
`;

/** A tree that keeps every rule of FIXTURE_TABLE. */
const CLEAN: SourceFile[] = [
  { path: 'shared/errors.ts', source: "export const E = 'e';" },
  { path: 'electron/base/ids.ts', source: "import { E } from '../../shared/errors.js';" },
  { path: 'electron/agent/proxy/index.ts', source: "import { id } from '../../base/ids.js';" },
  { path: 'electron/wallet/vault/vault.ts', source: "import type { E } from '../../../shared/errors.js';" },
  { path: 'electron/wallet/grants/store.ts', source: "import { openVault } from '../vault/vault.js';" },
  { path: 'electron/cli/main.ts', source: "import { run } from './commands/run.js';" },
  {
    path: 'electron/cli/commands/run.ts',
    source: "import { main } from '../main.js';\nconst p = await import('../../agent/proxy/index.js');",
  },
];

const withFile = (path: string, source: string): SourceFile[] => [...CLEAN, { path, source }];

describe('architecture: the folder checker on fixture trees', () => {
  const table = parseLayerTable(FIXTURE_TABLE);

  it('passes a tree that keeps the table, subtree rows and self-imports included', () => {
    expect(tableProblems(table)).toEqual([]);
    expect(checkFolders(table, CLEAN).violations).toEqual([]);
  });

  it('fails an upward import: base reaching up into the vault', () => {
    const tree = withFile('electron/base/secrets.ts', "import { openVault } from '../wallet/vault/vault.js';");
    const { violations } = checkFolders(table, tree);
    expect(violations.map((v) => [v.kind, v.folders])).toEqual([['upward', ['electron/base', 'electron/wallet/vault']]]);
    expect(violations[0]?.message).toContain('electron/base/secrets.ts: ../wallet/vault/vault.js');
  });

  it('fails an agent-side import of the vault, whatever the table says', () => {
    const tree = withFile('electron/agent/proxy/leak.ts', "import type { Vault } from '../../wallet/vault/vault.js';");
    const { violations } = checkFolders(table, tree);
    expect(violations.map((v) => [v.kind, v.folders])).toEqual([
      ['agent-reaches-wallet', ['electron/agent/proxy', 'electron/wallet/vault']],
    ]);
    const permissive = parseLayerTable(
      FIXTURE_TABLE.replace('agent | `electron/base/**`', 'agent | `electron/wallet/vault`, `electron/base/**`'),
    );
    expect(checkFolders(permissive, tree).violations.map((v) => v.kind)).toEqual(['agent-reaches-wallet']);
    expect(tableProblems(permissive)).toEqual(['agent-side `electron/agent/proxy` may reach the wallet: electron/wallet/vault']);
  });

  it('fails a cycle between folders in the real import graph, even when the table was edited to allow both ways', () => {
    const tree = withFile('electron/wallet/vault/peek.ts', "import { GrantStore } from '../grants/store.js';");
    const careless = parseLayerTable(
      FIXTURE_TABLE.replace('wallet | `electron/base/**`', 'wallet | `electron/wallet/grants`, `electron/base/**`'),
    );
    const { violations } = checkFolders(careless, tree);
    expect(violations.map((v) => [v.kind, v.folders])).toEqual([['cycle', ['electron/wallet/grants', 'electron/wallet/vault']]]);
    expect(violations[0]?.message).toContain('electron/wallet/grants → electron/wallet/vault');
    expect(tableProblems(careless)).toEqual([
      'the table allows a cycle between electron/wallet/grants, electron/wallet/vault',
      '`electron/wallet/vault` may import electron/wallet/grants, listed below it: rows run bottom-up',
    ]);
    // Against the acyclic table the same tree is both: one edge of any cycle must run upward.
    expect(checkFolders(table, tree).violations.map((v) => v.kind).sort()).toEqual(['cycle', 'upward']);
  });

  it('fails a folder without a row, saying to add one', () => {
    const tree = withFile('electron/wallet/ledger/ledger.ts', "import { E } from '../../../shared/errors.js';");
    const { violations } = checkFolders(table, tree);
    expect(violations.map((v) => [v.kind, v.folders])).toEqual([['unlisted', ['electron/wallet/ledger']]]);
    expect(violations[0]?.message).toContain('add one');
    expect(emptyRows(table, CLEAN)).toEqual([]);
    expect(emptyRows(table, CLEAN.filter((f) => !f.path.startsWith('electron/wallet/grants/')))).toEqual([
      'electron/wallet/grants',
    ]);
  });

  it('rejects a table that lists a folder with no row', () => {
    expect(() => parseLayerTable(FIXTURE_TABLE.replace('| `shared` | all | — |', '| `shared` | all | `nowhere` |'))).toThrow(
      /names no row/,
    );
  });
});
