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

/** A token minted for a request that the owner revoked while it was in flight: revoke it, hand it to nobody. */
export class StaleMint extends Error {
  constructor(
    readonly resource: string,
    readonly token: AgentToken,
  ) {
    super('revoked while it was being minted');
  }
}

export class AgentTokenCache {
  private readonly entries = new Map<string, Entry>();
  /** Mints under way, per key: concurrent asks share one (one AS request, one token to revoke). */
  private readonly pending = new Map<string, { agentId: string; promise: Promise<AgentToken> }>();
  /** Bumped by take(): a mint that started before a revocation must not be cached or handed out. */
  private readonly epochs = new Map<string, number>();

  /** The cached token, the one being minted, or a new one from `mint` (single-flight per key). */
  getOrMint(agentId: string, resource: string, scopes: readonly string[], validUntil: number, mint: () => Promise<AgentToken>): Promise<AgentToken> {
    const cached = this.get(agentId, resource, scopes, validUntil);
    if (cached !== undefined) return Promise.resolve(cached);
    const k = key(agentId, resource, scopes);
    const running = this.pending.get(k);
    if (running !== undefined) return running.promise;
    const epoch = this.epochs.get(agentId) ?? 0;
    const promise = mint()
      .then((token) => {
        if ((this.epochs.get(agentId) ?? 0) !== epoch) throw new StaleMint(resource, token);
        this.put(agentId, resource, scopes, token);
        return token;
      })
      .finally(() => {
        if (this.pending.get(k)?.promise === promise) this.pending.delete(k);
      });
    this.pending.set(k, { agentId, promise });
    return promise;
  }

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

  /** Removes and returns every entry of the agent (for one resource, or all); in-flight mints turn stale. */
  take(agentId: string, resource: string | undefined): Entry[] {
    this.epochs.set(agentId, (this.epochs.get(agentId) ?? 0) + 1);
    for (const [k, running] of this.pending) if (running.agentId === agentId) this.pending.delete(k);
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
