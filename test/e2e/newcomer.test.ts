/**
 * The newcomer's first run, as the README says it: a fresh clone of this repository's HEAD, in a
 * clean environment (a new HOME, no D-Bus session, no display, no terminal), `npm ci`, then
 * `npm start`; Chromium opens the link it prints and sees the Approvals screen. Prints how long
 * the install, the first start and a second start (nothing changed: no rebuild) take.
 *
 * The npm cache is the machine's (a newcomer who installed anything before has one too; the
 * registry is not what is measured); node-gyp's headers come from npm_config_nodedir: the one
 * this run has (CI's Node 22), else /usr as the machine's ~/.npmrc says (a new HOME loses it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChromiumHost } from '../world/chromium.js';
import { REPO_ROOT } from '../support/run-cli.js';

const INSTALL_TIMEOUT_MS = 240_000;
const START_GOAL_MS = 60_000;

let base: string;
let repo: string;
let cleanEnv: NodeJS.ProcessEnv;
const chromium = new ChromiumHost();

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'latchkey-newcomer-'));
  repo = join(base, 'latchkey');
  cleanEnv = {
    HOME: join(base, 'home'),
    PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
    // The headers of the node on PATH (CI points this at Node 22's); /usr is the machine's own node.
    npm_config_nodedir: process.env['npm_config_nodedir'] ?? '/usr',
    npm_config_cache: process.env['npm_config_cache'] ?? join(homedir(), '.npm'),
  };
});

afterAll(async () => {
  await chromium.close();
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

/** Runs to the end; fails with its output when it exits non-zero. Returns the milliseconds it took. */
function runToEnd(command: string, args: string[], cwd: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(Date.now() - started);
      else reject(new Error(`${command} ${args.join(' ')} ended with ${code ?? signal}:\n${output.slice(-4000)}`));
    });
  });
}

interface Started {
  child: ChildProcess;
  link: string;
  ms: number;
  output: () => string;
}

/** `npm start` (its own process group, no stdin) until it prints the window's link. */
function npmStart(): Promise<Started> {
  const started = Date.now();
  const child = spawn('npm', ['start'], { cwd: repo, env: cleanEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /Open the Latchkey window: (http:\/\/127\.0\.0\.1:\d+\/#signin=\S+)/.exec(output);
      if (match?.[1] !== undefined) resolve({ child, link: match[1], ms: Date.now() - started, output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited (${code}) before printing the link:\n${output.slice(-4000)}`)));
  });
}

/** Stops `npm start` and everything it started (its process group), and waits for it. */
async function stop(started: Started): Promise<void> {
  const pid = started.child.pid;
  if (pid === undefined || started.child.exitCode !== null) return;
  const exited = new Promise((resolve) => started.child.once('exit', resolve));
  process.kill(-pid, 'SIGTERM');
  await exited;
}

describe('a newcomer on a fresh headless machine', () => {
  it(
    'README: a fresh clone, npm ci, npm start with no D-Bus session and no display reaches the Approvals screen in Chromium; a second start rebuilds nothing',
    async () => {
      expect(spawnSync('git', ['clone', '--quiet', REPO_ROOT, repo]).status).toBe(0);
      const installMs = await runToEnd('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund'], repo, INSTALL_TIMEOUT_MS);

      const first = await npmStart();
      try {
        expect(first.output()).not.toContain('error[');
        expect(first.output()).toContain('IN MEMORY ONLY');
        expect(first.output()).toContain('--vault passphrase');
        const context = await chromium.newContext();
        const page = await context.newPage();
        await page.goto(first.link);
        await page.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor({ timeout: 30_000 });
        await context.close();
      } finally {
        await stop(first);
      }

      const second = await npmStart();
      await stop(second);
      expect(second.output()).not.toContain('build: building');
      expect(second.output()).toContain('up to date');

      console.info(
        `newcomer: npm ci ${(installMs / 1000).toFixed(1)} s; npm start → link ${(first.ms / 1000).toFixed(1)} s (goal < ${START_GOAL_MS / 1000} s); ` +
          `second npm start → link ${(second.ms / 1000).toFixed(1)} s`,
      );
      expect(first.ms).toBeLessThan(START_GOAL_MS);
    },
    INSTALL_TIMEOUT_MS + 120_000,
  );
});
