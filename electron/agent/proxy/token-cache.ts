/**
 * The proxy's access token for one resource: fetched from a token source (the bridge, in agent
 * mode), re-checked with it every second and kept until shortly before it expires, renewed after a 401 and widened after a 403
 * insufficient_scope. Concurrent callers share one fetch, so a burst of requests on an expired
 * token asks the source once. A connection that needs no sign-in yet (the source answers
 * connection.no_sign_in_needed, protocol.md T9) has no token: requests go without one until the
 * server refuses one, which is reported to the source without a fingerprint.
 */
import { RejectedToken, TokenResponse } from '../../../shared/bridge.js';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../shared/errors.js';
import { fingerprint } from '../../base/log/fingerprint.js';
import { systemClock, type Clock } from '../../base/ports.js';

/** Where tokens come from: the bridge client bound to one resource, or a test stand-in. */
export interface TokenSource {
  /** Signs a DPoP proof for one request with a DPoP token this source handed out (A8); absent: DPoP tokens cannot be used. */
  proveRequest?(request: { method: string; url: string; ath: string; nonce?: string }): Promise<string>;
  /**
   * A fresh token; `scopes` undefined means "what the grant allows". `rejected`: the resource
   * refused the previous one with 401 (the wallet checks whether the server moved its sign-in).
   */
  fetchToken(scopes: readonly string[] | undefined, rejected?: RejectedToken): Promise<unknown>;
}

/** A token, or none: the connection needs no sign-in yet (T9), so the request goes without Authorization. */
export type MaybeToken = string | undefined;

export interface TokenCache {
  /** The cached token, or a new one when there is none or it is about to expire. */
  current(): Promise<MaybeToken>;
  /** After a 401 for `rejected` (with the server's WWW-Authenticate): forget it and get another (once per rejected token). */
  renew(rejected: MaybeToken, wwwAuthenticate?: string | null): Promise<MaybeToken>;
  /** After a 403 insufficient_scope for `rejected`: ask for its scopes ∪ `needed`. */
  widen(rejected: MaybeToken, needed: readonly string[]): Promise<MaybeToken>;
  /** Scopes of the cached token (empty before the first fetch). */
  readonly scopes: readonly string[];
  /** How the last token fetched is presented: 'DPoP' when it is bound to the wallet's key (A8). */
  readonly tokenType: 'Bearer' | 'DPoP';
}

export interface TokenCacheOptions {
  source: TokenSource;
  clock?: Clock;
  /** Renew this long before expiry at most (default 30 s; never more than half the lifetime). */
  refreshMarginMs?: number;
  /**
   * Ask the source again after this long even if the token is still valid (default 1 s). The
   * bridge answers from its cache in well under a millisecond, and this is what makes the
   * owner's revocation stop a running agent's next call within a second (B16).
   */
  recheckMs?: number;
}

interface Entry {
  /** Absent: no sign-in needed yet (kept until the server refuses a request). */
  token: TokenResponse | undefined;
  scopes: string[];
  renewAt: number;
}

export function createTokenCache(options: TokenCacheOptions): TokenCache {
  const clock = options.clock ?? systemClock;
  const margin = options.refreshMarginMs ?? 30_000;
  const recheck = options.recheckMs ?? 1_000;
  let entry: Entry | undefined;
  let wanted: string[] | undefined;
  let pending: Promise<Entry> | undefined;
  /** A connection's tokens are all DPoP-bound or none are: the last answer says which. */
  let lastType: 'Bearer' | 'DPoP' = 'Bearer';

  /** One fetch at a time; `scopes` become the wanted ones only once a token with them arrives. */
  const fetchEntry = (scopes = wanted, rejected?: RejectedToken): Promise<Entry> => {
    if (pending !== undefined) return pending;
    const started = clock.now();
    pending = (rejected === undefined ? options.source.fetchToken(scopes) : options.source.fetchToken(scopes, rejected))
      .then((raw) => {
        const token = validate(raw);
        const expiresAtMs = token.expires_at * 1000;
        const renewAt = Math.min(started + recheck, expiresAtMs - Math.min(margin, Math.max(0, (expiresAtMs - started) / 2)));
        entry = { token, scopes: token.scope.split(' ').filter((s) => s !== ''), renewAt };
        lastType = token.token_type;
        wanted = scopes;
        return entry;
      })
      .catch((error: unknown) => {
        if (!isLatchkeyError(error, ErrorCode.NoSignInNeeded)) throw error;
        entry = { token: undefined, scopes: [], renewAt: Number.POSITIVE_INFINITY };
        return entry;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };

  const fresh = (): boolean => entry !== undefined && clock.now() < entry.renewAt;

  return {
    get scopes() {
      return entry?.scopes ?? [];
    },
    get tokenType() {
      return lastType;
    },
    async current() {
      if (pending !== undefined) return (await pending).token?.access_token;
      if (entry !== undefined && fresh()) return entry.token?.access_token;
      return (await fetchEntry()).token?.access_token;
    },
    async renew(rejected, wwwAuthenticate) {
      if (pending !== undefined) return (await pending).token?.access_token;
      if (entry !== undefined && entry.token?.access_token !== rejected && fresh()) return entry.token?.access_token;
      entry = undefined;
      return (await fetchEntry(wanted, rejection(rejected, wwwAuthenticate))).token?.access_token;
    },
    async widen(rejected, needed) {
      const base = entry !== undefined && entry.token?.access_token === rejected ? entry.scopes : [];
      const union = [...new Set([...base, ...(wanted ?? []), ...needed])];
      if (pending !== undefined) await pending.catch(() => undefined);
      const current = entry;
      if (current !== undefined && current.token?.access_token !== rejected && fresh() && union.every((s) => current.scopes.includes(s))) {
        return current.token?.access_token;
      }
      // A refused step-up leaves the narrower token in place for the calls it is good for.
      return (await fetchEntry(union)).token?.access_token;
    },
  };
}

/** What the bridge is told about a refused token: its fingerprint (none when none was sent), and the challenge when it fits the bridge's bounds. */
function rejection(token: MaybeToken, wwwAuthenticate: string | null | undefined): RejectedToken {
  const named = { status: 401 as const, ...(token === undefined ? {} : { token_fingerprint: fingerprint(token) }) };
  const full = RejectedToken.safeParse({ ...named, ...(wwwAuthenticate == null ? {} : { www_authenticate: wwwAuthenticate }) });
  return full.success ? full.data : named;
}

/** B15 (client side): only the four documented fields are kept; a refresh token never is. */
function validate(raw: unknown): TokenResponse {
  const parsed = TokenResponse.safeParse(raw);
  if (!parsed.success) {
    throw new LatchkeyError(ErrorCode.BadResponse, 'The Latchkey bridge answered with something that is not a token response.', {
      hint: 'Check that the Latchkey daemon and this latchkey command are the same version.',
    });
  }
  const { access_token, token_type, expires_at, scope } = parsed.data;
  return { access_token, token_type, expires_at, scope };
}
