/**
 * The resource refused a token this agent was handed (401): it is not handed out again, and the
 * connection reads the server's metadata again (a moved sign-in gives NeedsReauth, T6). Heeded
 * once per handed-out token, so an agent cannot make the wallet read metadata at will; it never
 * starts a sign-in.
 */
import type { RejectedToken } from '../../../shared/bridge.js';
import type { ConnectionRef } from '../connections/accounts.js';
import type { ConnectionService } from '../connections/connection-service.js';
import type { ConnectionTokens } from '../connections/connection-tokens.js';
import { grantApplies } from '../grants/decide.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { AgentTokenCache } from './agent-token-cache.js';

export interface HeedRefusalDeps {
  grants: Pick<GrantStore, 'list'>;
  tokens: Pick<ConnectionTokens, 'connection'>;
  connections: Pick<ConnectionService, 'agentRefused'>;
  cache: Pick<AgentTokenCache, 'refuse'>;
  /** Which of the server's connections (accounts) a request means (account-target.ts). */
  targetOf: (agentId: string, resource: string, account: string | undefined) => ConnectionRef;
  now: () => number;
}

export async function heedRefusal(deps: HeedRefusalDeps, agentId: string, resource: string, account: string | undefined, rejected: RejectedToken, signal: AbortSignal): Promise<void> {
  if (rejected.token_fingerprint === undefined) {
    // T9: a request sent without a token to an open connection was refused: heeded while it is
    // open, for an agent with a grant there; the owner is then asked to sign in.
    const target = deps.targetOf(agentId, resource, account);
    const granted = deps.grants.list({ agentId, resource }).some((grant) => grantApplies(grant, agentId, resource, deps.now()));
    if (granted && deps.tokens.connection(target)?.access === 'open-until-401') {
      await deps.connections.agentRefused(target, rejected.www_authenticate ?? null, signal);
    }
    return;
  }
  // The connection (account) the refused token came from: only that one reads its metadata again.
  const refused = deps.cache.refuse(agentId, resource, rejected.token_fingerprint, deps.now());
  if (refused === undefined) return;
  await deps.connections.agentRefused(refused, rejected.www_authenticate ?? null, signal);
}
