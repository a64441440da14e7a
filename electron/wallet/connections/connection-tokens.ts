/**
 * The tokens of the owner's connections, with one owner of the stored record and of the client
 * configuration built from it (protocol.md T2, T4; threat T08):
 *  - the connection's own access token: cached, refreshed single-flight (concurrent askers share
 *    one refresh request);
 *  - agent tokens: a refresh-token grant narrowed to the agent's scopes (T5), never a refresh token;
 *  - every use of a connection's refresh token runs one at a time per connection, on the record as
 *    stored when its turn comes (rotation makes them sequential), and a rotated refresh token is
 *    persisted before anything is handed to anyone;
 *  - `invalid_grant` marks the connection "needs re-auth" (no retry loop);
 *  - a refresh is audited as token.refreshed (fingerprints only), so an open window hears of it.
 * The protocol steps themselves are electron/wallet/oauth/tokens.ts.
 */
import * as client from 'openid-client';
import type { AuditEvent } from '../../../shared/agents.js';
import type { TokenRevocationResult } from '../../../shared/connections.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { KeyedQueue } from '../../base/async/keyed-queue.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { Clock, Logger } from '../../base/ports.js';
import { buildClientConfiguration, type AuthorizationServer, type NetworkContext } from '../oauth/client-config.js';
import type { CachedAccessToken, ConnectionRecord } from '../oauth/records.js';
import { oauthErrorCode } from '../oauth/token-errors.js';
import { DpopHandles } from '../oauth/dpop-key.js';
import { connectionProof, type ResourceProofRequest } from '../oauth/dpop-proof.js';
import { cachedTokenFrom, needsReauth, notConnected, refreshTokenGrant, withoutTokens } from '../oauth/tokens.js';
import { accountOf, connectionKey, type ConnectionRef } from './accounts.js';
import type { ConnectionStore } from './connection-store.js';
import { enterpriseToken, isEnterprise, type IdJagSource } from './enterprise-connection.js';

/** What the audit log takes: an event without its sequence, time and chain. */
export interface TokenAudit {
  /** Appends; never throws (a failure is the audit log's to report). */
  record(event: Omit<AuditEvent, 'seq' | 'time' | 'prevHash' | 'hash'>): Promise<void>;
}

export interface ConnectionTokensDeps {
  store: ConnectionStore;
  net: NetworkContext;
  clock: Clock;
  logger: Logger;
  /** Where refreshes are audited; without it they are only logged. */
  audit?: TokenAudit;
  /** ID-JAGs for enterprise-managed connections (R7): their every token is a fresh exchange and redemption. */
  idJags?: IdJagSource | undefined;
  /** DPoP handles shared with sign-ins, so a refresh reuses the nonce the server gave last (RFC 9449 §8). */
  dpopHandles?: DpopHandles | undefined;
}

export class ConnectionTokens {
  private readonly inFlight = new Map<string, Promise<ConnectionRecord>>();
  /** Every use of a connection's refresh token, one at a time per connection. */
  private readonly refreshTokenUses = new KeyedQueue();

  private readonly dpopHandles: DpopHandles;

  constructor(private readonly deps: ConnectionTokensDeps) {
    this.dpopHandles = deps.dpopHandles ?? new DpopHandles();
  }

  /** The connection for an exact canonical resource and account, as stored now (no URL parsing: T07). */
  connection(ref: ConnectionRef): ConnectionRecord | undefined {
    return this.deps.store.connection(ref);
  }

  /** The connection a request for `resource` means (the account, else the default or only one; T8). */
  resolve(resource: string, account: string | undefined): ConnectionRecord | undefined {
    return this.deps.store.resolve(resource, account);
  }

  /** The openid-client configuration of a stored connection: its AS metadata and client registration. */
  configFor(record: ConnectionRecord): client.Configuration {
    const registration = this.deps.store.client(record.issuer);
    if (registration === undefined || registration.clientId !== record.clientId) throw needsReauth(record, 'its client registration is gone');
    return buildClientConfiguration(record.serverMetadata as AuthorizationServer, registration, this.deps.net);
  }

  /** A DPoP proof for a request to the connection's server (oauth/dpop-proof.ts); its key stays in the vault. */
  proof(ref: ConnectionRef, request: ResourceProofRequest): Promise<string> {
    const record = this.deps.store.connection(ref);
    if (record === undefined) return Promise.reject(notConnected(ref.resource, [], ref.account));
    return connectionProof(record, request, this.deps.clock.now());
  }

  /** Refreshes the connection's access token; every concurrent caller shares one request. */
  refresh(record: ConnectionRecord): Promise<ConnectionRecord> {
    const key = connectionKey(record);
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const started = this.refreshTokenUses.run(key, () => this.refreshOnce(record)).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, started);
    return started;
  }

  /**
   * T5: an access token with at most `scopes`, for one agent: a refresh grant with the narrower
   * `scope` (and `resource`). The connection's own cached token is untouched; the rotated refresh
   * token is persisted before the narrowed token is returned. An AS that refuses to narrow
   * (`invalid_scope`) gives CannotNarrow: never a wider token.
   */
  mint(ref: ConnectionRef, scopes: readonly string[]): Promise<CachedAccessToken> {
    const { resource } = ref;
    return this.refreshTokenUses.run(connectionKey(ref), async () => {
      const record = this.deps.store.connection(ref);
      if (record === undefined) throw notConnected(resource, [], ref.account);
      if (record.status === 'needs-reauth') throw needsReauth(record, 'its last refresh was refused');
      const token = isEnterprise(record)
        ? await enterpriseToken(record, scopes, this.deps)
        : cachedTokenFrom(await this.exchange(record, { scope: scopes.join(' ') }), scopes, this.deps.clock.now());
      const extra = token.scope.filter((s) => !scopes.includes(s));
      if (extra.length > 0) {
        throw new LatchkeyError(ErrorCode.CannotNarrow, `${record.issuer} returned a token wider than asked (${extra.join(' ')}).`, {
          hint: 'Widen the grant to the scopes this server insists on, or keep refusing the agent.',
          details: { resource, issuer: record.issuer },
        });
      }
      this.deps.logger.info('agent token minted', { resource, account: ref.account, token: fingerprint(token.value), scopes: token.scope.join(' ') });
      return token;
    });
  }

  /**
   * Revokes an access token handed to an agent (RFC 7009), best effort. Servers with structured
   * (JWT) access tokens often cannot (oidc-provider: `unsupported_token_type`): the token then
   * stays valid at the resource server until it expires, and `error` says why.
   */
  async revokeAgentToken(ref: ConnectionRef, accessToken: string): Promise<TokenRevocationResult> {
    const record = this.deps.store.connection(ref);
    if (record === undefined) return { outcome: 'none', error: 'not_connected' };
    const config = this.configFor(record);
    if (typeof config.serverMetadata().revocation_endpoint !== 'string') return { outcome: 'unsupported', error: 'no_revocation_endpoint' };
    try {
      await client.tokenRevocation(config, accessToken, { token_type_hint: 'access_token' });
      return { outcome: 'revoked' };
    } catch (error) {
      const code = oauthErrorCode(error);
      // The server's code, reduced to code characters: it ends up in the audit log and the CLI.
      return { outcome: 'failed', error: code === undefined ? 'unreachable' : code.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 60) || 'failed' };
    }
  }

  private async refreshOnce(ref: ConnectionRef): Promise<ConnectionRecord> {
    const { store, clock, logger } = this.deps;
    const { resource } = ref;
    const record = store.connection(ref);
    if (record === undefined) throw notConnected(resource);
    const accessToken = isEnterprise(record) ? await enterpriseToken(record, record.scopes, this.deps) : cachedTokenFrom(await this.exchange(record, {}), record.scopes, clock.now());
    const updated = await store.updateConnection(ref, (current) => ({
      ...current,
      accessToken,
      scopes: accessToken.scope.length > 0 ? accessToken.scope : current.scopes,
      updatedAt: clock.now(),
    }));
    if (updated === undefined) throw notConnected(resource);
    logger.info('access token refreshed', { resource, account: ref.account, token: fingerprint(accessToken.value) });
    // Audited without holding the askers who wait on this refresh: the log queues the entry now, in
    // call order, and writes it with its next group commit; `record` never throws.
    void this.deps.audit?.record({
      type: 'token.refreshed',
      resource,
      ...accountOf(ref),
      scopes: updated.scopes,
      outcome: 'ok',
      tokenFingerprint: fingerprint(accessToken.value),
      tokenExpiresAt: accessToken.expiresAt,
    });
    return updated;
  }

  /** One refresh-token grant; persists a rotated refresh token before returning (T08). */
  private async exchange(record: ConnectionRecord, extra: Record<string, string>): Promise<client.TokenEndpointResponse> {
    const { store, clock, logger } = this.deps;
    const outcome = await refreshTokenGrant(this.configFor(record), record, extra, this.dpopHandles);
    if (outcome.kind === 'refused') {
      await store.updateConnection(record, (current) => ({ ...withoutTokens(current), status: 'needs-reauth', updatedAt: clock.now() }));
      logger.warn('refresh token refused; connection needs re-authorization', { resource: record.resource, issuer: record.issuer });
      await this.deps.audit?.record({ type: 'token.refreshed', resource: record.resource, ...accountOf(record), outcome: 'denied', reason: 'invalid_grant' });
      throw needsReauth(record, 'its authorization server no longer accepts the saved sign-in');
    }
    const { response } = outcome;
    const rotated = typeof response.refresh_token === 'string' ? response.refresh_token : undefined;
    // Persist first (T08): if we die after this write the new refresh token is safe; if we die
    // before it, the old one is rejected by the AS and the connection asks for re-auth.
    if (rotated !== undefined) {
      const saved = await store.updateConnection(record, (current) => ({ ...current, refreshToken: rotated, status: 'ok', updatedAt: clock.now() }));
      if (saved === undefined) throw notConnected(record.resource);
    }
    logger.debug('refresh token used', { resource: record.resource, rotated: rotated !== undefined });
    return response;
  }
}
