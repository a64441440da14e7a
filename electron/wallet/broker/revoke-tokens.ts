/**
 * Revoking agent tokens at their authorization server (RFC 7009), and telling the truth about the
 * ones it cannot revoke (T38): a structured (JWT) access token the server will not revoke
 * (oidc-provider: `unsupported_token_type`) stays valid at the resource server until its `exp`.
 * That is logged at warn with the server's code, and the caller reports until when.
 */
import type { GrantRevocation } from '../../../shared/agents.js';
import type { TokenRevocationResult } from '../../../shared/connections.js';
import type { Logger } from '../../base/ports.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { AgentTokenCache, Entry } from './agent-token-cache.js';
import { connectionKey, type ConnectionRef } from '../connections/accounts.js';

export interface TokenRevoker {
  revokeAgentToken(connection: ConnectionRef, accessToken: string): Promise<TokenRevocationResult>;
}

/** What came of revoking one resource's tokens; counts and expiry cover handed-out tokens only. */
export interface TokensRevoked {
  revoked: number;
  unrevoked: number;
  /** Epoch ms the last unrevoked handed-out token expires at its server. */
  validUntil?: number;
  /** The server's code for the (first) refusal, e.g. unsupported_token_type. */
  error?: string;
}

export async function revokeTokens(entries: readonly Entry[], revoker: TokenRevoker, logger: Logger): Promise<TokensRevoked> {
  const result: TokensRevoked = { revoked: 0, unrevoked: 0 };
  for (const entry of entries) {
    const outcome = await revoker.revokeAgentToken({ resource: entry.resource, account: entry.account }, entry.accessToken);
    const facts = { resource: entry.resource, token: fingerprint(entry.accessToken), handedOut: entry.handedOut };
    if (outcome.outcome === 'revoked') {
      logger.info('agent token revoked at the authorization server', facts);
      if (entry.handedOut) result.revoked += 1;
      continue;
    }
    const error = outcome.error ?? outcome.outcome;
    logger.warn('agent token NOT revoked at the authorization server: it stays valid at the resource server until it expires', {
      ...facts,
      outcome: outcome.outcome,
      error,
      validUntil: new Date(entry.expiresAt).toISOString(),
    });
    if (!entry.handedOut) continue;
    result.unrevoked += 1;
    result.validUntil = Math.max(result.validUntil ?? 0, entry.expiresAt);
    result.error ??= error;
  }
  return result;
}

export const NONE_REVOKED: TokensRevoked = { revoked: 0, unrevoked: 0 };

/** The audit facts of a revocation: until when unrevoked tokens stay valid, and the server's refusal code. */
export function revokedFacts(tokens: TokensRevoked): { tokenExpiresAt?: number; reason?: string } {
  if (tokens.unrevoked === 0) return tokens.revoked === 0 ? {} : { reason: 'revocation:revoked' };
  return {
    reason: `revocation:${tokens.error ?? 'failed'}`,
    ...(tokens.validUntil === undefined ? {} : { tokenExpiresAt: tokens.validUntil }),
  };
}

/** What the owner is told about a revoked grant's handed-out tokens. */
export function grantRevocation(grantId: string, tokens: TokensRevoked): GrantRevocation {
  return {
    grantId,
    revokedTokens: tokens.revoked,
    unrevokedTokens: tokens.unrevoked,
    ...(tokens.validUntil === undefined ? {} : { validUntil: tokens.validUntil }),
    ...(tokens.error === undefined ? {} : { revocationError: tokens.error }),
  };
}

/** Takes the agent's tokens (for one connection, or all) from the cache and revokes them; per connection (connectionKey), what came of it. */
export async function revokeCachedTokens(
  cache: Pick<AgentTokenCache, 'take'>,
  revoker: TokenRevoker,
  logger: Logger,
  agentId: string,
  connection: ConnectionRef | undefined,
  now: number,
): Promise<Map<string, TokensRevoked>> {
  const taken = cache.take(agentId, connection, now);
  const byConnection = new Map<string, TokensRevoked>();
  for (const key of new Set(taken.map((entry) => connectionKey(entry)))) {
    byConnection.set(key, await revokeTokens(taken.filter((entry) => connectionKey(entry) === key), revoker, logger));
  }
  return byConnection;
}
