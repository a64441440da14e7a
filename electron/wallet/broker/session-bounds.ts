/**
 * What a delegated session may ask for (T40): its bounds cut every token request before the plan
 * is made. Wider is refused with the reason, never narrowed silently; an unscoped request from a
 * bounded session asks for its bounds' scopes that the agent's grants hold there.
 */
import type { SessionSummary } from '../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';

/** The scopes to plan with: `requested` as it is, checked against the session's bounds. */
export function boundedScopes(
  session: SessionSummary | undefined,
  resource: string,
  requested: readonly string[] | undefined,
  granted: () => readonly string[],
): readonly string[] | undefined {
  const bounds = session?.bounds;
  if (bounds === undefined) return requested;
  if (bounds.resources !== undefined && !bounds.resources.includes(resource)) {
    throw new LatchkeyError(ErrorCode.GrantDenied, `This delegated session may not use ${resource}.`, {
      hint: 'Ask the session that started this one for a delegation that includes it.',
    });
  }
  const allowed = bounds.scopes;
  if (allowed === undefined) return requested;
  if (requested === undefined || requested.length === 0) {
    const held = granted();
    const scopes = allowed.filter((scope) => held.includes(scope));
    if (scopes.length === 0) {
      throw new LatchkeyError(ErrorCode.ScopeNotGranted, `This delegated session holds none of its scopes at ${resource}.`, {
        hint: 'Ask for scopes explicitly with --scope, within the delegation.',
      });
    }
    return scopes;
  }
  const outside = requested.filter((scope) => !allowed.includes(scope));
  if (outside.length > 0) {
    throw new LatchkeyError(ErrorCode.ScopeNotGranted, `This delegated session may not ask for ${outside.join(' ')}.`, {
      hint: `Its scopes are: ${allowed.join(' ')}.`,
    });
  }
  return requested;
}

/** Who asks, innermost first: the session and those it was delegated from, the agent, the owner. */
export function chainOf(agentName: string, lineage: readonly SessionSummary[]): string[] {
  return [...lineage.map((session) => session.id), agentName, 'owner'];
}

/**
 * The subject (`sub`) of a JWT access token, for the audit's `owner` (the human whose sign-in
 * backs it). Read without verifying: it labels an entry, it decides nothing. Opaque: undefined.
 */
export function subjectOfToken(token: string): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined || parts[1].length > 8192) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof payload !== 'object' || payload === null || !('sub' in payload)) return undefined;
    const { sub } = payload;
    return typeof sub === 'string' && sub !== '' ? sub.slice(0, 256) : undefined;
  } catch {
    return undefined;
  }
}
