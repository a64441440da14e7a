/**
 * Token lifecycle of one connection (protocol.md T2, T4; threat T08):
 *  - refresh single-flight per connection: concurrent askers share one refresh request;
 *  - a rotated refresh token is persisted before the new access token is handed to anyone;
 *  - `invalid_grant` marks the connection "needs re-auth" (no retry loop);
 *  - revocation (RFC 7009) of the refresh token when the AS offers it.
 */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { trailingSlashTwin } from '../../../shared/url.js';
import type { Clock, Logger } from '../../base/ports.js';
import { KeyedQueue } from '../../base/async/keyed-queue.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { ConnectionRecord, CachedAccessToken } from './records.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';
import { parseScope } from './select-scopes.js';
import { issuedLifetime } from './token-lifetime.js';

/** Access tokens whose lifetime the server does not state (no `expires_in`, no JWT `exp`) are cached this long, then refreshed. */
export const DEFAULT_TOKEN_LIFETIME_MS = 5 * 60_000;

/** The token as cached: its real expiry (T38: `expires_in` and the JWT's `exp`, the earlier) and lifetime as issued. */
export function cachedTokenFrom(response: client.TokenEndpointResponse, requestedScopes: readonly string[] | undefined, now: number): CachedAccessToken {
  const issued = issuedLifetime(response.access_token, response.expires_in, now);
  const granted = parseScope(response.scope);
  return {
    value: response.access_token,
    expiresAt: issued.expiresAt ?? now + DEFAULT_TOKEN_LIFETIME_MS,
    scope: granted.length > 0 ? granted : [...(requestedScopes ?? [])],
    ...(issued.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: issued.lifetimeSeconds }),
  };
}

export function isFresh(token: CachedAccessToken | undefined, now: number, minTtlMs: number): token is CachedAccessToken {
  return token !== undefined && token.expiresAt - now > minTtlMs;
}

export interface RefreshDeps {
  configFor(record: ConnectionRecord): client.Configuration;
  /** The connection as stored now (a queued job must use the latest refresh token). */
  load(resource: string): ConnectionRecord | undefined;
  /** Persists the refreshed record; resolves only once it is durably written. */
  save(resource: string, change: (record: ConnectionRecord) => ConnectionRecord): Promise<ConnectionRecord | undefined>;
  clock: Clock;
  logger: Logger;
}

export class TokenRefresher {
  private readonly inFlight = new Map<string, Promise<ConnectionRecord>>();
  /** Every use of a connection's refresh token runs in this per-connection chain: rotation makes them sequential. */
  private readonly chains = new KeyedQueue();

  constructor(private readonly deps: RefreshDeps) {}

  /** Refreshes the connection's access token; every concurrent caller shares one request. */
  refresh(record: ConnectionRecord): Promise<ConnectionRecord> {
    const running = this.inFlight.get(record.resource);
    if (running !== undefined) return running;
    const started = this.chains.run(record.resource, () => this.refreshOnce(record.resource)).finally(() => this.inFlight.delete(record.resource));
    this.inFlight.set(record.resource, started);
    return started;
  }

  /**
   * T5: an access token with at most `scopes`, for one agent: a refresh grant with the narrower
   * `scope` (and `resource`). The connection's own cached token is untouched; the rotated refresh
   * token is persisted before the narrowed token is returned. An AS that refuses to narrow
   * (`invalid_scope`) gives CannotNarrow: never a wider token.
   */
  mint(resource: string, scopes: readonly string[]): Promise<CachedAccessToken> {
    return this.chains.run(resource, async () => {
      const record = this.deps.load(resource);
      if (record === undefined) throw notConnected(resource);
      const { response } = await this.exchange(record, { scope: scopes.join(' ') });
      const token = cachedTokenFrom(response, scopes, this.deps.clock.now());
      const extra = token.scope.filter((s) => !scopes.includes(s));
      if (extra.length > 0) {
        throw new LatchkeyError(ErrorCode.CannotNarrow, `${record.issuer} returned a token wider than asked (${extra.join(' ')}).`, {
          hint: 'Widen the grant to the scopes this server insists on, or keep refusing the agent.',
          details: { resource, issuer: record.issuer },
        });
      }
      return token;
    });
  }

  private async refreshOnce(resource: string): Promise<ConnectionRecord> {
    const record = this.deps.load(resource);
    if (record === undefined) throw notConnected(resource);
    const { response, saved } = await this.exchange(record, {});
    const accessToken = cachedTokenFrom(response, record.scopes, this.deps.clock.now());
    const updated = await this.deps.save(resource, (current) => ({
      ...current,
      accessToken,
      scopes: accessToken.scope.length > 0 ? accessToken.scope : current.scopes,
      updatedAt: this.deps.clock.now(),
    }));
    if (updated === undefined || saved === undefined) throw notConnected(resource);
    this.deps.logger.info('access token refreshed', { resource, token: fingerprint(accessToken.value) });
    return updated;
  }

  /** One refresh-token grant; persists a rotated refresh token before returning (T08). */
  private async exchange(
    record: ConnectionRecord,
    extra: Record<string, string>,
  ): Promise<{ response: client.TokenEndpointResponse; saved: ConnectionRecord | undefined }> {
    const { clock, logger } = this.deps;
    if (record.status !== 'ok' || record.refreshToken === undefined) throw needsReauth(record, 'Latchkey holds no usable refresh token for it');
    const config = this.deps.configFor(record);
    const parameters: Record<string, string> = { ...extra, ...(record.sendResource ? { resource: record.resource } : {}) };
    let response: client.TokenEndpointResponse;
    try {
      response = await client.refreshTokenGrant(config, record.refreshToken, parameters);
    } catch (error) {
      if (oauthErrorCode(error) === 'invalid_grant') {
        await this.deps.save(record.resource, (current) => ({
          ...withoutTokens(current),
          status: 'needs-reauth',
          updatedAt: clock.now(),
        }));
        logger.warn('refresh token refused; connection needs re-authorization', { resource: record.resource, issuer: record.issuer });
        throw needsReauth(record, 'its authorization server no longer accepts the saved sign-in');
      }
      if (oauthErrorCode(error) === 'invalid_scope') {
        throw new LatchkeyError(ErrorCode.CannotNarrow, `${record.issuer} cannot issue a token narrowed to ${extra['scope'] ?? 'those scopes'}.`, {
          hint: 'Widen the grant to the connection\'s scopes if the agent may have them; otherwise keep refusing it.',
          details: { resource: record.resource, issuer: record.issuer },
          cause: error,
        });
      }
      throw tokenRequestError(record.issuer, 'refresh the access token', error);
    }
    const rotated = typeof response.refresh_token === 'string' ? response.refresh_token : undefined;
    // Persist first (T08): if we die after this write the new refresh token is safe; if we die
    // before it, the old one is rejected by the AS and the connection asks for re-auth.
    const saved =
      rotated === undefined
        ? record
        : await this.deps.save(record.resource, (current) => ({ ...current, refreshToken: rotated, status: 'ok', updatedAt: clock.now() }));
    logger.debug('refresh token used', { resource: record.resource, rotated: rotated !== undefined });
    return { response, saved };
  }
}

/** T4: revoke the refresh token at the AS. Never throws: the local erase must happen anyway. */
export async function revokeRefreshToken(
  config: client.Configuration,
  refreshToken: string | undefined,
  logger: Logger,
): Promise<'revoked' | 'unsupported' | 'failed' | 'none'> {
  if (refreshToken === undefined) return 'none';
  if (typeof config.serverMetadata().revocation_endpoint !== 'string') return 'unsupported';
  try {
    await client.tokenRevocation(config, refreshToken, { token_type_hint: 'refresh_token' });
    return 'revoked';
  } catch (error) {
    logger.warn('revocation failed; erasing local state anyway', {
      issuer: config.serverMetadata().issuer,
      reason: error instanceof Error ? error.message : 'unknown',
    });
    return 'failed';
  }
}

export function withoutTokens(record: ConnectionRecord): ConnectionRecord {
  const { refreshToken: _rt, accessToken: _at, ...rest } = record;
  return rest as ConnectionRecord;
}

export function needsReauth(record: Pick<ConnectionRecord, 'resource' | 'serverUrl'>, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.NeedsReauth, `The connection to ${record.resource} needs you to sign in again: ${why}.`, {
    hint: `Run: latchkey connect ${record.serverUrl}`,
    details: { resource: record.resource },
  });
}

/** `connected`: the resources Latchkey holds, to suggest one that differs only by a trailing slash. */
export function notConnected(resource: string, connected: readonly string[] = []): LatchkeyError {
  const twin = trailingSlashTwin(resource, connected);
  return new LatchkeyError(ErrorCode.NotConnected, `Latchkey is not connected to ${resource}.`, {
    hint: twin === undefined ? `Run: latchkey connect ${resource}` : `Did you mean ${twin} (connected)? Otherwise run: latchkey connect ${resource}`,
    details: { resource },
  });
}
