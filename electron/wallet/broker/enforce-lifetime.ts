/**
 * A grant's maximum token lifetime is enforced, not advertised (T38): a token whose real lifetime
 * at its server (the JWT's `exp`, `expires_in`) is longer than the grant allows is not handed out.
 * Latchkey cannot shorten a token the server issued, so the honest answers are "refuse" or "raise
 * the grant's maximum" — never a shorter expires_at than the server will honour.
 */
import { MAX_TOKEN_LIFETIME_SECONDS, type Grant } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { AgentToken } from './agent-token-cache.js';

/** The JWT's `exp` has whole seconds; the local clock does not. */
const CLOCK_GRANULARITY_MS = 1000;

/** Throws TokenLifetimeExceedsGrant when `token` may outlive `grant`'s maximum; a grant without one accepts any. */
export function checkTokenLifetime(token: AgentToken, grant: Grant | undefined, resource: string, now: number): void {
  const max = grant?.maxTokenLifetimeSeconds;
  if (grant === undefined || max === undefined) return;
  const details = { resource, grantId: grant.id, maxTokenLifetimeSeconds: max };
  if (token.lifetimeSeconds === undefined) {
    throw new LatchkeyError(ErrorCode.TokenLifetimeExceedsGrant, `The server of ${resource} does not say how long its tokens live, so this grant's ${minutes(max)}-minute maximum cannot be enforced; no token was handed out.`, {
      hint: `The owner can let tokens live as the server issues them: latchkey grant edit ${grant.id} --ttl as-issued`,
      details,
    });
  }
  const remainingMs = token.expiresAt - now;
  if (token.lifetimeSeconds <= max && remainingMs <= max * 1000 + CLOCK_GRANULARITY_MS) return;
  const needed = minutes(Math.max(token.lifetimeSeconds, Math.ceil(remainingMs / 1000)));
  const raise =
    needed * 60 <= MAX_TOKEN_LIFETIME_SECONDS
      ? `raise the grant's --ttl to at least ${needed}m (latchkey grant edit ${grant.id} --ttl ${needed}m, or --ttl as-issued)`
      : `let tokens live as issued (latchkey grant edit ${grant.id} --ttl as-issued)`;
  throw new LatchkeyError(
    ErrorCode.TokenLifetimeExceedsGrant,
    `The server of ${resource} issues ${needed}-minute tokens, longer than this grant's ${minutes(max)}-minute maximum; no token was handed out.`,
    { hint: `The owner can ${raise}, or ask the server's admin for shorter tokens.`, details: { ...details, lifetimeSeconds: token.lifetimeSeconds } },
  );
}

function minutes(seconds: number): number {
  return Math.ceil(seconds / 60);
}
