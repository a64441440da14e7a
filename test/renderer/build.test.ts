/**
 * The built window works under the strict CSP (`default-src 'self'; script-src 'self'; style-src
 * 'self'`): no inline script or style, nothing loaded from elsewhere, assets by relative path.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
let outDir: string;
let html: string;
let assets: Map<string, string>;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'latchkey-renderer-'));
  await build({ configFile: join(root, 'renderer/vite.config.ts'), logLevel: 'silent', build: { outDir, emptyOutDir: true } });
  html = await readFile(join(outDir, 'index.html'), 'utf8');
  assets = new Map();
  for (const name of await readdir(join(outDir, 'assets'))) assets.set(name, await readFile(join(outDir, 'assets', name), 'utf8'));
}, 60_000);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

describe('renderer build', () => {
  it('index.html has no inline script or style and loads only its own relative assets', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/);
      expect(body?.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(html).not.toMatch(/(?:src|href)="(?:[a-z]+:|\/\/)/i);
    expect(html).toMatch(/<link rel="stylesheet"[^>]*href="\.\/assets\/[^"]+\.css"/);
  });

  it('the CSS and scripts pull in nothing from elsewhere (no fonts, no remote imports, no data: assets)', () => {
    const css = [...assets].filter(([name]) => name.endsWith('.css')).map(([, text]) => text);
    expect(css).toHaveLength(1);
    for (const text of css) {
      expect(text).not.toMatch(/@import|@font-face/);
      expect(text).not.toMatch(/url\(/);
    }
    for (const [name, text] of assets) {
      if (!name.endsWith('.js')) continue;
      expect(text).not.toMatch(/\bimport\s*\(\s*["'`]https?:/);
      expect(text).not.toMatch(/dangerouslySetInnerHTML:/);
    }
  });
});
