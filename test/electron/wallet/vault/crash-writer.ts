/**
 * Child process of the V5 crash test, run from a Node startup snapshot (snapshot-child.ts), so
 * nothing happens at load time: the snapshot's main calls runCrashWriter. Protocol on stdio, one line each:
 *   → "ready"                       loaded, waiting
 *   ← "go <dir> <padBytes>"         open the vault in <dir>
 *   → "open <generation>"           opened (a stale lock of the previous, killed child taken over)
 *   → "ack <generation>"            after each update resolved, i.e. is durable; forever, until killed
 *   → "error <code> <message>"      opening or writing failed
 * The vault key comes from LATCHKEY_TEST_VAULT_KEY through a fixed-key SecretStore (test only).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { FixedKeySecretStore } from '../../../fakes/fixed-key-secret-store.js';

async function writeForever(dir: string, padBytes: number): Promise<never> {
  const vault = await openVault({ dir, mode: 'keychain', secretStore: new FixedKeySecretStore(process.env.LATCHKEY_TEST_VAULT_KEY ?? '') });
  process.stdout.write(`open ${vault.generation}\n`);
  for (;;) {
    const generation = vault.generation + 1;
    await vault.update((doc) => ({ ...doc, generation, pad: randomBytes(padBytes).toString('base64') }));
    process.stdout.write(`ack ${vault.generation}\n`);
  }
}

export function runCrashWriter(): void {
  const lines = createInterface({ input: process.stdin });
  lines.once('line', (line) => {
    const [command, dir, pad] = line.split(' ');
    if (command !== 'go' || dir === undefined) process.exit(2);
    writeForever(dir, Number(pad ?? '1024')).catch((error: unknown) => {
      const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
      process.stdout.write(`error ${code} ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    });
  });
  process.stdout.write('ready\n');
}
