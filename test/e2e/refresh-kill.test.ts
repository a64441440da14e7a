/**
 * O16 (threat T08): a SIGKILL between the AS rotating the refresh token and Latchkey writing the
 * new one never leaves a broken wallet: afterwards the vault holds the new, working refresh token,
 * or the connection says it needs re-authorization. Never a corrupt vault, never a crash loop.
 * Both outcomes are reached on purpose: the child reports ROTATED (answer received, nothing written)
 * and STORED (the vault holds the new token) and can wait at either to be killed there; kills
 * timed a few event-loop turns after ROTATED land in between.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isLatchkeyError } from '../../shared/errors.js';
import { openWallet } from '../../electron/wallet/wallet.js';
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

type KillPoint =
  /** SIGKILL while the child waits right after ROTATED: the new refresh token was never written. */
  | { at: 'rotated' }
  /** SIGKILL while the child waits right after STORED: the new refresh token is in the vault. */
  | { at: 'stored' }
  /** SIGKILL `ticks` event-loop turns after ROTATED, the child running on: somewhere in between (or after it finished). */
  | { at: 'after-rotation'; ticks: number };

/** Runs the child and kills it at `point`; says whether the kill landed or the child finished first. */
function refreshAndKill(point: KillPoint): Promise<'killed' | 'finished'> {
  const hold = point.at === 'rotated' ? ['hold-rotated'] : point.at === 'stored' ? ['hold-stored'] : [];
  const event = point.at === 'stored' ? 'STORED' : 'ROTATED';
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, world.mcpUrl, ...hold], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes(event) && !child.killed) {
        let ticks = point.at === 'after-rotation' ? point.ticks : 0;
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

type Outcome = 'new token kept' | 'needs re-auth';

/** After the kill: the vault opens (never VaultCorrupt) and the connection works or says it needs re-auth. */
async function outcomeAfterKill(): Promise<Outcome> {
  const after = await openWallet(walletConfig(), { opener: world.opener });
  try {
    const token = await after.accessToken({ url: world.mcpUrl, minTtlSeconds: 1e9 });
    expect(token.accessToken.split('.')).toHaveLength(3);
    return 'new token kept';
  } catch (error) {
    expect(isLatchkeyError(error, ErrorCode.NeedsReauth), String(error)).toBe(true);
    expect((await after.listConnections())[0]?.status).toBe('needs-reauth');
    return 'needs re-auth';
  } finally {
    await after.close();
  }
}

async function connectIfNeeded(): Promise<void> {
  const setup = await openWallet(walletConfig(), { opener: world.opener });
  try {
    if ((await setup.listConnections())[0]?.status !== 'ok') await setup.connect({ url: world.mcpUrl });
  } finally {
    await setup.close();
  }
}

describe('refresh-token rotation and a crash (T08)', () => {
  it('O16: SIGKILL between rotation and write → the new token works, or the connection needs re-auth; both are reached', async () => {
    const points: KillPoint[] = [
      { at: 'rotated' },
      { at: 'stored' },
      ...[0, 1, 3, 10, 30, 100].map((ticks): KillPoint => ({ at: 'after-rotation', ticks })),
      { at: 'stored' },
      { at: 'rotated' },
    ];
    const seen: Array<{ point: string; landed: string; outcome: Outcome }> = [];
    for (const point of points) {
      await connectIfNeeded();
      const landed = await refreshAndKill(point);
      const outcome = await outcomeAfterKill();
      seen.push({ point: point.at === 'after-rotation' ? `rotation+${point.ticks}` : point.at, landed, outcome });
      // The exact points have exactly one right answer.
      if (point.at === 'rotated') expect({ landed, outcome }).toEqual({ landed: 'killed', outcome: 'needs re-auth' });
      if (point.at === 'stored') expect({ landed, outcome }).toEqual({ landed: 'killed', outcome: 'new token kept' });
    }
    const outcomes = new Set(seen.map((s) => s.outcome));
    expect(outcomes).toEqual(new Set<Outcome>(['new token kept', 'needs re-auth']));
    expect(world.as.serverErrors).toEqual([]);
    console.info(`O16 outcomes: ${seen.map((s) => `${s.point} ${s.landed} → ${s.outcome}`).join('; ')}`);
  }, 180_000);
});
