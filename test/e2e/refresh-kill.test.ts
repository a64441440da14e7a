/**
 * O16 (threat T08): a SIGKILL between the AS rotating the refresh token and Latchkey writing the
 * new one never leaves a broken wallet: afterwards the vault holds the new, working refresh token,
 * or the connection says it needs re-authorization. Never a corrupt vault, never a crash loop.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isLatchkeyError } from '../../shared/errors.js';
import { openWallet } from '../../electron/core/wallet.js';
import { startWorld, type World } from '../world/index.js';
import { keychainMode } from '../support/keychain-env.js';
import { REPO_ROOT } from '../support/run-cli.js';

const CHILD = resolve(import.meta.dirname, 'fixtures/refresh-child.ts');
let world: World;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-o16-'));
  env = { LATCHKEY_HOME: home, ...keychainMode() };
});
afterAll(async () => {
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

function walletConfig() {
  const mode = env['LATCHKEY_VAULT'] as 'keychain' | 'passphrase';
  return { home, allowInsecureLoopback: true, vault: { mode, passphrase: env['LATCHKEY_PASSPHRASE'] ?? '', lockWaitMs: 5_000 } };
}

/** Runs the child and kills it `delayTicks` event-loop turns after it printed ROTATED. */
function refreshAndKill(delayTicks: number): Promise<'killed' | 'finished'> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, world.mcpUrl], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ROTATED') && !child.killed) {
        let ticks = delayTicks;
        const kill = () => (ticks-- <= 0 ? child.kill('SIGKILL') : setImmediate(kill));
        kill();
      }
    });
    child.on('close', (code, signal) => {
      if (signal === 'SIGKILL') done('killed');
      else if (code === 0) done('finished');
      else fail(new Error(`child failed (${code}): ${err}`));
    });
  });
}

describe('refresh-token rotation and a crash (T08)', () => {
  it('O16: SIGKILL between rotation and write → the new token works, or the connection needs re-auth', async () => {
    const outcomes: string[] = [];
    for (const delay of [0, 1, 3, 10, 30, 100]) {
      const setup = await openWallet(walletConfig(), { opener: world.opener });
      if ((await setup.listConnections())[0]?.status !== 'ok') await setup.connect(world.mcpUrl);
      await setup.close();

      await refreshAndKill(delay);

      const after = await openWallet(walletConfig(), { opener: world.opener }); // never VaultCorrupt
      try {
        const token = await after.accessToken(world.mcpUrl, { minTtlSeconds: 1e9 });
        expect(token.accessToken.split('.')).toHaveLength(3);
        outcomes.push('new token kept');
      } catch (error) {
        expect(isLatchkeyError(error, ErrorCode.NeedsReauth), String(error)).toBe(true);
        expect((await after.listConnections())[0]?.status).toBe('needs-reauth');
        outcomes.push('needs re-auth');
      } finally {
        await after.close();
      }
    }
    expect(world.as.serverErrors).toEqual([]);
    console.info(`O16 outcomes: ${outcomes.join(', ')}`);
  }, 120_000);
});
