/**
 * The runtime rule, enforced: which runtime each top folder's code runs in, and so which Node
 * built-ins, `electron` and packages it may use. core (electron/base, electron/agent,
 * electron/wallet) → shared, node:*; main → core, shared, electron; preload → shared, electron;
 * cli → core, shared; renderer → shared; shared → zod, tldts only. Which folder may import which
 * is the finer table of docs/architecture.md, enforced by layers.test.ts.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { builtinModules } from 'node:module';
import { describe, expect, it } from 'vitest';
import { importsOf, sourceFiles, TOOLING } from './source-imports.js';

const root = resolve(import.meta.dirname, '../..');

type Layer = 'shared' | 'core' | 'main' | 'preload' | 'cli' | 'renderer';

const LAYERS: Array<[Layer, string]> = [
  ['core', 'electron/base'],
  ['core', 'electron/agent'],
  ['core', 'electron/wallet'],
  ['main', 'electron/main'],
  ['preload', 'electron/preload'],
  ['cli', 'electron/cli'],
  ['shared', 'shared'],
  ['renderer', 'renderer'],
];

/** Which layers each layer may import, and whether it may import node builtins / electron. */
const RULES: Record<Layer, { layers: Layer[]; node: boolean; electron: boolean; packages: boolean }> = {
  shared: { layers: ['shared'], node: false, electron: false, packages: true },
  core: { layers: ['core', 'shared'], node: true, electron: false, packages: true },
  main: { layers: ['main', 'core', 'shared'], node: true, electron: true, packages: true },
  preload: { layers: ['preload', 'shared'], node: false, electron: true, packages: false },
  cli: { layers: ['cli', 'core', 'shared'], node: true, electron: false, packages: true },
  renderer: { layers: ['renderer', 'shared'], node: false, electron: false, packages: true },
};

/**
 * Packages shared/ may use: pure, runtime-independent (no node:*, no DOM), because the renderer,
 * the CLI and core all run them: zod for the contracts, tldts for the Public Suffix List behind
 * the registrable domain every URL prompt shows (url-facts.ts).
 */
const SHARED_PACKAGES = new Set(['zod', 'tldts']);

function layerOf(file: string): Layer | undefined {
  const rel = relative(root, file).split('\\').join('/');
  if (TOOLING.test(rel)) return undefined;
  return LAYERS.find(([, dir]) => rel === dir || rel.startsWith(`${dir}/`))?.[0];
}

const NODE_BUILTINS = new Set(builtinModules);

function violations(file: string, source: string): string[] {
  const layer = layerOf(file);
  if (layer === undefined) return [];
  const rule = RULES[layer];
  const out: string[] = [];
  for (const spec of importsOf(source)) {
    if (spec.startsWith('.')) {
      const target = layerOf(resolve(dirname(file), spec));
      if (target === undefined || !rule.layers.includes(target)) out.push(`${spec} (${layer} → ${target ?? 'outside'})`);
    } else if (spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0] ?? '')) {
      if (!rule.node) out.push(`${spec} (${layer} may not use Node built-ins)`);
    } else if (spec === 'electron' || spec.startsWith('electron/')) {
      if (!rule.electron) out.push(`${spec} (${layer} may not import electron)`);
    } else if (layer === 'shared' && !SHARED_PACKAGES.has(spec.split('/')[0] ?? '')) {
      out.push(`${spec} (shared/ may only use ${[...SHARED_PACKAGES].join(', ')})`);
    } else if (!rule.packages) {
      out.push(`${spec} (${layer} may not import packages)`);
    }
  }
  return out;
}

describe('architecture: the import rule', () => {
  it('every source file imports only what its runtime allows', () => {
    const found: string[] = [];
    for (const [, dir] of LAYERS) {
      for (const file of sourceFiles(join(root, dir))) {
        for (const v of violations(file, readFileSync(file, 'utf8'))) found.push(`${relative(root, file)}: ${v}`);
      }
    }
    expect(found).toEqual([]);
  });

  it('the checker catches a violation in each direction', () => {
    const f = (p: string) => join(root, p);
    expect(violations(f('shared/x.ts'), "import { a } from '../electron/wallet/wallet.js';")).toHaveLength(1);
    expect(violations(f('shared/x.ts'), "import fs from 'node:fs';")).toHaveLength(1);
    expect(violations(f('electron/wallet/x.ts'), "import { app } from 'electron';")).toHaveLength(1);
    expect(violations(f('electron/wallet/x.ts'), "import { m } from '../main/window.js';")).toHaveLength(1);
    expect(violations(f('electron/cli/x.ts'), "import { m } from '../main/window.js';")).toHaveLength(1);
    expect(violations(f('renderer/x.tsx'), "import { w } from '../electron/wallet/wallet.js';")).toHaveLength(1);
    expect(violations(f('renderer/x.tsx'), "import path from 'path';")).toHaveLength(1);
    expect(violations(f('renderer/vite.config.ts'), "import pkg from '../package.json';")).toHaveLength(0);
    expect(violations(f('electron/preload/x.ts'), "import k from 'keytar';")).toHaveLength(1);
    expect(violations(f('electron/wallet/x.ts'), "export * from '../../shared/errors.js';")).toHaveLength(0);
    expect(violations(f('electron/cli/x.ts'), "const m = await import('../wallet/wallet.js');")).toHaveLength(0);
  });
});
