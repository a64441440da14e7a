/**
 * Where the vault key comes from: 32 random bytes kept in the OS keychain (default), or derived
 * with scrypt from a passphrase the user opted into (threat T24). Never from nowhere: no key means
 * an error, never a plaintext file.
 */
import { createHash, randomBytes, scrypt } from 'node:crypto';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { SecretStore } from '../../base/ports.js';
import { KEY_LENGTH, type ScryptParams } from './format.js';
import { KEYCHAIN_ALTERNATIVES_HINT, mapKeychainError } from './keytar-secret-store.js';

export const KEYCHAIN_SERVICE = 'latchkey';

/** The keychain account for a data dir: two data dirs never share (or overwrite) a key. */
export function keychainAccountFor(realDir: string): string {
  return `vault-key ${createHash('sha256').update(realDir).digest('hex').slice(0, 16)} ${realDir}`;
}

function decodeKey(stored: string): Buffer {
  const key = Buffer.from(stored, 'base64');
  if (key.length !== KEY_LENGTH || key.toString('base64') !== stored) {
    throw new LatchkeyError(ErrorCode.VaultCorrupt, 'The vault key stored in the OS keychain is malformed.', {
      hint: 'Something else changed the "latchkey" keychain entry. Restore it, or move the vault file away to start a new vault.',
    });
  }
  return key;
}

/**
 * Reads the key for an existing vault. `null` from the keychain where a key must exist means a
 * locked collection (the Secret Service answers reads of a locked collection with "nothing") or a
 * deleted entry: either way KeychainLocked, never a fresh empty vault that would lose the data.
 */
export async function readKeychainKey(store: SecretStore, account: string): Promise<Buffer> {
  let stored: string | null;
  try {
    stored = await store.get(KEYCHAIN_SERVICE, account);
  } catch (error) {
    throw mapKeychainError(error, 'read the vault key from the OS keychain');
  }
  if (stored === null) {
    throw new LatchkeyError(
      ErrorCode.KeychainLocked,
      'The vault exists but its key is not readable in the OS keychain: the keychain is locked (or the key was deleted).',
      { hint: KEYCHAIN_ALTERNATIVES_HINT },
    );
  }
  return decodeKey(stored);
}

/** For a new vault: reuse a key already stored for this dir, else create and store one. */
export async function createOrReuseKeychainKey(store: SecretStore, account: string): Promise<Buffer> {
  try {
    const existing = await store.get(KEYCHAIN_SERVICE, account);
    if (existing !== null) return decodeKey(existing);
    const key = randomBytes(KEY_LENGTH);
    await store.set(KEYCHAIN_SERVICE, account, key.toString('base64'));
    // Read it back: a keychain that accepts writes but cannot return them would lose the vault.
    const check = await store.get(KEYCHAIN_SERVICE, account);
    if (check !== key.toString('base64')) {
      throw new LatchkeyError(ErrorCode.KeychainLocked, 'The OS keychain accepted the vault key but does not return it (is it locked?).', {
        hint: KEYCHAIN_ALTERNATIVES_HINT,
      });
    }
    return key;
  } catch (error) {
    throw mapKeychainError(error, 'store a new vault key in the OS keychain');
  }
}

export async function deleteKeychainKey(store: SecretStore, account: string): Promise<void> {
  try {
    await store.delete(KEYCHAIN_SERVICE, account);
  } catch (error) {
    throw mapKeychainError(error, 'delete the vault key from the OS keychain');
  }
}

/** scrypt cost for new passphrase vaults: N = 2^17, r = 8, p = 1 (~128 MiB, a few hundred ms). */
export const DEFAULT_SCRYPT_LOG_N = 17;

export function newScryptParams(logN: number = DEFAULT_SCRYPT_LOG_N): ScryptParams {
  return { name: 'scrypt', salt: randomBytes(16).toString('base64'), logN, r: 8, p: 1 };
}

export async function derivePassphraseKey(passphrase: string, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.logN;
  const maxmem = 128 * N * params.r * params.p + 32 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase.normalize('NFC'), Buffer.from(params.salt, 'base64'), KEY_LENGTH, { N, r: params.r, p: params.p, maxmem }, (error, key) => {
      if (error === null) resolve(key);
      else reject(new LatchkeyError(ErrorCode.Internal, 'Deriving the vault key from the passphrase failed.', { cause: error }));
    });
  });
}
