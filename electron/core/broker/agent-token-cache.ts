/**
 * Agent access tokens, in memory only, per (agent, resource, scope set): each agent gets its own
 * token (so revoking one agent's access does not touch another's, and the audit fingerprints
 * tell them apart), and a cached one is reused until shortly before it expires.
 */
export interface AgentToken {
  accessToken: string;
  /** Epoch ms, already capped at the grant's maximum lifetime. */
  expiresAt: number;
  scope: string[];
}

interface Entry extends AgentToken {
  agentId: string;
  resource: string;
}

export class AgentTokenCache {
  private readonly entries = new Map<string, Entry>();

  get(agentId: string, resource: string, scopes: readonly string[], validUntil: number): AgentToken | undefined {
    const entry = this.entries.get(key(agentId, resource, scopes));
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= validUntil) {
      this.entries.delete(key(agentId, resource, scopes));
      return undefined;
    }
    return entry;
  }

  put(agentId: string, resource: string, scopes: readonly string[], token: AgentToken): void {
    this.entries.set(key(agentId, resource, scopes), { ...token, agentId, resource });
  }

  /** Removes and returns every entry of the agent (for one resource, or all). */
  take(agentId: string, resource: string | undefined): Entry[] {
    const taken: Entry[] = [];
    for (const [k, entry] of this.entries) {
      if (entry.agentId === agentId && (resource === undefined || entry.resource === resource)) {
        taken.push(entry);
        this.entries.delete(k);
      }
    }
    return taken;
  }
}

function key(agentId: string, resource: string, scopes: readonly string[]): string {
  return `${agentId}\n${resource}\n${[...scopes].sort().join(' ')}`;
}
