/**
 * The agent-mode token source: the bridge client, bound to one resource. The bridge decides
 * (grant, approval, narrowing) and audits; the proxy only asks.
 */
import type { DpopProofRequest, RejectedToken } from '../../../shared/bridge.js';
import type { TokenSource } from './token-cache.js';
import type { TokenTarget } from '../bridge-client/client.js';

/** The part of the bridge client (electron/agent/bridge-client/client.ts) the proxy uses. */
export interface BridgeTokenClient {
  token(target: TokenTarget, scopes?: string[], rejected?: RejectedToken): Promise<unknown>;
  dpopProof?(request: DpopProofRequest): Promise<{ proof: string }>;
}

/** `account`: one of the owner's accounts on the server (protocol.md T8); absent: the one the agent's grant names. */
export function bridgeTokenSource(client: BridgeTokenClient, resource: string, account?: string): TokenSource {
  const target: TokenTarget = account === undefined ? resource : { resource, account };
  const dpopProof = client.dpopProof?.bind(client);
  return {
    fetchToken: (scopes, rejected) => {
      const wanted = scopes === undefined ? undefined : [...scopes];
      return rejected === undefined ? client.token(target, wanted) : client.token(target, wanted, rejected);
    },
    ...(dpopProof === undefined ? {} : { proveRequest: async (request) => (await dpopProof({ resource, ...request })).proof }),
  };
}
