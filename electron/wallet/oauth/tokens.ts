/**
 * The token protocol steps of one connection (protocol.md T2, T4; threat T08), without state:
 * what a token endpoint response caches as, one refresh-token grant, revocation (RFC 7009) of the
 * refresh token when the AS offers it. Who holds the record and persists the result (single-flight,
 * one refresh-token use at a time, rotation persisted first) is connections/connection-tokens.ts.
 */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { trailingSlashTwin } from '../../../shared/url.js';
import type { Logger } from '../../base/ports.js';
import type { ConnectionRecord, CachedAccessToken } from './records.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';
import { parseScope } from './select-scopes.js';
import { issuedLifetime } from './token-lifetime.js';
import type { DpopHandles } from './dpop-key.js';

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
    ...(response.token_type.toLowerCase() === 'dpop' ? { tokenType: 'DPoP' as const } : {}),
  };
}

export function isFresh(token: CachedAccessToken | undefined, now: number, minTtlMs: number): token is CachedAccessToken {
  return token !== undefined && token.expiresAt - now > minTtlMs;
}

/** What one refresh-token grant gave: tokens, or the AS no longer accepting the refresh token. */
export type RefreshOutcome = { kind: 'tokens'; response: client.TokenEndpointResponse } | { kind: 'refused' };

/**
 * One refresh-token grant (RFC 6749 §6), `extra` adding e.g. a narrower `scope`; RFC 8707
 * `resource` when the connection sends it. `invalid_grant` is 'refused' (the caller marks the
 * connection); `invalid_scope` is CannotNarrow; anything else a token-request error. Persisting
 * what comes back is the caller's.
 */
export async function refreshTokenGrant(
  config: client.Configuration,
  record: ConnectionRecord,
  extra: Record<string, string>,
  dpopHandles: DpopHandles,
): Promise<RefreshOutcome> {
  if (record.status !== 'ok' || record.refreshToken === undefined) throw needsReauth(record, 'Latchkey holds no usable refresh token for it');
  const parameters: Record<string, string> = { ...extra, ...(record.sendResource ? { resource: record.resource } : {}) };
  try {
    // A DPoP-bound connection proves its key on every refresh (RFC 9449 §5): its refresh token is bound too.
    const DPoP = await dpopHandles.handleFor(config, record.dpopKey);
    return { kind: 'tokens', response: await client.refreshTokenGrant(config, record.refreshToken, parameters, DPoP === undefined ? undefined : { DPoP }) };
  } catch (error) {
    const code = oauthErrorCode(error);
    if (code === 'invalid_grant') return { kind: 'refused' };
    if (code === 'invalid_scope') {
      throw new LatchkeyError(ErrorCode.CannotNarrow, `${record.issuer} cannot issue a token narrowed to ${extra['scope'] ?? 'those scopes'}.`, {
        hint: "Widen the grant to the connection's scopes if the agent may have them; otherwise keep refusing it.",
        details: { resource: record.resource, issuer: record.issuer },
        cause: error,
      });
    }
    throw tokenRequestError(record.issuer, 'refresh the access token', error);
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

export function needsReauth(record: Pick<ConnectionRecord, 'resource' | 'serverUrl' | 'account'>, why: string): LatchkeyError {
  const as = record.account === undefined ? '' : ` (account "${record.account}")`;
  return new LatchkeyError(ErrorCode.NeedsReauth, `The connection to ${record.resource}${as} needs you to sign in again: ${why}.`, {
    hint: `Run: latchkey connect ${record.serverUrl}${record.account === undefined ? '' : ` --account ${record.account}`}`,
    details: { resource: record.resource, ...(record.account === undefined ? {} : { account: record.account }) },
  });
}

/**
 * `connected`: the resources Latchkey holds, to suggest one that differs only by a trailing slash.
 * `account`: the account asked for (T8), when one was named.
 */
export function notConnected(resource: string, connected: readonly string[] = [], account?: string): LatchkeyError {
  const twin = trailingSlashTwin(resource, connected);
  const flag = account === undefined ? '' : ` --account ${account}`;
  const as = account === undefined ? '' : ` as account "${account}"`;
  return new LatchkeyError(ErrorCode.NotConnected, `Latchkey is not connected to ${resource}${as}.`, {
    hint: twin === undefined ? `Run: latchkey connect ${resource}${flag}` : `Did you mean ${twin} (connected)? Otherwise run: latchkey connect ${resource}${flag}`,
    details: { resource, ...(account === undefined ? {} : { account }) },
  });
}
