/**
 * Typed access to the connections and client registrations inside the vault document.
 * Every change is one atomic vault write; callers never see a half-applied update.
 */
import { VaultSection, type Vault } from '../vault/index.js';
import { ClientRecord, ConnectionRecord, WalletDocument } from '../oauth/records.js';

export class ConnectionStore {
  /** Parsed once per vault document and reused (every read is on the hot path). */
  private readonly section: VaultSection<'clients' | 'connections', WalletDocument>;

  constructor(vault: Vault) {
    this.section = new VaultSection(vault, {
      keys: ['clients', 'connections'],
      schema: WalletDocument,
      what: 'connection data',
      hint: 'It may have been written by a newer Latchkey. Upgrade, or disconnect and connect again.',
    });
  }

  private document(): WalletDocument {
    return this.section.read();
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
    await this.section.update(apply);
  }
}
