/**
 * Typed access to the connections and client registrations inside the vault document.
 * Every change is one atomic vault write; callers never see a half-applied update.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Vault } from '../vault/index.js';
import { ClientRecord, ConnectionRecord, WalletDocument } from '../oauth/records.js';

export class ConnectionStore {
  /** The parsed document, reused until the vault holds a new one (every read is on the hot path). */
  private cache: { raw: unknown; document: WalletDocument } | undefined;

  constructor(private readonly vault: Vault) {}

  private document(): WalletDocument {
    const raw = this.vault.read();
    if (this.cache?.raw === raw) return this.cache.document;
    const parsed = WalletDocument.safeParse({ clients: raw['clients'] ?? {}, connections: raw['connections'] ?? {} });
    if (!parsed.success) {
      throw new LatchkeyError(ErrorCode.VaultCorrupt, 'The vault holds connection data Latchkey cannot read.', {
        hint: 'It may have been written by a newer Latchkey. Upgrade, or disconnect and connect again.',
      });
    }
    const document = deepFreeze(parsed.data);
    this.cache = { raw, document };
    return document;
  }

  connection(resource: string): ConnectionRecord | undefined {
    return this.document().connections[resource];
  }

  connections(): ConnectionRecord[] {
    return Object.values(this.document().connections);
  }

  client(issuer: string): ClientRecord | undefined {
    return this.document().clients[issuer];
  }

  clients(): ClientRecord[] {
    return Object.values(this.document().clients);
  }

  async putConnection(record: ConnectionRecord): Promise<void> {
    const checked = ConnectionRecord.parse(record);
    await this.mutate((doc) => {
      doc.connections[checked.resource] = checked;
    });
  }

  /** Applies `change` to the stored record (if any) and returns the result. */
  async updateConnection(
    resource: string,
    change: (record: ConnectionRecord) => ConnectionRecord,
  ): Promise<ConnectionRecord | undefined> {
    let updated: ConnectionRecord | undefined;
    await this.mutate((doc) => {
      const current = doc.connections[resource];
      if (current === undefined) return;
      updated = ConnectionRecord.parse(change(current));
      doc.connections[resource] = updated;
    });
    return updated;
  }

  async removeConnection(resource: string): Promise<boolean> {
    let removed = false;
    await this.mutate((doc) => {
      removed = resource in doc.connections;
      delete doc.connections[resource];
    });
    return removed;
  }

  async putClient(record: ClientRecord): Promise<void> {
    const checked = ClientRecord.parse(record);
    await this.mutate((doc) => {
      doc.clients[checked.issuer] = checked;
    });
  }

  async removeClient(issuer: string): Promise<boolean> {
    let removed = false;
    await this.mutate((doc) => {
      removed = issuer in doc.clients;
      delete doc.clients[issuer];
    });
    return removed;
  }

  private async mutate(apply: (doc: WalletDocument) => void): Promise<void> {
    await this.vault.update((raw) => {
      const doc = WalletDocument.parse({ clients: raw['clients'] ?? {}, connections: raw['connections'] ?? {} });
      apply(doc);
      return { ...raw, clients: doc.clients, connections: doc.connections };
    });
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
