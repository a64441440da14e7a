/**
 * `latchkey start`: the desktop probe against this machine (no Electron binary: it is never
 * downloaded here) and against a stand-in package whose "Electron" is a small script; the launch
 * through that script; and the real command falling back to the headless host and printing its
 * one-time URL, which signs a client in once. Also `latchkey daemon --no-ui`.
 */
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_MAIN_ENTRY, launchDesktop, probeDesktop } from '../../../electron/wallet/host/desktop.js';
import { findPackageRoot, rendererDir } from '../../../electron/wallet/host/package-root.js';
import { apiHeaders, exchange, rawRequest } from '../wallet/host/support.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { createHarness } from './harness.js';
import { CLI_MAIN, REPO_ROOT, startCli, waitForOutput } from '../../support/run-cli.js';

let base: string;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'latchkey-start-'));
});

afterAll(async () => {
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

/** A package root whose node_modules/electron points at `script` as its binary. */
async function fakePackage(name: string, script: string, options: { built?: boolean } = {}): Promise<string> {
  const root = join(base, name);
  const electron = join(root, 'node_modules', 'electron');
  await mkdir(join(electron, 'dist'), { recursive: true });
  await writeFile(join(root, 'package.json'), '{"name":"fake-latchkey","type":"module"}');
  await writeFile(join(electron, 'package.json'), '{"name":"electron","version":"45.4.0","main":"index.js"}');
  await writeFile(join(electron, 'index.js'), 'throw new Error("the probe must never load electron/index.js (it downloads)");');
  await writeFile(join(electron, 'path.txt'), 'electron');
  await writeFile(join(electron, 'dist', 'electron'), `#!/bin/sh\n${script}\n`);
  await chmod(join(electron, 'dist', 'electron'), 0o755);
  if (options.built !== false) {
    await mkdir(join(root, 'dist', 'electron', 'main'), { recursive: true });
    await writeFile(join(root, DESKTOP_MAIN_ENTRY), '// stand-in main process\n');
  }
  return root;
}

describe('desktop probe', () => {
  it('finds the package root and the renderer from the sources', () => {
    expect(findPackageRoot(import.meta.url)).toBe(REPO_ROOT);
    expect(rendererDir()).toBe(join(REPO_ROOT, 'dist', 'renderer'));
  });

  it("from the CLI bundle: its own package.json (type: commonjs) is not Latchkey's root", async () => {
    const root = await mkdtemp(join(tmpdir(), 'latchkey-root-'));
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'latchkey', version: '0.0.0' }));
    await mkdir(join(root, 'dist', 'cli'), { recursive: true });
    await writeFile(join(root, 'dist', 'cli', 'package.json'), JSON.stringify({ type: 'commonjs' }));
    const chunk = pathToFileURL(join(root, 'dist', 'cli', 'launch.mjs')).href;
    expect(findPackageRoot(chunk)).toBe(root);
    expect(rendererDir(chunk)).toBe(join(root, 'dist', 'renderer'));
    await rm(root, { recursive: true, force: true });
  });

  it('here: the electron package has no binary, so the desktop app cannot start (and nothing is downloaded)', async () => {
    const probe = await probeDesktop({ packageRoot: REPO_ROOT, env: { DISPLAY: ':0' } });
    expect(probe.ok).toBe(false);
    expect(probe.ok ? '' : probe.reason).toMatch(/never downloaded|missing|does not run/);
  });

  it('a working binary, a display and a built main process → ok with the version', async () => {
    const root = await fakePackage('works', 'echo v45.4.0');
    const probe = await probeDesktop({ packageRoot: root, env: { DISPLAY: ':99' }, platform: 'linux' });
    expect(probe).toEqual({ ok: true, binary: join(root, 'node_modules', 'electron', 'dist', 'electron'), version: 'v45.4.0', mainEntry: join(root, DESKTOP_MAIN_ENTRY) });
  });

  it('says why not: no display, a binary that fails or hangs, an unbuilt app, no electron package', async () => {
    const works = await fakePackage('works2', 'echo v45.4.0');
    expect(await probeDesktop({ packageRoot: works, env: {}, platform: 'linux' })).toEqual({ ok: false, reason: 'no display: DISPLAY and WAYLAND_DISPLAY are unset' });
    expect((await probeDesktop({ packageRoot: works, env: {}, platform: 'darwin' })).ok).toBe(true);
    const broken = await fakePackage('broken', 'echo "error while loading shared libraries" >&2; exit 127');
    expect(await probeDesktop({ packageRoot: broken, env: { WAYLAND_DISPLAY: 'wayland-0' }, platform: 'linux' })).toEqual({ ok: false, reason: 'the Electron binary does not run (exit 127)' });
    const hangs = await fakePackage('hangs', 'exec sleep 30');
    const hung = await probeDesktop({ packageRoot: hangs, env: { DISPLAY: ':0' }, platform: 'linux', timeoutMs: 300 });
    expect(hung).toEqual({ ok: false, reason: 'the Electron binary does not run (no answer to --version within 300 ms)' });
    const unbuilt = await fakePackage('unbuilt', 'echo v45.4.0', { built: false });
    expect(await probeDesktop({ packageRoot: unbuilt, env: { DISPLAY: ':0' }, platform: 'linux' })).toMatchObject({ ok: false, reason: expect.stringContaining('npm run build:electron') });
    const empty = join(base, 'empty');
    await mkdir(empty, { recursive: true });
    await writeFile(join(empty, 'package.json'), '{}');
    expect(await probeDesktop({ packageRoot: empty, env: {}, platform: 'linux' })).toEqual({ ok: false, reason: 'the electron package is not installed' });
  });

  it('launches the desktop app with the main entry, never in run-as-node mode, and returns its exit code', async () => {
    const out = join(base, 'launch.txt');
    const root = await fakePackage('launch', `echo "args=$* home=$LATCHKEY_HOME runasnode=\${ELECTRON_RUN_AS_NODE:-unset}" > ${out}; exit 3`);
    const code = await launchDesktop({
      binary: join(root, 'node_modules', 'electron', 'dist', 'electron'),
      mainEntry: join(root, DESKTOP_MAIN_ENTRY),
      env: { PATH: process.env['PATH'], LATCHKEY_HOME: '/tmp/lk-home', ELECTRON_RUN_AS_NODE: '1' },
    });
    expect(code).toBe(3);
    expect((await readFile(out, 'utf8')).trim()).toBe(`args=${join(root, DESKTOP_MAIN_ENTRY)} home=/tmp/lk-home runasnode=unset`);
  });
});

/** A process's command line, from /proc (Linux). */
async function commandLineOf(pid: number | undefined): Promise<string[]> {
  return (await readFile(`/proc/${pid ?? 0}/cmdline`, 'utf8')).split('\0').slice(0, -1);
}

describe('before hosting the wallet', () => {
  it('daemon and start call beforeHosting (the cap on V8’s young generation) before any prompt; other commands never do', async () => {
    let calls = 0;
    const restarted = new LatchkeyError(ErrorCode.CommandFailed, 'restarted here');
    const beforeHosting = (): void => {
      calls += 1;
      throw restarted;
    };
    for (const argv of [['daemon', '--vault', 'passphrase'], ['start', '--headless', '--vault', 'passphrase']]) {
      const harness = createHarness({ beforeHosting });
      expect(await harness.run(argv)).toBe(1);
      // Not "The passphrase vault needs a passphrase.": it came first.
      expect(harness.stderr.text).toContain('restarted here');
    }
    expect(calls).toBe(2);
    const other = createHarness({ beforeHosting, openWalletError: new LatchkeyError(ErrorCode.VaultInUse, 'no wallet here') });
    expect(await other.run(['agent', 'list'])).toBe(1);
    expect(calls).toBe(2);
  });
});

describe('latchkey start and latchkey daemon (real processes)', () => {
  it('start: says Electron cannot start here, runs the headless host, and prints a one-time URL that works once', async () => {
    const home = await mkdtemp(join(base, 'home-'));
    const runtimeDir = await mkdtemp('/tmp/lkr-');
    const started = Date.now();
    const cli = startCli(['start', '--vault', 'memory'], { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtimeDir, DISPLAY: ':0' });
    try {
      await waitForOutput(cli, 'Press Ctrl-C to stop.');
      const readyMs = Date.now() - started;
      expect(cli.stderr).toMatch(/Electron cannot start here \(.+\); running the headless host instead\./);
      const url = /Open the Latchkey window: (http:\/\/127\.0\.0\.1:(\d+)\/#signin=([A-Za-z0-9_-]{43}))\n/.exec(cli.stderr);
      expect(url, cli.stderr).not.toBeNull();
      const port = Number(url![2]);
      const first = await exchange(port, url![3]!);
      expect(first.status).toBe(200);
      expect(first.headers['set-cookie']).toBeUndefined();
      expect((await exchange(port, url![3]!)).status).toBe(403);
      const session = (JSON.parse(first.body) as { result: { session: string } }).result.session;
      const status = await rawRequest(port, { method: 'POST', path: '/api/v1/call/status', headers: apiHeaders(session), body: '{}' });
      expect(status.status).toBe(200);
      const page = await rawRequest(port, { path: '/' });
      expect(page.status).toBe(200);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
      console.info(`latchkey start → URL printed after ${readyMs} ms`);
    } finally {
      cli.child.kill('SIGTERM');
      const result = await cli.done;
      expect(result.code).toBe(0);
      await rm(runtimeDir, { recursive: true, force: true });
    }
  });

  it('daemon --no-ui serves no window and prints no link', async () => {
    const home = await mkdtemp(join(base, 'home-'));
    const runtimeDir = await mkdtemp('/tmp/lkr-');
    const cli = startCli(['daemon', '--no-ui', '--vault', 'memory'], { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: runtimeDir });
    try {
      await waitForOutput(cli, 'Press Ctrl-C to stop.');
      expect(cli.stderr).not.toContain('Open the Latchkey window');
      expect(cli.stderr).not.toContain('#signin=');
      // No V8 flag and no restart: a flag on node's command line costs the embedded code cache (young-generation.ts).
      const commandLine = await commandLineOf(cli.child.pid);
      expect(commandLine).toEqual([process.execPath, '--import', 'tsx', CLI_MAIN, 'daemon', '--no-ui', '--vault', 'memory']);
    } finally {
      cli.child.kill('SIGTERM');
      const result = await cli.done;
      expect(result.code, `${result.signal ?? ''}\n${result.stderr}`).toBe(0);
      await rm(runtimeDir, { recursive: true, force: true });
    }
  });
});
