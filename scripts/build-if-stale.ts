/**
 * Builds only what changed: what `npm start` (and `prepare`, at install) runs instead of a full
 * `npm run build` every time. Each output (the CLI bundle, the window, the desktop app) has the
 * source trees it is made from; a fingerprint of those trees (every file's path, size and mtime,
 * so an edit, an added and a deleted file all count) is kept in dist/.build-stamps after a
 * successful build, and a step runs again only when its fingerprint differs or an output is
 * missing. The steps themselves are the package.json scripts (`npm run build:cli` …), run
 * without a shell.
 *
 *   node --import tsx scripts/build-if-stale.ts [--force] [step …]     (steps: cli, renderer, electron)
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');

export interface BuildStep {
  name: string;
  /** What it builds, for the one line it prints. */
  label: string;
  /** The package.json script that builds it. */
  script: string;
  /** Files and directories (relative to the root) it is built from. */
  inputs: string[];
  /** Files it must leave behind (relative to the root). */
  outputs: string[];
}

const COMMON_INPUTS = ['shared', 'package.json', 'package-lock.json', 'tsconfig.json'];

export const BUILD_STEPS: readonly BuildStep[] = [
  { name: 'cli', label: 'the CLI', script: 'build:cli', inputs: [...COMMON_INPUTS, 'electron/cli', 'electron/base', 'electron/agent', 'electron/wallet', 'scripts/bundle-cli.ts'], outputs: ['dist/cli/main.js'] },
  { name: 'renderer', label: 'the window', script: 'build:renderer', inputs: [...COMMON_INPUTS, 'renderer'], outputs: ['dist/renderer/index.html'] },
  {
    name: 'electron',
    label: 'the desktop app',
    script: 'build:electron',
    inputs: [...COMMON_INPUTS, 'electron', 'tsconfig.electron.json'],
    outputs: ['dist/electron/main/main.cjs', 'dist/electron/preload/preload.cjs', 'dist/desktop/package.json'],
  },
];

async function listFiles(root: string, path: string, into: string[]): Promise<void> {
  const full = join(root, path);
  const info = await stat(full).catch(() => undefined);
  if (info === undefined) return;
  if (!info.isDirectory()) {
    into.push(`${path}\0${info.size}\0${info.mtimeMs}`);
    return;
  }
  for (const entry of await readdir(full)) {
    if (entry === 'node_modules' || entry === 'dist' || entry.startsWith('.')) continue;
    await listFiles(root, join(path, entry), into);
  }
}

/** The fingerprint of a step's inputs: changes when any input file is edited, added or removed. */
export async function fingerprintOf(step: BuildStep, root: string = ROOT): Promise<string> {
  const lines: string[] = [];
  for (const input of step.inputs) await listFiles(root, input, lines);
  lines.sort();
  return createHash('sha256').update(step.script).update('\n').update(lines.join('\n')).digest('hex');
}

function stampPath(root: string, step: BuildStep): string {
  return join(root, 'dist', '.build-stamps', `${step.name}.txt`);
}

/** Whether a step must run: an output is missing or its inputs changed since its last build. */
export async function isStale(step: BuildStep, root: string = ROOT): Promise<boolean> {
  if (step.outputs.some((output) => !existsSync(join(root, output)))) return true;
  const stamp = await readFile(stampPath(root, step), 'utf8').catch(() => undefined);
  return stamp?.trim() !== (await fingerprintOf(step, root));
}

export async function recordBuilt(step: BuildStep, fingerprint: string, root: string = ROOT): Promise<void> {
  await mkdir(join(root, 'dist', '.build-stamps'), { recursive: true });
  await writeFile(stampPath(root, step), `${fingerprint}\n`);
}

function runScript(script: string, root: string): Promise<number> {
  const npm = process.env['npm_execpath'];
  // Under npm, npm_execpath is npm's own CLI script: run it with this node, never through a shell.
  const [command, args] = npm !== undefined && npm.endsWith('.js') ? [process.execPath, [npm, 'run', '-s', script]] : ['npm', ['run', '-s', script]];
  return new Promise((resolveExit, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) => resolveExit(code ?? 1));
  });
}

export async function buildIfStale(names: readonly string[], force: boolean, root: string = ROOT): Promise<number> {
  const started = Date.now();
  const steps = names.length === 0 ? BUILD_STEPS : BUILD_STEPS.filter((step) => names.includes(step.name));
  const unknown = names.filter((name) => !BUILD_STEPS.some((step) => step.name === name));
  if (unknown.length > 0) {
    process.stderr.write(`build: no step named ${unknown.join(', ')} (steps: ${BUILD_STEPS.map((step) => step.name).join(', ')})\n`);
    return 2;
  }
  const fresh: string[] = [];
  for (const step of steps) {
    if (!force && !(await isStale(step, root))) {
      fresh.push(step.label);
      continue;
    }
    // Fingerprint before building: an edit made during the build makes the next start build again.
    const fingerprint = await fingerprintOf(step, root);
    process.stderr.write(`build: building ${step.label} (npm run ${step.script}) …\n`);
    const code = await runScript(step.script, root);
    if (code !== 0) {
      process.stderr.write(`build: npm run ${step.script} failed (exit ${code}); fix the error above and run npm start again.\n`);
      return code;
    }
    await recordBuilt(step, fingerprint, root);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (fresh.length > 0) process.stderr.write(`build: ${fresh.join(', ')} up to date (${seconds} s)\n`);
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  process.exitCode = await buildIfStale(
    args.filter((arg) => arg !== '--force'),
    args.includes('--force'),
  );
}
