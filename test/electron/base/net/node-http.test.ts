/**
 * node:http comes from base/net/node-http.ts, through process.getBuiltinModule: it is Node's own module, and no
 * source file imports it as an ES module at run time (its ESM facade would load Node's bundled
 * undici in every process that serves or asks over HTTP). Type imports are free.
 */
import http from 'node:http';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeHttp } from '../../../../electron/base/net/node-http.js';
import { readSourceTree } from '../../../arch/source-imports.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
/** A value import of node:http (or http): `import … from 'node:http'` that is not `import type`. */
const VALUE_IMPORT = /^\s*import\s+(?!type\b)[^;]*?\bfrom\s*['"](?:node:)?http['"]/mu;

describe('node:http, through process.getBuiltinModule', () => {
  it('is node:http itself', () => {
    expect(nodeHttp.createServer).toBe(http.createServer);
    expect(nodeHttp.request).toBe(http.request);
  });

  it('no source file imports node:http as an ES module', () => {
    const offenders = readSourceTree(ROOT)
      .filter((file) => !file.path.startsWith('renderer/') && VALUE_IMPORT.test(file.source))
      .map((file) => file.path);
    expect(offenders).toEqual([]);
  });
});
