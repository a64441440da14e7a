/** GET /v1/whoami: the calling agent, its session (a delegated one with its slice), and its live grants. */
import type { WhoamiResponse } from '../../../shared/bridge.js';
import type { BridgeCaller } from '../bridge/handler.js';
import { accountOf } from '../connections/accounts.js';
import type { GrantStore } from '../grants/grant-store.js';

export interface WhoamiDeps {
  grants: Pick<GrantStore, 'list'>;
  now: () => number;
}

export function whoamiAnswer(deps: WhoamiDeps, caller: BridgeCaller): WhoamiResponse {
  const now = deps.now();
  return {
    agent: { id: caller.agent.id, name: caller.agent.name, kind: caller.agent.kind },
    ...(caller.session === undefined ? {} : { session: { id: caller.session.id, expires_at: Math.floor(caller.session.expiresAt / 1000) } }),
    grants: deps.grants
      .list({ agentId: caller.agent.id })
      .filter((g) => g.expiresAt === undefined || g.expiresAt > now)
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
