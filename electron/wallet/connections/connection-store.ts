/**
 * Typed access to the connections and client registrations inside the vault document.
 * Every change is one atomic vault write; callers never see a half-applied update.
 */
import { VaultSection, type Vault } from '../vault/index.js';
import { ClientRecord, ConnectionRecord, WalletDocument } from '../oauth/records.js';
import { connectionKey, pickAccount, type ConnectionRef } from './accounts.js';

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

  /** The connection of exactly this resource and account (absent label: the default account). */
  connection(ref: ConnectionRef): ConnectionRecord | undefined {
    const connections = this.document().connections;
    const key = connectionKey(ref);
    return Object.hasOwn(connections, key) ? connections[key] : undefined;
  }

  /** The connection a request names (accounts.ts pickAccount): the account, else the default or only one; AccountAmbiguous otherwise. */
  resolve(resource: string, account: string | undefined): ConnectionRecord | undefined {
    return pickAccount(resource, account, this.connections());
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
      doc.connections[connectionKey(checked)] = checked;
    });
  }

  /** Applies `change` to the stored record (if any) and returns the result. */
  async updateConnection(
    ref: ConnectionRef,
    change: (record: ConnectionRecord) => ConnectionRecord,
  ): Promise<ConnectionRecord | undefined> {
    const key = connectionKey(ref);
    let updated: ConnectionRecord | undefined;
    await this.mutate((doc) => {
      const current = Object.hasOwn(doc.connections, key) ? doc.connections[key] : undefined;
      if (current === undefined) return;
      // The resource and account are the key: a change never moves a record to another one.
      updated = ConnectionRecord.parse({ ...change(current), resource: current.resource, account: current.account });
      doc.connections[key] = updated;
    });
    return updated;
  }

  async removeConnection(ref: ConnectionRef): Promise<boolean> {
    const key = connectionKey(ref);
    let removed = false;
    await this.mutate((doc) => {
      removed = Object.hasOwn(doc.connections, key);
      delete doc.connections[key];
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
