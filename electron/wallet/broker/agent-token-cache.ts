/**
 * Agent access tokens, in memory only, under the plan's cache key (grants/decide.ts: per agent,
 * resource and scope set, so revoking one agent's access does not touch another's, and the audit
 * fingerprints tell them apart); a cached one is reused while it lives long enough. Tokens handed
 * out are remembered until they expire at their server, so a revocation can revoke them all, or
 * say until when the ones the server cannot revoke stay valid (T38). A token the agent reports
 * refused (401) is not handed out again, and counts as reported once.
 */
import { accessTokenHash } from '../../base/net/dpop-wire.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { ConnectionRef } from '../connections/accounts.js';

export interface AgentToken {
  accessToken: string;
  /** Epoch ms the server stops accepting it (its real expiry: never capped, never shortened). */
  expiresAt: number;
  scope: string[];
  /** Its whole lifetime as issued, seconds; absent when the server did not say. */
  lifetimeSeconds?: number;
  /** 'DPoP': bound to the connection's key (used with a proof from the wallet); absent: Bearer. */
  tokenType?: 'DPoP';
}

export interface Entry extends AgentToken {
  agentId: string;
  resource: string;
  /** The account of the connection it was minted from (T8); absent: the default account. */
  account?: string | undefined;
  /** Whether it went to the agent (a token refused as too long-lived stays cached but never leaves). */
  handedOut: boolean;
  /** The agent reported the resource refused it. */
  refused?: boolean;
}

/** A token minted for a request that the owner revoked while it was in flight: revoke it, hand it to nobody. */
export class StaleMint extends Error {
  constructor(
    readonly connection: ConnectionRef,
    readonly token: AgentToken,
  ) {
    super('revoked while it was being minted');
  }
}

export class AgentTokenCache {
  private readonly entries = new Map<string, Entry>();
  /** Tokens handed out, by token, until they expire at their server (cached or not any more). */
  private readonly issued = new Map<string, Entry>();
  /** Mints under way, per key: concurrent asks share one (one AS request, one token to revoke). */
  private readonly pending = new Map<string, { agentId: string; promise: Promise<AgentToken> }>();
  /** Bumped by take(): a mint that started before a revocation must not be cached or handed out. */
  private readonly epochs = new Map<string, number>();
  /** No handed-out token expires before this (epoch ms): pruning before then finds nothing. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  /** The cached token valid past `validUntil`, the one being minted, or a new one from `mint` (single-flight per key). */
  getOrMint(k: string, owner: { agentId: string; connection: ConnectionRef }, validUntil: number, mint: () => Promise<AgentToken>): Promise<AgentToken> {
    const { agentId, connection } = owner;
    const cached = this.cached(k, validUntil);
    if (cached !== undefined) return Promise.resolve(cached);
    const running = this.pending.get(k);
    if (running !== undefined) return running.promise;
    const epoch = this.epochs.get(agentId) ?? 0;
    const promise = mint()
      .then((token) => {
        if ((this.epochs.get(agentId) ?? 0) !== epoch) throw new StaleMint(connection, token);
        this.entries.set(k, { ...token, agentId, resource: connection.resource, account: connection.account, handedOut: false });
        return token;
      })
      .finally(() => {
        if (this.pending.get(k)?.promise === promise) this.pending.delete(k);
      });
    this.pending.set(k, { agentId, promise });
    return promise;
  }

  /** The cached token under `k` if it is valid past `validUntil` (one that is not is dropped); no mint. */
  cached(k: string, validUntil: number): AgentToken | undefined {
    const entry = this.entries.get(k);
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= validUntil) {
      this.entries.delete(k);
      return undefined;
    }
    return entry;
  }

  /** Notes that `token` went to the agent: it is remembered until it expires at its server. */
  noteHandedOut(agentId: string, connection: ConnectionRef, token: AgentToken, now: number): void {
    this.prune(now);
    const known = this.issued.get(token.accessToken);
    // The same cached token handed out again: its entry already says so.
    if (known !== undefined && known.agentId === agentId && known.resource === connection.resource && known.account === connection.account && known.refused !== true) return;
    this.issued.set(token.accessToken, { ...token, agentId, resource: connection.resource, account: connection.account, handedOut: true });
    this.earliestExpiry = Math.min(this.earliestExpiry, token.expiresAt);
  }

  /**
   * The agent says the resource refused the token it was handed with this fingerprint: it leaves
   * the cache. The connection it came from, only the first time, and only for a token this agent
   * was handed for `resource`; undefined otherwise.
   */
  refuse(agentId: string, resource: string, tokenFingerprint: string, now: number): ConnectionRef | undefined {
    this.prune(now);
    for (const [token, entry] of this.issued) {
      if (entry.agentId !== agentId || entry.resource !== resource || entry.refused === true || fingerprint(token) !== tokenFingerprint) continue;
      entry.refused = true;
      for (const [k, cached] of this.entries) if (cached.accessToken === token) this.entries.delete(k);
      return { resource: entry.resource, account: entry.account };
    }
    return undefined;
  }

  /**
   * The unexpired token handed to this agent whose hash (RFC 9449 `ath`: base64url SHA-256) is
   * `ath`; undefined when there is none (never handed out, expired, or taken back by a revocation).
   */
  handedOut(agentId: string, ath: string, now: number): Entry | undefined {
    this.prune(now);
    for (const [token, entry] of this.issued) {
      if (entry.agentId === agentId && accessTokenHash(token) === ath) return entry;
    }
    return undefined;
  }

  /**
   * Removes and returns every token of the agent (for one connection, or all) still valid at `now`:
   * the cached ones and the handed-out ones, each once. In-flight mints turn stale.
   */
  take(agentId: string, connection: ConnectionRef | undefined, now: number): Entry[] {
    this.epochs.set(agentId, (this.epochs.get(agentId) ?? 0) + 1);
    for (const [k, running] of this.pending) if (running.agentId === agentId) this.pending.delete(k);
    this.prune(now);
    const matches = (entry: Entry): boolean =>
      entry.agentId === agentId && (connection === undefined || (entry.resource === connection.resource && entry.account === connection.account));
    const taken = new Map<string, Entry>();
    for (const [k, entry] of this.entries) {
      if (!matches(entry)) continue;
      this.entries.delete(k);
      if (entry.expiresAt > now) taken.set(entry.accessToken, entry);
    }
    for (const [token, entry] of this.issued) {
      if (!matches(entry)) continue;
      this.issued.delete(token);
      taken.set(token, entry);
    }
    return [...taken.values()];
  }

  /** Forgets handed-out tokens that expired; a walk over them only once one may have. */
  private prune(now: number): void {
    if (now < this.earliestExpiry) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [token, entry] of this.issued) {
      if (entry.expiresAt <= now) this.issued.delete(token);
      else earliest = Math.min(earliest, entry.expiresAt);
    }
    this.earliestExpiry = earliest;
  }
}

