/**
 * The agent's token for a settled plan: cached or minted, then handed out only if the server's
 * real lifetime fits the grant's maximum (T38: enforced, never advertised by shortening the
 * figure). A token too long-lived stays cached, unused, so asking again does not mint another.
 * A grant's narrowing state follows what the AS did; a token minted while the owner revoked goes
 * to nobody and is revoked at the AS where it can be.
 */
import type { TokenResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import type { Logger } from '../../base/ports.js';
import type { ConnectionRef } from '../connections/accounts.js';
import type { ConnectionTokens } from '../connections/connection-tokens.js';
import type { Issue } from '../grants/decide.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { CachedAccessToken } from '../oauth/records.js';
import { StaleMint, type AgentToken, type AgentTokenCache } from './agent-token-cache.js';
import { checkTokenLifetime } from './enforce-lifetime.js';
import { revokeTokens } from './revoke-tokens.js';

export interface MintForAgentDeps {
  cache: Pick<AgentTokenCache, 'cached' | 'getOrMint' | 'noteHandedOut'>;
  grants: Pick<GrantStore, 'update'>;
  tokens: Pick<ConnectionTokens, 'revokeAgentToken'>;
  logger: Logger;
  now: () => number;
}

/** How a token for the plan's scopes is obtained from the connection (a narrowed refresh, or an exchange). */
export type Mint = (target: ConnectionRef, scopes: readonly string[]) => Promise<CachedAccessToken>;

export function handOutToAgent(deps: MintForAgentDeps, mint: Mint, agentId: string, target: ConnectionRef, plan: Issue): Promise<TokenResponse> {
  // A connection that needs a new sign-in reuses nothing: no cached token lives past "never".
  const validUntil = plan.reuseCached ? deps.now() + plan.minRemainingMs : Number.POSITIVE_INFINITY;
  // A cache hit (an agent asking again) needs no mint: looked up first, answered with no frame or closure made for a mint.
  const cached = deps.cache.cached(plan.cacheKey, validUntil);
  if (cached === undefined) return mintOrJoin(deps, mint, agentId, target, plan, validUntil).then((token) => handOut(deps, agentId, target, plan, token));
  // The executor turns a refusal (the lifetime check throws) into a rejection.
  return new Promise((resolve) => resolve(handOut(deps, agentId, target, plan, cached)));
}

/** Hands `token` to the agent if its real lifetime fits the grant (T38; throws otherwise), and notes it handed out. */
function handOut(deps: MintForAgentDeps, agentId: string, target: ConnectionRef, plan: Issue, token: AgentToken): TokenResponse {
  checkTokenLifetime(token, plan.grant, target.resource, deps.now());
  deps.cache.noteHandedOut(agentId, target, token, deps.now());
  return { access_token: token.accessToken, token_type: token.tokenType ?? 'Bearer', expires_at: Math.floor(token.expiresAt / 1000), scope: token.scope.join(' ') };
}

/** A new token for the plan, or the one already being minted for the same key (single-flight). */
async function mintOrJoin(deps: MintForAgentDeps, mint: Mint, agentId: string, target: ConnectionRef, plan: Issue, validUntil: number): Promise<AgentToken> {
  const { grant, scopes } = plan;
  try {
    return await deps.cache.getOrMint(plan.cacheKey, { agentId, connection: target }, validUntil, async () => {
      const minted = await mint(target, scopes).catch(async (error: unknown) => {
        if (grant !== undefined && isLatchkeyError(error, ErrorCode.CannotNarrow)) {
          await deps.grants.update(grant.id, { narrowing: 'unsupported' }).catch(() => undefined);
        }
        throw error;
      });
      if (grant !== undefined && grant.narrowing !== 'ok') void deps.grants.update(grant.id, { narrowing: 'ok' }).catch(() => undefined);
      return {
        accessToken: minted.value,
        expiresAt: minted.expiresAt,
        scope: minted.scope,
        ...(minted.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: minted.lifetimeSeconds }),
        ...(minted.tokenType === undefined ? {} : { tokenType: minted.tokenType }),
      };
    });
  } catch (error) {
    if (!(error instanceof StaleMint)) throw error;
    // The owner revoked while this token was being minted: it goes to nobody, and the AS forgets it (if it can).
    await revokeTokens([{ ...error.token, agentId, ...error.connection, handedOut: false }], deps.tokens, deps.logger);
    throw new LatchkeyError(ErrorCode.GrantDenied, 'The owner revoked this access while the token was being issued.');
  }
}
