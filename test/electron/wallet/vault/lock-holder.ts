/**
 * A vault-lock contender for V8/T39 tests, run as its own process: prints READY, waits for "go" on
 * stdin, tries to take the lock of the data directory in argv[2] (no waiting), prints WON or
 * INUSE <pid>, then keeps the lock until stdin closes (or it is killed).
 */
import { createInterface } from 'node:readline';
import { acquireVaultLock, type VaultLock } from '../../../../electron/wallet/vault/lock.js';

const dir = process.argv[2];
if (dir === undefined) throw new Error('usage: lock-holder <dir>');
const logger = { debug() {}, info() {}, warn() {}, error() {} };
let lock: VaultLock | undefined;
const lines = createInterface({ input: process.stdin });
process.stdout.write('READY\n');
lines.on('line', (line) => {
  if (line !== 'go') return;
  acquireVaultLock(dir, { logger }).then(
    (held) => {
      lock = held;
      process.stdout.write('WON\n');
    },
    (error: unknown) => {
      const pid = (error as { details?: { pid?: number } }).details?.pid ?? 0;
      process.stdout.write(`INUSE ${pid}\n`);
    },
  );
});
lines.on('close', () => {
  void (lock?.release() ?? Promise.resolve()).then(() => process.exit(0));
});
