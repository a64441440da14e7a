/**
 * Enterprise-managed authorization, the wallet's side of the identity provider (protocol.md R7):
 * the owner names the organisation's IdP once (`configure`), signs in there once in the browser
 * (`signIn`), and every enterprise-managed connection then gets a fresh ID-JAG for its
 * authorization server and MCP server (`idJagFor`) with the stored ID token, renewed with the IdP
 * refresh token when it has expired (one renewal at a time: IdP refresh tokens rotate). When the
 * IdP no longer accepts the sign-in the answer is EnterpriseSignInNeeded, naming
 * `latchkey enterprise sign-in`; connections keep their records and work again after it.
 */
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { EnterpriseStatus } from '../../../shared/api.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { Clock, Logger, Opener } from '../../base/ports.js';
import type { AuthorizationServer, NetworkContext } from '../oauth/client-config.js';
import { discoverIssuer } from '../oauth/discover-issuer.js';
import { exchangeIdTokenForIdJag, type IdentityProviderClient, type IdJag } from '../oauth/id-jag.js';
import { refreshIdToken, signInAtIdentityProvider, signInNeeded, type IdTokenGrant } from '../oauth/id-token.js';
import type { EnterpriseStore, IdpSession } from './enterprise-store.js';

/** An ID token this close to its expiry is renewed before it is exchanged. */
const ID_TOKEN_MIN_TTL_MS = 30_000;
export const DEFAULT_IDP_SIGN_IN_TIMEOUT_MS = 5 * 60_000;

export interface EnterpriseIdentityDeps {
  store: EnterpriseStore;
  net: NetworkContext;
  opener: Opener;
  clock: Clock;
  logger: Logger;
}

export interface IdJagFor {
  /** The authorization server's issuer. */
  audience: string;
  resource: string;
  scopes: readonly string[];
}

export interface SignInOptions {
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: ConnectProgress) => void) | undefined;
}

export class EnterpriseIdentity {
  private renewing: Promise<IdpSession> | undefined;

  constructor(private readonly deps: EnterpriseIdentityDeps) {}

  status(): EnterpriseStatus {
    const { idp, session } = this.deps.store.read();
    if (idp === undefined) return { state: 'not-configured', hasSecret: false, refreshable: false };
    const base = { issuer: idp.issuer, clientId: idp.clientId, hasSecret: idp.clientSecret !== undefined };
    if (session === undefined) return { state: 'signed-out', ...base, refreshable: false };
    const expired = session.idTokenExpiresAt <= this.deps.clock.now();
    return {
      state: expired ? 'expired' : 'signed-in',
      ...base,
      subject: session.subject,
      idTokenExpiresAt: session.idTokenExpiresAt,
      refreshable: session.refreshToken !== undefined,
    };
  }

  /** Names the identity provider (discovered and validated now); a different one drops the old sign-in. */
  async configure(idpClient: IdentityProviderClient): Promise<EnterpriseStatus> {
    const { fetch, policy } = this.deps.net;
    const idp = await discoverIssuer(idpClient.issuer, { fetch, policy, logger: this.deps.logger });
    await this.deps.store.configure({ ...idpClient, issuer: idp.issuer }, { ...idp });
    this.deps.logger.info('enterprise identity provider set', { issuer: idp.issuer, clientId: idpClient.clientId });
    return this.status();
  }

  /** The owner's sign-in at the identity provider, in the browser. */
  async signIn(options: SignInOptions = {}): Promise<EnterpriseStatus> {
    const { idp, idpClient } = this.configured();
    const grant = await signInAtIdentityProvider({
      idp,
      idpClient,
      net: this.deps.net,
      opener: this.deps.opener,
      timeoutMs: options.timeoutMs ?? DEFAULT_IDP_SIGN_IN_TIMEOUT_MS,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    await this.keep(grant);
    this.deps.logger.info('signed in at the identity provider', { issuer: idp.issuer, idToken: fingerprint(grant.idToken), refreshable: grant.refreshToken !== undefined });
    return this.status();
  }

  forget(): Promise<boolean> {
    return this.deps.store.forget();
  }

  /** A fresh ID-JAG for one authorization server and MCP server: one exchange at the IdP (after renewing the ID token if it has expired). */
  async idJagFor(request: IdJagFor): Promise<IdJag & { idp: string }> {
    const { idp, idpClient } = this.configured();
    let session = await this.currentSession(idp, idpClient);
    const exchange = (idToken: string): Promise<IdJag> =>
      exchangeIdTokenForIdJag(idp, idpClient, { idToken, audience: request.audience, resource: request.resource, scopes: request.scopes }, this.deps.net, () => this.deps.clock.now());
    let idJag: IdJag;
    try {
      idJag = await exchange(session.idToken);
    } catch (error) {
      // The IdP may end a sign-in before its ID token's exp says: renew once, then ask the owner.
      if (!isSignInNeeded(error)) throw error;
      try {
        if (session.refreshToken === undefined) throw error;
        session = await this.renew(idp, idpClient, session);
        idJag = await exchange(session.idToken);
      } catch (again) {
        if (isSignInNeeded(again)) await this.endSignIn(idp.issuer);
        throw again;
      }
    }
    this.deps.logger.info('ID-JAG issued', { issuer: idp.issuer, audience: request.audience, resource: request.resource, grant: fingerprint(idJag.value) });
    return { ...idJag, idp: idp.issuer };
  }

  private configured(): { idp: AuthorizationServer; idpClient: IdentityProviderClient } {
    const { idp, idpMetadata } = this.deps.store.read();
    if (idp === undefined || idpMetadata === undefined) {
      throw new LatchkeyError(ErrorCode.EnterpriseNotConfigured, 'No identity provider is set up for enterprise-managed connections.', {
        hint: 'Run: latchkey enterprise set --idp ISSUER --client-id ID, then latchkey enterprise sign-in',
      });
    }
    return { idp: idpMetadata as AuthorizationServer, idpClient: idp };
  }

  private async currentSession(idp: AuthorizationServer, idpClient: IdentityProviderClient): Promise<IdpSession> {
    const { session } = this.deps.store.read();
    if (session === undefined) throw signInNeeded(idp.issuer, 'you have not signed in there yet');
    if (session.idTokenExpiresAt - this.deps.clock.now() > ID_TOKEN_MIN_TTL_MS) return session;
    if (session.refreshToken === undefined) throw signInNeeded(idp.issuer, 'your ID token has expired and it gave no refresh token');
    return this.renew(idp, idpClient, session);
  }

  /** One renewal at a time; concurrent askers share it. A refused renewal drops the sign-in. */
  private renew(idp: AuthorizationServer, idpClient: IdentityProviderClient, session: IdpSession): Promise<IdpSession> {
    this.renewing ??= (async () => {
      const refreshToken = session.refreshToken;
      if (refreshToken === undefined) throw signInNeeded(idp.issuer, 'your ID token has expired and it gave no refresh token');
      try {
        const kept = await this.keep(await refreshIdToken(idp, idpClient, refreshToken, this.deps.net), session.signedInAt);
        this.deps.logger.info('ID token renewed at the identity provider', { issuer: idp.issuer, idToken: fingerprint(kept.idToken) });
        return kept;
      } catch (error) {
        if (isSignInNeeded(error)) await this.endSignIn(idp.issuer);
        throw error;
      }
    })().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  /** The IdP no longer accepts the owner's sign-in: it is dropped, so the status says so. */
  private async endSignIn(issuer: string): Promise<void> {
    await this.deps.store.dropSession();
    this.deps.logger.warn('the identity provider refused the saved sign-in; the owner must sign in again', { issuer });
  }

  /** Stores the ID token; a renewal keeps the time the owner signed in. */
  private async keep(grant: IdTokenGrant, signedInAt = this.deps.clock.now()): Promise<IdpSession> {
    const session: IdpSession = {
      idToken: grant.idToken,
      ...(grant.refreshToken === undefined ? {} : { refreshToken: grant.refreshToken }),
      subject: grant.subject,
      idTokenExpiresAt: grant.expiresAt,
      signedInAt,
    };
    await this.deps.store.putSession(session);
    return session;
  }
}

function isSignInNeeded(error: unknown): boolean {
  return error instanceof LatchkeyError && error.code === ErrorCode.EnterpriseSignInNeeded;
}
