/**
 * POST /v1/dpop-proof for agents (protocol.md A8, threats T42–T43): a DPoP proof for one request
 * with a DPoP token the wallet handed this agent, while a grant still covers it. The token is
 * recognised by its hash alone (`ath`), so the agent never sends it; a revocation takes the
 * agent's tokens back (agent-token-cache.ts), so the next proof is refused at once and the tokens
 * already out stop working at any server that checks proofs. A token from the agent's own client
 * (R5) is signed for with that client's DPoP key, under the same rules. The key never leaves the wallet.
 */
import type { DpopProofRequest, DpopProofResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { canonicalResource, type UrlPolicy } from '../../../shared/url.js';
import type { ConnectionTokens } from '../connections/connection-tokens.js';
import { grantAppliesTo } from '../grants/decide.js';
import type { GrantStore } from '../grants/grant-store.js';
import type { AgentClientTokens } from '../identities/agent-client-tokens.js';
import type { AgentTokenCache } from './agent-token-cache.js';

export interface DpopProofDeps {
  policy: UrlPolicy;
  grants: Pick<GrantStore, 'list'>;
  tokens: Pick<ConnectionTokens, 'proof'>;
  cache: Pick<AgentTokenCache, 'handedOut'>;
  /** The agent's own clients (R5): their DPoP tokens are signed for with their own keys. */
  agentClients?: Pick<AgentClientTokens, 'holds' | 'proof'> | undefined;
  now: () => number;
}

/** The proof, or a refusal: not a live DPoP token of this agent for that server, or no grant covers it any more. */
export async function agentProof(deps: DpopProofDeps, agentId: string, request: DpopProofRequest): Promise<DpopProofResponse> {
  const resource = canonicalResource(request.resource, deps.policy);
  const now = deps.now();
  const token = deps.cache.handedOut(agentId, request.ath, now);
  if (token === undefined && deps.agentClients?.holds(agentId, resource, request.ath) === true) return ownClientProof(deps, agentId, resource, request);
  if (token === undefined || token.resource !== resource || token.tokenType !== 'DPoP') {
    throw new LatchkeyError(ErrorCode.GrantDenied, `No DPoP token Latchkey handed this agent for ${resource} is live.`, {
      hint: 'Ask for a token again (latchkey mcp does this by itself).',
      details: { resource },
    });
  }
  const target = { resource, account: token.account };
  if (!deps.grants.list({ agentId, resource }).some((grant) => grantAppliesTo(grant, agentId, target, now))) {
    throw new LatchkeyError(ErrorCode.NoGrant, `The agent holds no grant for ${resource} any more.`, { details: { resource } });
  }
  const proof = await deps.tokens.proof(target, {
    method: request.method,
    url: request.url,
    ath: request.ath,
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  });
  return { proof };
}

/** A proof with the agent's own client's key, while an owner-less grant of the agent still covers the server. */
async function ownClientProof(deps: DpopProofDeps, agentId: string, resource: string, request: DpopProofRequest): Promise<DpopProofResponse> {
  const target = { resource, account: undefined };
  if (deps.agentClients === undefined || !deps.grants.list({ agentId, resource }).some((grant) => grantAppliesTo(grant, agentId, target, deps.now()))) {
    throw new LatchkeyError(ErrorCode.NoGrant, `The agent holds no grant for ${resource} any more.`, { details: { resource } });
  }
  const proof = await deps.agentClients.proof(agentId, resource, {
    method: request.method,
    url: request.url,
    ath: request.ath,
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  });
  return { proof };
}
