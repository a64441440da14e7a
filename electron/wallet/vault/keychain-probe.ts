/**
 * Is the OS keychain usable here? One read of an entry that never exists, through the SecretStore
 * port: a working Secret Service answers "nothing", a missing D-Bus session or keyring daemon
 * fails at once, a hung one fails at the store's timeout. `latchkey start` asks before opening a
 * new vault (to offer another vault instead of an error) and `latchkey doctor` reports it.
 */
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';
import type { SecretStore } from '../../base/ports.js';
import { KEYCHAIN_SERVICE } from './key-source.js';
import { mapKeychainError } from './keytar-secret-store.js';

/** The account read by the probe; nothing is ever stored under it. */
export const KEYCHAIN_PROBE_ACCOUNT = 'latchkey-probe (never stored)';

export type KeychainProbe =
  | { ok: true; backend: string }
  | { ok: false; code: typeof ErrorCode.KeychainUnavailable | typeof ErrorCode.KeychainLocked; reason: string };

export async function probeKeychain(store: SecretStore): Promise<KeychainProbe> {
  try {
    await store.get(KEYCHAIN_SERVICE, KEYCHAIN_PROBE_ACCOUNT);
    return { ok: true, backend: store.kind };
  } catch (error) {
    const mapped = mapKeychainError(error, 'reach the OS keychain');
    const code = isLatchkeyError(mapped, ErrorCode.KeychainLocked) ? ErrorCode.KeychainLocked : ErrorCode.KeychainUnavailable;
    return { ok: false, code, reason: mapped.message };
  }
}
