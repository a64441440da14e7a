/**
 * The organisation's identity provider and the owner's sign-in there (enterprise-managed
 * authorization, protocol.md R7), kept in the vault under `enterprise`: Latchkey's client at the
 * IdP (its secret, if any), the IdP's metadata as discovered, and the owner's ID token with the
 * IdP refresh token. Every change is one atomic vault write; nothing here is ever logged.
 */
import { z } from 'zod';
import { VaultSection, type Vault } from '../vault/index.js';
import { IdentityProviderClient } from '../oauth/id-jag.js';

export const IdpSession = z.object({
  idToken: z.string().min(1),
  refreshToken: z.string().min(1).optional(),
  /** The ID token's `sub`: the human owner the organisation knows. */
  subject: z.string(),
  /** Epoch ms: the ID token's `exp`. */
  idTokenExpiresAt: z.number(),
  signedInAt: z.number(),
});
export type IdpSession = z.infer<typeof IdpSession>;

const EnterpriseData = z.object({
  enterprise: z
    .object({
      idp: IdentityProviderClient.optional(),
      /** The IdP's RFC 8414 / OIDC metadata as discovered and validated (not secret). */
      idpMetadata: z.record(z.string(), z.unknown()).optional(),
      session: IdpSession.optional(),
    })
    .default({}),
});
type EnterpriseData = z.infer<typeof EnterpriseData>;
export type EnterpriseRecord = EnterpriseData['enterprise'];

export class EnterpriseStore {
  private readonly section: VaultSection<'enterprise', EnterpriseData>;

  constructor(vault: Vault) {
    this.section = new VaultSection(vault, {
      keys: ['enterprise'],
      schema: EnterpriseData,
      what: 'enterprise sign-in data',
      hint: 'It may have been written by a newer Latchkey. Upgrade, or run latchkey enterprise forget and set it up again.',
    });
  }

  read(): EnterpriseRecord {
    return this.section.read().enterprise;
  }

  /** A new identity provider: the old sign-in goes with the old one. */
  async configure(idp: IdentityProviderClient, idpMetadata: Record<string, unknown>): Promise<void> {
    await this.section.update((draft) => {
      const same = draft.enterprise.idp?.issuer === idp.issuer && draft.enterprise.idp.clientId === idp.clientId;
      draft.enterprise = { idp, idpMetadata, ...(same && draft.enterprise.session !== undefined ? { session: draft.enterprise.session } : {}) };
    });
  }

  async putSession(session: IdpSession): Promise<void> {
    await this.section.update((draft) => {
      draft.enterprise.session = IdpSession.parse(session);
    });
  }

  async dropSession(): Promise<void> {
    await this.section.update((draft) => {
      delete draft.enterprise.session;
    });
  }

  /** Forgets the identity provider and the sign-in; false when there was none. */
  async forget(): Promise<boolean> {
    return this.section.update((draft) => {
      const had = draft.enterprise.idp !== undefined || draft.enterprise.session !== undefined;
      draft.enterprise = {};
      return had;
    });
  }
}
