/**
 * T34 through real processes: every child Latchkey starts gets its environment through scrubEnv.
 * A passphrase-vault daemon is started with Latchkey secrets in its environment; its opener runs
 * a real BROWSER program that writes the environment it received to a file (and then hands the
 * URL to the world's Chromium, so `latchkey connect` really completes); `latchkey run` starts a
 * child that writes its environment too. Neither holds a secret; the run child still has its
 * session secret and the bridge's location.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type World } from '../world/index.js';
import { REPO_ROOT, startCli, waitForOutput, type RunningCli, runCliOk, stopCli } from '../support/run-cli.js';

const RELAY = resolve(REPO_ROOT, 'test/world/browser-relay.mjs');
/** Secrets the daemon and the owner's shell hold; none may reach a browser or an agent. */
const CANARIES = {
  LATCHKEY_PASSPHRASE: 'canary-passphrase-7f3a91',
  LATCHKEY_OWNER_TOKEN: 'canary-owner-token-c2d4e8',
};
let world: World;
let scratch: string;
let home: string;
let runtimeDir: string;
let env: Record<string, string>;
let daemon: RunningCli | undefined;

beforeAll(async () => {
  world = await startWorld();
  scratch = await mkdtemp(join(tmpdir(), 'latchkey-t34-'));
  home = join(scratch, 'home');
  runtimeDir = await mkdtemp('/tmp/lkt34-'); // short: Unix socket paths are limited to 108 bytes
  const dumper = join(scratch, 'dump-browser.mjs');
  await writeFile(
    dumper,
    [
      "import { writeFileSync } from 'node:fs';",
      "import { spawnSync } from 'node:child_process';",
      `writeFileSync(${JSON.stringify(scratch)} + '/browser-env-' + process.pid + '.json', JSON.stringify(process.env));`,
      `const relayed = spawnSync(process.execPath, [${JSON.stringify(RELAY)}, ...process.argv.slice(2)], { stdio: 'inherit' });`,
      'process.exit(relayed.status ?? 1);',
    ].join('\n'),
  );
  env = {
    ...world.browserRelayEnv(),
    BROWSER: `${process.execPath} ${dumper}`,
    LATCHKEY_HOME: home,
    LATCHKEY_RUNTIME_DIR: runtimeDir,
    LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
    LATCHKEY_VAULT: 'passphrase',
    ...CANARIES,
  };
  daemon = startCli(['daemon'], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
}, 60_000);

afterAll(async () => {
  await stopCli(daemon);
  await world?.close();
  for (const dir of [scratch, runtimeDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

function cli(args: string[]): Promise<string> {
  return runCliOk(args, env);
}

function leaked(dumped: Record<string, string>): string[] {
  const text = JSON.stringify(dumped);
  return Object.entries(CANARIES)
    .filter(([, value]) => text.includes(value))
    .map(([name]) => name);
}

describe('children never inherit Latchkey secrets (T34)', () => {
  it('T34: the BROWSER the daemon starts for `latchkey connect` receives no passphrase and no LATCHKEY_*_TOKEN', async () => {
    await cli(['connect', world.mcpUrl]);
    const dumps = (await readdir(scratch)).filter((name) => name.startsWith('browser-env-'));
    expect(dumps.length).toBeGreaterThanOrEqual(1);
    for (const name of dumps) {
      const dumped = JSON.parse(await readFile(join(scratch, name), 'utf8')) as Record<string, string>;
      expect(dumped['LATCHKEY_TEST_BROWSER_RELAY']).toBeDefined(); // it is the environment the daemon had, minus secrets
      expect(leaked(dumped)).toEqual([]);
    }
  }, 120_000);

  it('T34: the `latchkey run` child gets its session and the bridge location, and no other secret', async () => {
    await cli(['agent', 'add', 'env-agent']);
    const out = join(scratch, 'run-env.json');
    const dump = `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`;
    await cli(['run', '--agent', 'env-agent', '--', process.execPath, '-e', dump]);
    const dumped = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>;
    expect(dumped['LATCHKEY_SESSION']).toMatch(/^lk_session_/);
    expect(dumped['LATCHKEY_BRIDGE_SOCKET'] ?? dumped['LATCHKEY_BRIDGE_URL']).toBeDefined();
    expect(leaked(dumped)).toEqual([]);
  }, 60_000);
});
