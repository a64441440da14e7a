/**
 * The vault for `latchkey start` when no vault mode was chosen and the OS keychain is not usable
 * (a headless box without a D-Bus session or keyring daemon): never a dead end.
 * - On a terminal it explains and offers a passphrase vault (asked twice, scrypt) or a memory
 *   vault, and saves the choice in <home>/settings.json so the next start does not ask.
 * - Without a terminal it runs with a memory vault and a warning that says how to keep the data.
 * It never starts a keyring daemon itself: its collection password would have to come from
 * somewhere, and an unlocked keyring Latchkey made up would guard nothing.
 * An existing vault file is left to the vault's own errors: a memory vault would hide its data.
 */
import type { KeychainProbe } from '../wallet/vault/keychain-probe.js';
import type { WalletConfig } from '../wallet/wallet-api.js';
import type { VaultModeName } from './config.js';
import { writeLine, type CliIo } from './io.js';
import { readChoice, readHiddenLine } from './prompt.js';
import { CancelledError } from './usage-error.js';

export const MIN_PASSPHRASE_LENGTH = 8;
const PASSPHRASE_ATTEMPTS = 3;

export interface VaultChoiceDeps {
  probeKeychain: () => Promise<KeychainProbe>;
  /** Whether a vault file already exists in the data directory. */
  vaultExists: (home: string) => boolean;
  /** Saves the chosen mode; returns where. */
  saveChoice: (home: string, mode: VaultModeName) => string;
}

export interface VaultChoiceInput {
  config: WalletConfig;
  /** The mode came from --vault, LATCHKEY_VAULT or a saved choice: use it as it is. */
  chosen: boolean;
  io: CliIo;
}

export async function chooseStartVault({ config, chosen, io }: VaultChoiceInput, deps: VaultChoiceDeps): Promise<WalletConfig> {
  if (chosen || config.vault.mode !== 'keychain' || deps.vaultExists(config.home)) return config;
  const probe = await deps.probeKeychain();
  if (probe.ok) return config;
  if (io.stdin.isTTY !== true || io.stderr.isTTY !== true) return runInMemory(config, probe.reason, io);
  return askForVault(config, probe.reason, io, deps);
}

function runInMemory(config: WalletConfig, reason: string, io: CliIo): WalletConfig {
  writeLine(io.stderr, `warning: ${reason}`);
  writeLine(io.stderr, 'warning: this run keeps the vault IN MEMORY ONLY: connections, agents and grants are lost when Latchkey stops.');
  writeLine(io.stderr, '  To keep them: run `npm start -- --vault passphrase` (or `latchkey start --vault passphrase`) once in a terminal,');
  writeLine(io.stderr, '  or set LATCHKEY_VAULT=passphrase and LATCHKEY_PASSPHRASE; or make the OS keychain reachable (`latchkey doctor` says how).');
  return { ...config, vault: { ...config.vault, mode: 'memory' } };
}

async function askForVault(config: WalletConfig, reason: string, io: CliIo, deps: VaultChoiceDeps): Promise<WalletConfig> {
  writeLine(io.stderr, reason);
  writeLine(io.stderr, 'Latchkey keeps its vault key in the OS keychain by default. Here it can instead:');
  writeLine(io.stderr, '  1) keep the vault in a file encrypted with a passphrase you choose now and type at each start');
  writeLine(io.stderr, '  2) keep everything in memory: nothing is saved when Latchkey stops');
  writeLine(io.stderr, '  3) stop, to set up a keyring first (`latchkey doctor` says how)');
  const answer = await readChoice(io, 'Choose 1, 2 or 3 [1]: ', ['1', '2', '3']);
  if (answer === '3') throw new CancelledError();
  if (answer === '2') {
    const where = deps.saveChoice(config.home, 'memory');
    writeLine(io.stderr, `Saved: this data directory uses a memory vault (${where}; --vault overrides it).`);
    return { ...config, vault: { ...config.vault, mode: 'memory' } };
  }
  const passphrase = await askNewPassphrase(io);
  const where = deps.saveChoice(config.home, 'passphrase');
  writeLine(io.stderr, `Saved: this data directory uses a passphrase vault (${where}); the next start asks for the passphrase.`);
  return { ...config, vault: { ...config.vault, mode: 'passphrase', passphrase } };
}

async function askNewPassphrase(io: CliIo): Promise<string> {
  for (let attempt = 1; attempt <= PASSPHRASE_ATTEMPTS; attempt++) {
    const first = await readHiddenLine(io, `New vault passphrase (at least ${MIN_PASSPHRASE_LENGTH} characters): `);
    if ([...first].length < MIN_PASSPHRASE_LENGTH) {
      writeLine(io.stderr, `That is shorter than ${MIN_PASSPHRASE_LENGTH} characters.`);
      continue;
    }
    const second = await readHiddenLine(io, 'The same passphrase again: ');
    if (second === first) return first;
    writeLine(io.stderr, 'The two passphrases differ.');
  }
  writeLine(io.stderr, 'No passphrase set. Run `latchkey start` again to choose.');
  throw new CancelledError();
}
