/**
 * The agent-mode token source: the bridge client, bound to one resource. The bridge decides
 * (grant, approval, narrowing) and audits; the proxy only asks.
 */
import type { RejectedToken } from '../../../shared/bridge.js';
import type { TokenSource } from './token-cache.js';

/** The part of the bridge client (electron/agent/bridge-client/client.ts) the proxy uses. */
export interface BridgeTokenClient {
  token(resource: string, scopes?: string[], rejected?: RejectedToken): Promise<unknown>;
}

export function bridgeTokenSource(client: BridgeTokenClient, resource: string): TokenSource {
  return {
    fetchToken: (scopes, rejected) => {
      const wanted = scopes === undefined ? undefined : [...scopes];
      return rejected === undefined ? client.token(resource, wanted) : client.token(resource, wanted, rejected);
    },
  };
}
