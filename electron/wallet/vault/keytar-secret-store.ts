/**
 * The SecretStore port on the OS keychain through keytar (threat T27: keytar is archived upstream,
 * so it stays behind the port and is loaded lazily, on first use, never at import time).
 * On Linux keytar talks to the Secret Service (gnome-keyring, KWallet) over D-Bus.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { SecretStore } from '../../base/ports.js';

/** What a user without a usable keychain can do instead. Shown with every keychain error. */
export const KEYCHAIN_ALTERNATIVES_HINT =
  'Unlock your keyring (log in to your desktop session or start gnome-keyring), or choose another vault: ' +
  '`--vault passphrase` (or LATCHKEY_VAULT=passphrase with LATCHKEY_PASSPHRASE) for an encrypted file protected ' +
  'by a passphrase, or `--vault memory` (LATCHKEY_VAULT=memory) to keep secrets in memory for this run only.';

interface KeytarModule {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** Loads the native module. Injectable so tests can simulate a missing or broken module. */
export type KeytarLoader = () => Promise<KeytarModule>;

const loadKeytarModule: KeytarLoader = async () => {
  const imported = (await import('keytar')) as KeytarModule & { default?: KeytarModule };
  return imported.default ?? imported;
};

export interface KeytarSecretStoreOptions {
  load?: KeytarLoader;
  /** A keychain call that takes longer than this (e.g. a hidden unlock prompt) fails. Default 15 s. */
  timeoutMs?: number;
}

const LOCKED_PATTERN = /locked|prompt|dismissed|cancel/i;

/** Maps a keytar / libsecret failure to a stable code with a message a user can act on. */
export function mapKeychainError(error: unknown, action: string): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  const raw = error instanceof Error ? error.message : String(error);
  if (LOCKED_PATTERN.test(raw)) {
    return new LatchkeyError(ErrorCode.KeychainLocked, `The OS keychain is locked, so Latchkey could not ${action}.`, {
      hint: KEYCHAIN_ALTERNATIVES_HINT,
      details: { reason: raw.slice(0, 200) },
      cause: error,
    });
  }
  let why = 'the OS keychain is not available';
  if (/D-Bus|DBUS|X11|DISPLAY/i.test(raw)) why = 'there is no D-Bus session to reach the Secret Service';
  else if (/org\.freedesktop\.secrets|not provided by any|ServiceUnknown|secret service/i.test(raw))
    why = 'no Secret Service (gnome-keyring or KWallet) is running';
  else if (/Cannot find module|ERR_MODULE_NOT_FOUND|ERR_DLOPEN|\.node|libsecret/i.test(raw))
    why = 'the keytar native module could not be loaded (on Linux it needs libsecret)';
  return new LatchkeyError(ErrorCode.KeychainUnavailable, `Latchkey could not ${action}: ${why}.`, {
    hint: KEYCHAIN_ALTERNATIVES_HINT,
    details: { reason: raw.slice(0, 200) },
    cause: error,
  });
}

/** Runs one keychain call, failing with KeychainUnavailable when it hangs. */
async function callWithTimeout<T>(call: () => Promise<T>, timeoutMs: number, action: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the keychain did not answer within ${timeoutMs} ms (is an unlock prompt waiting?)`)),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    throw mapKeychainError(error, action);
  } finally {
    clearTimeout(timer);
  }
}

/** Creates the keytar-backed SecretStore. Nothing native is loaded until the first call. */
export function createKeytarSecretStore(options: KeytarSecretStoreOptions = {}): SecretStore {
  const load = options.load ?? loadKeytarModule;
  const timeoutMs = options.timeoutMs ?? 15_000;
  let loaded: Promise<KeytarModule> | undefined;

  const keytar = async (action: string): Promise<KeytarModule> => {
    loaded ??= load();
    try {
      return await loaded;
    } catch (error) {
      loaded = undefined; // a later call may retry, e.g. after libsecret was installed
      throw mapKeychainError(error, action);
    }
  };

  return {
    kind: process.platform === 'linux' ? 'keychain (Secret Service)' : 'keychain',
    async get(service, account) {
      const action = 'read the vault key from the OS keychain';
      const module = await keytar(action);
      return callWithTimeout(() => module.getPassword(service, account), timeoutMs, action);
    },
    async set(service, account, secret) {
      const action = 'store the vault key in the OS keychain';
      const module = await keytar(action);
      await callWithTimeout(() => module.setPassword(service, account, secret), timeoutMs, action);
    },
    async delete(service, account) {
      const action = 'delete the vault key from the OS keychain';
      const module = await keytar(action);
      return callWithTimeout(() => module.deletePassword(service, account), timeoutMs, action);
    },
  };
}
