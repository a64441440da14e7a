/**
 * In-memory SecretStore for unit tests only (never in production: secrets would be lost and the
 * vault would believe it has a keychain). `state` simulates the failure modes of a real keychain.
 */
import type { SecretStore } from '../../electron/base/ports.js';

export type MemorySecretStoreState =
  /** Works like a keychain. */
  | 'ok'
  /** Every call throws, like keytar without D-Bus or a Secret Service. */
  | 'unavailable'
  /** Like a locked Secret Service collection: reads return null, writes throw. */
  | 'locked';

export class MemorySecretStore implements SecretStore {
  readonly kind = 'memory (test)';
  state: MemorySecretStoreState = 'ok';
  readonly entries = new Map<string, string>();
  calls = 0;

  constructor(private readonly unavailableMessage = 'Cannot autolaunch D-Bus without X11 $DISPLAY') {}

  private static id(service: string, account: string): string {
    return `${service}\u0000${account}`;
  }

  private enter(): void {
    this.calls += 1;
    if (this.state === 'unavailable') throw new Error(this.unavailableMessage);
  }

  async get(service: string, account: string): Promise<string | null> {
    this.enter();
    if (this.state === 'locked') return null;
    return this.entries.get(MemorySecretStore.id(service, account)) ?? null;
  }

  async set(service: string, account: string, secret: string): Promise<void> {
    this.enter();
    if (this.state === 'locked') throw new Error('Cannot create an item in a locked collection');
    this.entries.set(MemorySecretStore.id(service, account), secret);
  }

  async delete(service: string, account: string): Promise<boolean> {
    this.enter();
    if (this.state === 'locked') throw new Error('Cannot delete an item in a locked collection');
    return this.entries.delete(MemorySecretStore.id(service, account));
  }
}
