/**
 * The fetch the Streamable HTTP transport uses: every request to the remote MCP server carries
 * `Authorization: Bearer <token>` from the token cache. A 401 renews the token (telling the bridge
 * which token was refused and the server's challenge) and retries once;
 * a 403 insufficient_scope asks for the union of scopes (the bridge raises a step-up approval)
 * and retries once. Anything else, or a second refusal, goes back to the transport as it came.
 * With no token (a connection that needs no sign-in yet, T9) requests go without Authorization.
 * A DPoP-bound token (A8) goes as `Authorization: DPoP` with a proof the wallet signs for that one
 * request (the key never leaves the wallet); the server's `use_dpop_nonce` is answered once.
 */
import { bearerChallenge } from '../../../shared/www-authenticate.js';
import { accessTokenHash, resourceNonceChallenge } from '../../base/net/dpop-wire.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { discard, headerRecord, type RemoteFetch, type RemoteResponse } from './remote-fetch.js';
import type { MaybeToken, TokenCache, TokenSource } from './token-cache.js';

export interface AuthorizingFetchOptions<R extends RemoteResponse = Response> {
  tokens: TokenCache;
  /** The underlying fetch (default: the global one; the proxy gives remote-fetch.ts's). */
  fetch?: RemoteFetch<R>;
  /** Told about each retry, for --verbose logs. Never given a token. */
  onRetry?: (event: { status: 401 | 403; scopes?: readonly string[] }) => void;
  /** Signs a DPoP proof for one request (the bridge, in agent mode); needed for DPoP-bound tokens. */
  prove?: TokenSource['proveRequest'];
}

/** Answers with what its fetch answers: a Response by default, remote-fetch.ts's answer in the proxy. */
export function createAuthorizingFetch<R extends RemoteResponse = Response>(options: AuthorizingFetchOptions<R>): RemoteFetch<R> {
  const base: RemoteFetch = options.fetch ?? ((url, init) => fetch(url, init));
  const { tokens } = options;

  /** The resource server's latest DPoP nonce (RFC 9449 §9). */
  let nonce: string | undefined;

  const sendOnce = async (url: string | URL, init: RequestInit | undefined, token: MaybeToken): Promise<RemoteResponse> => {
    const headers = headerRecord(init?.headers);
    if (token !== undefined && tokens.tokenType === 'DPoP') {
      headers['authorization'] = `DPoP ${token}`;
      headers['dpop'] = await proofFor(url, init, token);
    } else if (token !== undefined) {
      headers['authorization'] = `Bearer ${token}`;
    }
    const response = await base(url, { ...init, headers });
    nonce = response.headers.get('dpop-nonce') ?? nonce;
    return response;
  };

  const proofFor = (url: string | URL, init: RequestInit | undefined, token: string): Promise<string> => {
    if (options.prove === undefined) {
      throw new LatchkeyError(ErrorCode.TokenSenderConstrained, 'This server\'s tokens are bound to a key in the wallet (DPoP), and nothing here can ask the wallet for proofs.', {
        hint: 'Use latchkey mcp inside a latchkey run session (or with the agent\'s secret) against a daemon of the same version.',
      });
    }
    const ath = accessTokenHash(token);
    return options.prove({ method: (init?.method ?? 'GET').toUpperCase(), url: String(url), ath, ...(nonce === undefined ? {} : { nonce }) });
  };

  /** One request; a DPoP `use_dpop_nonce` refusal is answered once with the server's new nonce. */
  const send = async (url: string | URL, init: RequestInit | undefined, token: MaybeToken): Promise<RemoteResponse> => {
    const response = await sendOnce(url, init, token);
    if (response.status !== 401 || token === undefined || tokens.tokenType !== 'DPoP' || resourceNonceChallenge(response) === undefined || !isReplayable(init?.body)) return response;
    await discard(response);
    return sendOnce(url, init, token);
  };

  // Every answer is one `base` gave, so an R.
  const authorizing: RemoteFetch = async (url, init) => {
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
  return authorizing as RemoteFetch<R>;
}

/** The transport sends JSON strings (POST) or nothing (GET, DELETE): both can be sent again. */
function isReplayable(body: RequestInit['body']): boolean {
  return body === undefined || body === null || typeof body === 'string';
}
