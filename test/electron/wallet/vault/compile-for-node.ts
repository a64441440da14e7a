/**
 * Turns a TypeScript entry point and everything it imports relatively into plain JavaScript in a
 * temp dir, so test children start with `node file.js` (~0.1 s) instead of a TS loader (~0.7 s):
 * the V5 crash test starts 500+ of them. Test code only.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '../../../..');
const RELATIVE_IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)\.js['"]/g;

export interface CompiledChild {
  /** The compiled entry, to run with `node`. */
  entry: string;
  remove(): void;
}

export function compileForNode(entryTs: string): CompiledChild {
  const out = mkdtempSync(join(tmpdir(), 'latchkey-compiled-'));
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  symlinkSync(join(root, 'node_modules'), join(out, 'node_modules'), 'dir');
  const pending = [resolve(entryTs)];
  const done = new Set<string>();
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const match of source.matchAll(RELATIVE_IMPORT)) {
      if (match[1] !== undefined) pending.push(resolve(dirname(file), `${match[1]}.ts`));
    }
    const { outputText } = ts.transpileModule(source, {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  return {
    entry: join(out, relative(root, resolve(entryTs))).replace(/\.ts$/, '.js'),
    remove: () => rmSync(out, { recursive: true, force: true }),
  };
}
