/**
 * GET /v1/whoami: the calling agent, its session and its live grants. A delegated session (T40)
 * also learns what it was delegated from (`parent_id`, `chain`) and its slice, and its grants are
 * shown cut to that slice: what it can really ask for.
 */
import type { Grant, SessionSummary } from '../../../shared/agents.js';
import type { WhoamiResponse } from '../../../shared/bridge.js';
import type { BridgeCaller } from '../bridge/handler.js';
import { accountOf } from '../connections/accounts.js';
import type { GrantStore } from '../grants/grant-store.js';
import { chainOf } from './session-bounds.js';

export interface WhoamiDeps {
  grants: Pick<GrantStore, 'list'>;
  /** A session and those it was delegated from, innermost first. */
  lineage: (sessionId: string) => SessionSummary[];
  now: () => number;
}

export function whoamiAnswer(deps: WhoamiDeps, caller: BridgeCaller): WhoamiResponse {
  const now = deps.now();
  const { session } = caller;
  const bounds = session?.bounds;
  const live = deps.grants.list({ agentId: caller.agent.id }).filter((g) => g.expiresAt === undefined || g.expiresAt > now);
  return {
    agent: { id: caller.agent.id, name: caller.agent.name, kind: caller.agent.kind },
    ...(session === undefined ? {} : { session: sessionOf(deps, caller.agent.name, session) }),
    grants: live
      .flatMap((g) => cutToSlice(g, bounds))
      .map((g) => ({
        resource: g.resource,
        ...accountOf(g),
        scopes: g.scopes,
        mode: g.mode,
        ...(g.maxTokenLifetimeSeconds === undefined ? {} : { max_token_lifetime_seconds: g.maxTokenLifetimeSeconds }),
        ...(g.expiresAt === undefined ? {} : { expires_at: Math.floor(g.expiresAt / 1000) }),
      })),
  };
}

function sessionOf(deps: WhoamiDeps, agentName: string, session: SessionSummary): NonNullable<WhoamiResponse['session']> {
  const answer = { id: session.id, expires_at: Math.floor(session.expiresAt / 1000) };
  if (session.parentSessionId === undefined) return answer;
  const { resources, scopes } = session.bounds ?? {};
  return {
    ...answer,
    parent_id: session.parentSessionId,
    chain: chainOf(agentName, deps.lineage(session.id)),
    slice: { ...(resources === undefined ? {} : { resources }), ...(scopes === undefined ? {} : { scopes }) },
  };
}

/** The grant as the session may use it: gone when its server is outside the slice, its scopes cut to the slice's. */
function cutToSlice(grant: Grant, bounds: SessionSummary['bounds']): Grant[] {
  if (bounds === undefined) return [grant];
  if (bounds.resources !== undefined && !bounds.resources.includes(grant.resource)) return [];
  const allowed = bounds.scopes;
  if (allowed === undefined) return [grant];
  const scopes = grant.scopes.filter((scope) => allowed.includes(scope));
  return scopes.length === 0 ? [] : [{ ...grant, scopes }];
}
