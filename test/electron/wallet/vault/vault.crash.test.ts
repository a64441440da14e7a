/**
 * V5 (threat T25): a writer process is SIGKILLed at random moments while it writes generation after
 * generation; after every kill the vault must open and decrypt to generation n or n+1, where n is
 * the last generation the writer acknowledged as durable — never corrupt, never older.
 *
 * Speed: children start from a Node startup snapshot (no module loading), the next child starts
 * while the current one writes, and two independent vaults ("lanes") run side by side.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { FixedKeySecretStore } from '../../../fakes/fixed-key-secret-store.js';
import { buildSnapshotChild, type SnapshotChild } from './snapshot-child.js';
import { createTempDirs } from './temp-dirs.js';
import { nextLine, startWriter } from './writer-process.js';

const KILLS = Number(process.env.LATCHKEY_V5_KILLS ?? 500);
const LANES = 2;
const dirs = createTempDirs('latchkey-v5-');
let child: SnapshotChild | undefined;
afterAll(() => {
  child?.remove();
  dirs.removeAll();
});

interface LaneStats {
  kills: number;
  midWrite: number;
  landedOnNext: number;
}

/** Runs `kills` kill cycles on one vault dir; throws on the first violation. */
async function runLane(args: string[], kills: number): Promise<LaneStats> {
  const key = randomBytes(32).toString('base64');
  const store = new FixedKeySecretStore(key);
  const dir = dirs.make();
  const first = await openVault({ dir, mode: 'keychain', secretStore: store });
  let durable = first.generation;
  await first.close();
  const stats: LaneStats = { kills: 0, midWrite: 0, landedOnNext: 0 };
  let next = startWriter(args, key);
  for (let round = 0; round < kills; round += 1) {
    const writer = next;
    expect(await nextLine(writer)).toBe('ready');
    next = startWriter(args, key); // warms up while this one writes
    writer.child.stdin.write(`go ${dir} ${randomInt(256, 16 * 1024)}\n`);
    const acksBeforeKill = randomInt(0, 4);
    let acks = 0;
    let lastAck = durable;
    for (;;) {
      const line = await nextLine(writer);
      if (line === undefined) break;
      const [kind, value, ...rest] = line.split(' ');
      if (kind === 'error') throw new Error(`round ${round}: the writer failed: ${value} ${rest.join(' ')}`);
      if (kind === 'open') expect(Number(value), `round ${round}: opened generation`).toBe(durable);
      if (kind === 'ack') {
        lastAck = Number(value);
        acks += 1;
      }
      if (acks === acksBeforeKill) {
        // Kill now, or a moment later: either way the child is inside its next write.
        if (randomInt(2) === 0) writer.child.kill('SIGKILL');
        else setTimeout(() => writer.child.kill('SIGKILL'), randomInt(0, 3)).unref();
        acks = Number.NaN; // kill once
      }
    }
    await writer.exited;
    if (existsSync(join(dir, 'vault.enc.tmp'))) stats.midWrite += 1;
    const vault = await openVault({ dir, mode: 'keychain', secretStore: store });
    const generation = vault.generation;
    const document = vault.read();
    await vault.close();
    if (generation !== lastAck && generation !== lastAck + 1) {
      throw new Error(`round ${round}: vault at generation ${generation}, last acknowledged ${lastAck}`);
    }
    expect(document.generation ?? 1, `round ${round}: document matches its header`).toBe(generation);
    if (generation === lastAck + 1) stats.landedOnNext += 1;
    durable = generation;
    stats.kills += 1;
  }
  next.child.kill('SIGKILL');
  await next.exited;
  return stats;
}

describe('vault: crash safety (T25)', () => {
  it(`V5: ${KILLS} random SIGKILLs during writes; the vault always decrypts to generation n or n+1`, { timeout: 600_000 }, async () => {
    const started = Date.now();
    child = await buildSnapshotChild(join(import.meta.dirname, 'crash-writer.ts'), 'runCrashWriter');
    const perLane = Math.ceil(KILLS / LANES);
    const results = await Promise.all(Array.from({ length: LANES }, () => runLane(child?.args ?? [], perLane)));
    const total = results.reduce((sum, lane) => ({
      kills: sum.kills + lane.kills,
      midWrite: sum.midWrite + lane.midWrite,
      landedOnNext: sum.landedOnNext + lane.landedOnNext,
    }));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `V5: ${total.kills} SIGKILLs in ${seconds} s; ${total.midWrite} left a half-written temp file, ` +
        `${total.landedOnNext} landed on the unacknowledged n+1; every reopen decrypted to n or n+1`,
    );
    expect(total.kills).toBeGreaterThanOrEqual(KILLS);
    expect(total.midWrite).toBeGreaterThan(0);
  });
});
