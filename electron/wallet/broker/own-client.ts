/**
 * Hand-outs from an agent's own client (protocol.md R5): when the agent has a client of its own
 * for the resource, its token is that client's client credentials token, not a narrowed owner
 * token, and no owner connection is needed. The agent's grant still decides: a live grant in
 * 'allow' mode, and the scopes asked within it (none asked: the grant's). A grant in 'ask' mode is
 * refused here (nobody is asked on an own client's behalf). The grant's maximum token lifetime
 * holds as for every hand-out (T38). A token bound to the client's DPoP key goes out as DPoP (A8):
 * the agent asks the bridge for each proof, as for a DPoP-bound connection.
 */
import type { Grant, SessionSummary } from '../../../shared/agents.js';
import type { RejectedToken, TokenRequest, TokenResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { grantApplies, missingScopes } from '../grants/decide.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { AgentClientTokens } from '../identities/agent-client-tokens.js';
import { checkTokenLifetime } from './enforce-lifetime.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { AuditInput } from '../audit/audit-log.js';
import type { BridgeCaller } from '../bridge/handler.js';
import { boundedScopes, chainOf } from './session-bounds.js';

export interface OwnClientDeps {
  grants: Pick<GrantStore, 'list' | 'markUsed'>;
  agentClients: Pick<AgentClientTokens, 'token' | 'forget' | 'list'>;
  /** A session and those it was delegated from, innermost first (the audit's chain). */
  lineage: (sessionId: string) => SessionSummary[];
  now: () => number;
  record: (event: AuditInput) => Promise<void>;
}

/**
 * The hand-out, the grant marked used, and its token.issued entry with reason 'agent-client' (the
 * agent's own identity) and its `chain`: the sessions, the agent, its own client
 * (`own-client:<client id>`), then the owner who set it up. No `owner` subject: no human signed in
 * for this token (its `sub` is the client's). A delegated session's slice holds here too (T40).
 */
export async function handOutFromOwnClient(deps: OwnClientDeps, caller: BridgeCaller, base: Record<string, string>, resource: string, request: TokenRequest): Promise<TokenResponse> {
  const { agent, session } = caller;
  const granted = (): string[] => deps.grants.list({ agentId: agent.id, resource }).flatMap((g) => (grantApplies(g, agent.id, resource, deps.now()) ? g.scopes : []));
  const scopes = boundedScopes(session, resource, request.scopes, granted);
  const clientId = deps.agentClients.list(agent.id).find((client) => client.resource === resource)?.clientId ?? 'unknown';
  const lineage = session === undefined ? [] : deps.lineage(session.id);
  const chain = chainOf(agent.name, lineage).toSpliced(lineage.length + 1, 0, `own-client:${clientId}`);
  const { token, grant } = await ownClientToken(deps, agent.id, resource, scopes, request.rejected);
  deps.grants.markUsed(grant.id);
  await deps.record({
    type: 'token.issued',
    ...base,
    chain,
    resource,
    scopes: token.scope.split(' ').filter((scope) => scope !== ''),
    outcome: 'ok',
    reason: 'agent-client',
    tokenFingerprint: fingerprint(token.access_token),
    tokenExpiresAt: token.expires_at * 1000,
  });
  return token;
}

export interface OwnClientHandOut {
  token: TokenResponse;
  grant: Grant;
}

export async function ownClientToken(
  deps: OwnClientDeps,
  agentId: string,
  resource: string,
  asked: readonly string[] | undefined,
  rejected: RejectedToken | undefined,
): Promise<OwnClientHandOut> {
  const now = deps.now();
  const grant = deps.grants.list({ agentId, resource }).find((candidate) => grantApplies(candidate, agentId, resource, now) && candidate.account === undefined);
  if (grant === undefined) {
    throw new LatchkeyError(ErrorCode.NoGrant, `The agent holds no grant for ${resource}.`, { hint: 'The owner grants it with `latchkey grant add`.' });
  }
  if (grant.mode !== 'allow') {
    throw new LatchkeyError(ErrorCode.GrantDenied, `The agent's grant for ${resource} asks the owner each time, which its own client does not do.`, {
      hint: 'Set the grant to allow (`latchkey grant add … --mode allow`), or remove the agent’s own client.',
    });
  }
  const scopes = asked === undefined || asked.length === 0 ? grant.scopes : [...asked];
  const beyond = missingScopes(grant.scopes, scopes);
  if (beyond.length > 0) {
    throw new LatchkeyError(ErrorCode.ScopeNotGranted, `The agent's grant for ${resource} does not include ${beyond.join(' ')}.`, {
      hint: 'The owner can widen the grant with `latchkey grant add`.',
      details: { resource, scopes: beyond.join(' ') },
    });
  }
  // A token the server refused is not handed out again.
  if (rejected?.token_fingerprint !== undefined) deps.agentClients.forget(agentId, resource);
  const minted = await deps.agentClients.token(agentId, resource, scopes);
  const token = { accessToken: minted.value, expiresAt: minted.expiresAt, scope: minted.scope, ...(minted.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: minted.lifetimeSeconds }) };
  checkTokenLifetime(token, grant, resource, now);
  return {
    grant,
    token: { access_token: token.accessToken, token_type: minted.tokenType ?? 'Bearer', expires_at: Math.floor(token.expiresAt / 1000), scope: token.scope.join(' ') },
  };
}
