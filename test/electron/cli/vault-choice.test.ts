/**
 * `latchkey start` on a machine whose keychain is unreachable: never a dead end. On a terminal the
 * user picks a passphrase vault (asked twice) or a memory vault and the choice is saved; without
 * a terminal it runs in memory and says how to keep the data.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import type { CliIo, InputStream } from '../../../electron/cli/io.js';
import { readSavedSettings, saveSettings, settingsPathIn } from '../../../electron/cli/saved-settings.js';
import { resolveConfig } from '../../../electron/cli/config.js';
import { chooseStartVault, type VaultChoiceDeps } from '../../../electron/cli/vault-choice.js';
import type { WalletConfig } from '../../../electron/wallet/wallet-api.js';
import type { KeychainProbe } from '../../../electron/wallet/vault/keychain-probe.js';

const NO_DBUS: KeychainProbe = { ok: false, code: ErrorCode.KeychainUnavailable, reason: 'Latchkey could not reach the OS keychain: there is no D-Bus session to reach the Secret Service.' };

/** A terminal that types `keys`, one chunk per read, as a user at the keyboard would. */
function terminalIo(keys: string[], tty = true): CliIo & { err: () => string } {
  let err = '';
  const listeners = new Set<(chunk: string) => void>();
  const stdin: InputStream = {
    isTTY: tty,
    setRawMode: () => undefined,
    setEncoding: () => undefined,
    on: (_event, listener) => listeners.add(listener as (chunk: string) => void),
    off: (_event, listener) => listeners.delete(listener as (chunk: string) => void),
    resume: () => {
      const next = keys.shift();
      if (next !== undefined) queueMicrotask(() => [...listeners].forEach((listener) => listener(next)));
    },
    pause: () => undefined,
    [Symbol.asyncIterator]: async function* () {},
  };
  return {
    stdout: { write: () => true },
    stderr: { isTTY: tty, write: (chunk: string) => (err += chunk) },
    stdin,
    interrupts: { onInterrupt: () => () => undefined },
    now: () => 0,
    schedule: () => () => undefined,
    err: () => err,
  };
}

describe('the vault of a first start without a usable keychain', () => {
  let home: string;
  let config: WalletConfig;
  let saved: string[];
  let deps: VaultChoiceDeps;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'latchkey-choice-'));
    config = { home, allowInsecureLoopback: false, vault: { mode: 'keychain' } };
    saved = [];
    deps = {
      probeKeychain: async () => NO_DBUS,
      vaultExists: () => false,
      saveChoice: (dir, mode) => {
        saved.push(mode);
        saveSettings(dir, { vault: mode });
        return settingsPathIn(dir);
      },
    };
  });
  afterEach(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('without a terminal it runs in memory with a warning that names --vault passphrase, and saves nothing', async () => {
    const io = terminalIo([], false);
    const chosen = await chooseStartVault({ config, chosen: false, io }, deps);
    expect(chosen.vault.mode).toBe('memory');
    expect(io.err()).toContain('no D-Bus session');
    expect(io.err()).toContain('IN MEMORY ONLY');
    expect(io.err()).toContain('--vault passphrase');
    expect(saved).toEqual([]);
  });

  it('on a terminal, choice 1 asks a passphrase twice, uses a passphrase vault and saves the choice for the next start', async () => {
    const io = terminalIo(['1', 'short\r', 'correct horse\r', 'correct horsf\r', 'correct horse\r', 'correct horse\r']);
    const chosen = await chooseStartVault({ config, chosen: false, io }, deps);
    expect(chosen.vault).toEqual({ mode: 'passphrase', passphrase: 'correct horse' });
    expect(io.err()).toContain('shorter than 8 characters');
    expect(io.err()).toContain('The two passphrases differ.');
    expect(io.err()).not.toContain('correct horse');
    expect(readSavedSettings(home)).toEqual({ vault: 'passphrase' });
    // The next start reads the saved mode (and so prompts for the passphrase instead of asking again).
    expect(resolveConfig({ home }, {}).vault.mode).toBe('passphrase');
    expect(resolveConfig({ home, vault: 'memory' }, {}).vault.mode).toBe('memory');
  });

  it('on a terminal, choice 2 runs a memory vault and saves it; choice 3 stops', async () => {
    const chosen = await chooseStartVault({ config, chosen: false, io: terminalIo(['2']) }, deps);
    expect(chosen.vault.mode).toBe('memory');
    expect(saved).toEqual(['memory']);
    await expect(chooseStartVault({ config, chosen: false, io: terminalIo(['3']) }, deps)).rejects.toThrow();
  });

  it('a chosen mode, a working keychain or an existing vault file is left as it is (never a memory vault over real data)', async () => {
    const io = terminalIo([], false);
    expect(await chooseStartVault({ config, chosen: true, io }, deps)).toBe(config);
    expect(await chooseStartVault({ config, chosen: false, io }, { ...deps, probeKeychain: async () => ({ ok: true, backend: 'keychain (Secret Service)' }) })).toBe(config);
    expect(await chooseStartVault({ config, chosen: false, io }, { ...deps, vaultExists: () => true })).toBe(config);
    expect(io.err()).toBe('');
  });
});
