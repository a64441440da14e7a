/**
 * What opening the wallet and starting the daemon load, in the CLI bundle as it ships: the chunk
 * holding the composition root (electron/wallet/wallet.ts), and the one holding the daemon host,
 * with every chunk they import statically. The network stack (undici), discovery's MCP SDK and
 * the Public Suffix List (tldts) load on first use, so `latchkey token` with a cached token and a
 * daemon's start-up go without them.
 */
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleCli, type BundledCli } from '../../scripts/bundle-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ON_FIRST_USE = ['node_modules/undici/', 'node_modules/@modelcontextprotocol/', 'node_modules/tldts'];

/** The chunk's text and that of every chunk it imports statically, transitively. */
async function eagerlyLoaded(file: string, seen = new Set<string>()): Promise<string> {
  if (seen.has(file)) return '';
  seen.add(file);
  const text = await readFile(file, 'utf8');
  const imported = [...text.matchAll(/^import\s(?:[^;]*?from\s*)?"(\.\/[^"]+)";?$/gmu)].map((match) => join(dirname(file), match[1]!));
  const rest = await Promise.all(imported.map((next) => eagerlyLoaded(next, seen)));
  return [text, ...rest].join('\n');
}

describe('the wallet in the CLI bundle', () => {
  let dir: string | undefined;
  let built: BundledCli;

  beforeAll(async () => {
    await mkdir(join(ROOT, '.cache'), { recursive: true });
    dir = await mkdtemp(join(ROOT, '.cache', 'wallet-chunks-'));
    built = await bundleCli(dir);
  }, 60_000);
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** The output file holding `source` (esbuild marks each module with a `// path` line). */
  async function chunkHolding(source: string): Promise<string> {
    const outDir = dirname(built.entry);
    for (const file of await readdir(outDir)) {
      if (file.endsWith('.mjs') && (await readFile(join(outDir, file), 'utf8')).includes(`\n// ${source}\n`)) return join(outDir, file);
    }
    throw new Error(`no chunk holds ${source}`);
  }

  it.each(['electron/wallet/wallet.ts', 'electron/wallet/host/daemon.ts'])('%s loads no undici, MCP SDK or tldts until they are used', async (source) => {
    const eager = await eagerlyLoaded(await chunkHolding(source));
    for (const later of ON_FIRST_USE) expect(eager.includes(later), later).toBe(false);
  });
});
