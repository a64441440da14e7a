/**
 * O9 (threat T04): nothing in electron/ or shared/ can start a process through a shell.
 * A static scan: no `open` package, no child_process exec/execSync, no `shell:` option other than
 * `false`, and execFile only without a shell.
 */
import { readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from '../../../arch/source-imports.js';

const root = resolve(import.meta.dirname, '../../../..');

/** TypeScript and JavaScript alike: a shell call hides in either. */
const SCANNED = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/;

const CHILD_PROCESS = String.raw`['"](?:node:)?child_process['"]`;

/** Each rule: a name and a pattern that must not match. */
const RULES: Array<[string, RegExp]> = [
  ['the `open` package', /(?:from\s*|import\s*\(\s*|require\s*\(\s*)['"]open['"]/],
  ['exec/execSync imported from child_process', new RegExp(String.raw`import\s*\{[^}]*\bexec(?:Sync)?\b[^}]*\}\s*from\s*${CHILD_PROCESS}`)],
  ['child_process.exec / execSync', /\bchild_process\s*\.\s*exec(?:Sync)?\b/],
  ['exec/execSync through a namespace import', /\b(?:cp|childProcess|proc)\s*\.\s*exec(?:Sync)?\s*\(/],
  ['exec/execSync destructured from require', new RegExp(String.raw`\{[^}]*\bexec(?:Sync)?\b[^}]*\}\s*=\s*require\(\s*${CHILD_PROCESS}`)],
  ['a `shell` option that is not false', /\bshell\s*:\s*(?!false\b)[^\s,}]/],
  ['execFile with a shell', /\bexecFile(?:Sync)?\s*\([^)]*\bshell\s*:\s*(?![\s]|false\b)/s],
];

function shellViolations(source: string): string[] {
  return RULES.filter(([, pattern]) => pattern.test(source)).map(([name]) => name);
}

describe('O9: no shell anywhere', () => {
  it('O9: electron/ and shared/ never use the open package, exec, or a shell option', () => {
    const found: string[] = [];
    let scanned = 0;
    for (const dir of ['electron', 'shared']) {
      for (const file of sourceFiles(join(root, dir), SCANNED)) {
        scanned += 1;
        for (const v of shellViolations(readFileSync(file, 'utf8'))) found.push(`${relative(root, file)}: ${v}`);
      }
    }
    expect(scanned).toBeGreaterThan(5);
    expect(found).toEqual([]);
  });

  it('O9: the scanner catches each forbidden form and allows the safe ones', () => {
    const bad = [
      "import open from 'open';",
      "const open = await import('open');",
      "const o = require('open');",
      "import { exec } from 'node:child_process';",
      "import { spawn, execSync } from 'child_process';",
      "import * as child_process from 'node:child_process'; child_process.exec('x');",
      "cp.exec(`xdg-open ${url}`);",
      "const { exec } = require('child_process');",
      'spawn(cmd, args, { shell: true });',
      'spawn(cmd, args, { shell: useShell });',
      "spawn(cmd, args, { shell: '/bin/sh' });",
      'execFile(cmd, args, { shell: true }, cb);',
    ];
    for (const source of bad) expect(shellViolations(source), source).not.toEqual([]);
    const fine = [
      "import { spawn } from 'node:child_process';",
      'spawn(cmd, args, { shell: false, detached: true });',
      'const m = /a(b)/.exec(text);',
      'const opener = createSystemOpener(options);',
      "import { execFile } from 'node:child_process'; execFile('git', ['status'], cb);",
      "execFile('ss', ['-x'], { env: { PATH: '/bin' }, shell: false, timeout: 1 }, cb);",
    ];
    for (const source of fine) expect(shellViolations(source), source).toEqual([]);
  });
});
