/**
 * The fetch the Streamable HTTP transport uses: every request to the remote MCP server carries
 * `Authorization: Bearer <token>` from the token cache. A 401 renews the token (telling the bridge
 * which token was refused and the server's challenge) and retries once;
 * a 403 insufficient_scope asks for the union of scopes (the bridge raises a step-up approval)
 * and retries once. Anything else, or a second refusal, goes back to the transport as it came.
 * With no token (a connection that needs no sign-in yet, T9) requests go without Authorization.
 */
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { bearerChallenge } from '../../../shared/www-authenticate.js';
import type { MaybeToken, TokenCache } from './token-cache.js';

export interface AuthorizingFetchOptions {
  tokens: TokenCache;
  /** The underlying fetch (default: the global one). */
  fetch?: FetchLike;
  /** Told about each retry, for --verbose logs. Never given a token. */
  onRetry?: (event: { status: 401 | 403; scopes?: readonly string[] }) => void;
}

export function createAuthorizingFetch(options: AuthorizingFetchOptions): FetchLike {
  const base: FetchLike = options.fetch ?? ((url, init) => fetch(url, init));
  const { tokens } = options;

  const send = (url: string | URL, init: RequestInit | undefined, token: MaybeToken): Promise<Response> => {
    const headers = new Headers(init?.headers);
    if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
    return base(url, { ...init, headers });
  };

  return async (url, init) => {
    const token = await tokens.current();
    const response = await send(url, init, token);
    if (response.status !== 401 && response.status !== 403) return response;
    if (!isReplayable(init?.body)) return response;

    if (response.status === 401) {
      const challenge = response.headers.get('www-authenticate');
      await discard(response);
      options.onRetry?.({ status: 401 });
      return send(url, init, await tokens.renew(token, challenge));
    }
    const challenge = bearerChallenge(response.headers.get('www-authenticate'));
    if (challenge?.error !== 'insufficient_scope') return response;
    await discard(response);
    const needed = challenge.scope ?? [];
    options.onRetry?.({ status: 403, scopes: needed });
    return send(url, init, await tokens.widen(token, needed));
  };
}

/** The transport sends JSON strings (POST) or nothing (GET, DELETE): both can be sent again. */
function isReplayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string';
}

async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}
