/**
 * Tokens for delegated sessions by token exchange (protocol.md T5, threat T40): where the
 * connection's authorization server offers RFC 8693, a delegated session's token is its parent's
 * token exchanged for the child's scopes, so the server itself issues the narrower token and its
 * `act` records each exchange (nested, one level per delegation). The parent's token is the one
 * the parent's slice would get: the root session's is the connection's narrowed refresh (T5), a
 * delegated parent's is again an exchanged one. Subject tokens are cached per session and slice
 * like any agent token (revoking the agent takes them too) and never handed to anyone. Where the
 * server does not offer exchange, will not run it for Latchkey's client, or the connection is
 * DPoP-bound or enterprise-managed, the wallet's narrowing applies as for every other session.
 */
import type { SessionSummary } from '../../../shared/agents.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import type { Logger } from '../../base/ports.js';
import { connectionKey, type ConnectionRef } from '../connections/accounts.js';
import type { ConnectionTokens } from '../connections/connection-tokens.js';
import type { CachedAccessToken, ConnectionRecord } from '../oauth/records.js';
import { exchangeToken, offersTokenExchange } from '../oauth/token-exchange.js';
import type { AgentToken, AgentTokenCache } from './agent-token-cache.js';
import type { Mint } from './mint-for-agent.js';

/** A subject token is reused while it has at least this long left. */
const SUBJECT_MIN_REMAINING_MS = 30_000;

export interface SessionExchangeDeps {
  tokens: Pick<ConnectionTokens, 'connection' | 'configFor' | 'mint'>;
  cache: Pick<AgentTokenCache, 'getOrMint'>;
  logger: Logger;
  now: () => number;
}

export class SessionExchange {
  /** Issuers that advertise the grant but refused it to Latchkey's client: narrowing there from then on. */
  private readonly unavailable = new Set<string>();
  /** Fingerprints of exchanged tokens until they expire, so their hand-out is audited as one. */
  private readonly exchanged = new Map<string, number>();

  constructor(private readonly deps: SessionExchangeDeps) {}

  /**
   * How tokens for `lineage[0]` (a session, then those it was delegated from) are obtained:
   * exchanged where the connection allows it, narrowed otherwise. `granted` lists the agent's
   * granted scopes at the resource.
   */
  mintFor(agentId: string, lineage: readonly SessionSummary[], granted: () => readonly string[]): Mint {
    return async (target, scopes) => {
      const record = this.deps.tokens.connection(target);
      if (lineage.length < 2 || record === undefined || !this.exchangeable(record)) return this.deps.tokens.mint(target, scopes);
      const token = await this.tokenFor(agentId, target, record, lineage, scopes, granted);
      if (token === undefined) return this.deps.tokens.mint(target, scopes);
      this.exchanged.set(fingerprint(token.value), token.expiresAt);
      return token;
    };
  }

  /** Whether this token (by its value) came from an exchange and has not expired. */
  wasExchanged(accessToken: string): boolean {
    const now = this.deps.now();
    for (const [key, expiresAt] of this.exchanged) if (expiresAt <= now) this.exchanged.delete(key);
    // Nothing exchanged (the usual case): no hash to compute on a hand-out.
    return this.exchanged.size > 0 && this.exchanged.has(fingerprint(accessToken));
  }

  private exchangeable(record: ConnectionRecord): boolean {
    return record.dpopKey === undefined && record.managed === undefined && record.status === 'ok' && offersTokenExchange(record.serverMetadata) && !this.unavailable.has(record.issuer);
  }

  /** The token of `line[0]` for `scopes`: exchanged from its parent's; undefined when the server will not exchange. */
  private async tokenFor(
    agentId: string,
    target: ConnectionRef,
    record: ConnectionRecord,
    line: readonly SessionSummary[],
    scopes: readonly string[],
    granted: () => readonly string[],
  ): Promise<CachedAccessToken | undefined> {
    const [, parent] = line;
    if (parent === undefined) return this.deps.tokens.mint(target, scopes);
    // The parent's slice as its token would carry it: within the grants, and within what the connection holds.
    const slice = sliceOf(parent, granted()).filter((scope) => record.scopes.length === 0 || record.scopes.includes(scope));
    const key = `exchange-subject\n${agentId}\n${connectionKey(target)}\n${parent.id}\n${[...slice].sort().join(' ')}`;
    let subject: AgentToken;
    try {
      subject = await this.deps.cache.getOrMint(key, { agentId, connection: target }, this.deps.now() + SUBJECT_MIN_REMAINING_MS, async () => {
        const token = await this.tokenFor(agentId, target, record, line.slice(1), slice, granted);
        if (token === undefined) throw new ExchangeUnavailable();
        return agentTokenOf(token);
      });
    } catch (error) {
      if (error instanceof ExchangeUnavailable) return undefined;
      throw error;
    }
    const outcome = await exchangeToken(
      this.deps.tokens.configFor(record),
      { issuer: record.issuer, resource: target.resource, sendResource: record.sendResource, subject: { value: subject.accessToken, expiresAt: subject.expiresAt }, scopes },
      this.deps.now(),
    );
    if (outcome.kind === 'unavailable') {
      this.unavailable.add(record.issuer);
      this.deps.logger.info('token exchange refused to this client; delegated sessions are narrowed instead', { issuer: record.issuer, error: outcome.error });
      return undefined;
    }
    this.deps.logger.info('delegated session token exchanged', { resource: target.resource, token: fingerprint(outcome.token.value), scopes: outcome.token.scope.join(' ') });
    return outcome.token;
  }
}

/** The server would not exchange a token further up the line: nothing is cached, narrowing applies. */
class ExchangeUnavailable extends Error {}

/** A session's scopes at a resource: its bounds' scopes it really holds, or all it holds. */
function sliceOf(session: SessionSummary, granted: readonly string[]): readonly string[] {
  const bounded = session.bounds?.scopes;
  return bounded === undefined ? granted : bounded.filter((scope) => granted.includes(scope));
}

function agentTokenOf(token: CachedAccessToken): AgentToken {
  return {
    accessToken: token.value,
    expiresAt: token.expiresAt,
    scope: token.scope,
    ...(token.lifetimeSeconds === undefined ? {} : { lifetimeSeconds: token.lifetimeSeconds }),
    ...(token.tokenType === undefined ? {} : { tokenType: token.tokenType }),
  };
}
