/**
 * A SecretStore that answers every read with one fixed vault key, so separate test processes
 * (the V5 crash test's writer children) can share a vault without a keychain. Test code only.
 */
import type { SecretStore } from '../../electron/base/ports.js';

export class FixedKeySecretStore implements SecretStore {
  readonly kind = 'fixed key (test)';

  constructor(private readonly keyBase64: string) {}

  async get(): Promise<string | null> {
    return this.keyBase64;
  }

  async set(): Promise<void> {}

  async delete(): Promise<boolean> {
    return true;
  }
}
