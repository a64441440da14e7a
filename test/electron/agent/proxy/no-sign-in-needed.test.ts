/**
 * T9 on the agent's side: a connection that needs no sign-in yet. The bridge answers
 * connection.no_sign_in_needed, the token cache holds "no token" (asking the bridge once, not per
 * request), requests go without Authorization, and the server's first 401 is reported without a
 * fingerprint (there was no token) with its challenge.
 */
import { describe, expect, it } from 'vitest';
import type { RejectedToken } from '../../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { createAuthorizingFetch } from '../../../../electron/agent/proxy/authorizing-fetch.js';
import { createTokenCache, type TokenSource } from '../../../../electron/agent/proxy/token-cache.js';

const CHALLENGE = 'Bearer error="invalid_token", scope="notes:read", resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource/mcp"';

/** A bridge whose connection is open until `signedIn` is set; records what it was told. */
function openBridge(): TokenSource & { asked: Array<RejectedToken | undefined>; signedIn: boolean } {
  const bridge = {
    asked: [] as Array<RejectedToken | undefined>,
    signedIn: false,
    fetchToken: (_scopes: readonly string[] | undefined, rejected?: RejectedToken): Promise<unknown> => {
      bridge.asked.push(rejected);
      if (!bridge.signedIn && rejected === undefined) return Promise.reject(new LatchkeyError(ErrorCode.NoSignInNeeded, 'no sign-in needed'));
      if (!bridge.signedIn) return Promise.reject(new LatchkeyError(ErrorCode.NeedsReauth, 'the owner signs in'));
      return Promise.resolve({ access_token: 'tok-1', token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 600, scope: 'notes:read' });
    },
  };
  return bridge;
}

/** A server that lets everything through until `protect` is set, then wants `tok-1`. */
function server(): { fetch: (url: string | URL, init?: RequestInit) => Promise<Response>; seen: Array<string | null>; protect: boolean } {
  const state = {
    seen: [] as Array<string | null>,
    protect: false,
    fetch: (_url: string | URL, init?: RequestInit): Promise<Response> => {
      const authorization = new Headers(init?.headers).get('authorization');
      state.seen.push(authorization);
      if (state.protect && authorization !== 'Bearer tok-1') return Promise.resolve(new Response('', { status: 401, headers: { 'www-authenticate': CHALLENGE } }));
      return Promise.resolve(new Response('{}', { status: 200 }));
    },
  };
  return state;
}

const post = { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"tools/call"}' };

describe('T9: latchkey mcp and a connection that needs no sign-in yet', () => {
  it('sends requests without Authorization, asking the bridge once', async () => {
    const bridge = openBridge();
    const upstream = server();
    const send = createAuthorizingFetch({ tokens: createTokenCache({ source: bridge }), fetch: upstream.fetch });
    for (let i = 0; i < 3; i += 1) expect((await send('https://mcp.example.test/mcp', post)).status).toBe(200);
    expect(upstream.seen).toEqual([null, null, null]);
    expect(bridge.asked).toEqual([undefined]);
  });

  it("reports the first 401 without a fingerprint and with the challenge; the owner's sign-in then brings a token", async () => {
    const bridge = openBridge();
    const upstream = server();
    const send = createAuthorizingFetch({ tokens: createTokenCache({ source: bridge }), fetch: upstream.fetch });
    expect((await send('https://mcp.example.test/mcp', post)).status).toBe(200);
    upstream.protect = true;

    const refused = await send('https://mcp.example.test/mcp', post).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ code: ErrorCode.NeedsReauth });
    expect(bridge.asked.at(-1)).toEqual({ status: 401, www_authenticate: CHALLENGE });

    bridge.signedIn = true;
    expect((await send('https://mcp.example.test/mcp', post)).status).toBe(200);
    expect(upstream.seen.at(-1)).toBe('Bearer tok-1');
  });
});
