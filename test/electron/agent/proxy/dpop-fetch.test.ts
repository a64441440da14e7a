/**
 * A8 on the agent's side: `latchkey mcp` with a DPoP-bound token. Every request carries
 * `Authorization: DPoP` and a proof the wallet signs for that one request (the bridge stand-in
 * here signs with a real wallet key, `oauth/dpop-proof.ts`); the server's `use_dpop_nonce` is
 * answered once with its nonce; a refused proof (a revoked grant) fails the request, and without
 * a proof source the proxy refuses clearly instead of sending the token as Bearer.
 */
import { EmbeddedJWK, jwtVerify, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError, isLatchkeyError } from '../../../../shared/errors.js';
import { createAuthorizingFetch } from '../../../../electron/agent/proxy/authorizing-fetch.js';
import { createTokenCache, type TokenSource } from '../../../../electron/agent/proxy/token-cache.js';
import { generateDpopKey } from '../../../../electron/wallet/oauth/dpop-key.js';
import { accessTokenHash, signResourceProof } from '../../../../electron/wallet/oauth/dpop-proof.js';

const URL_ = 'https://mcp.example.test/mcp';
const TOKEN = 'dpop-bound-token';
const post = { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}' };

async function dpopBridge(): Promise<TokenSource & { proofs: number; revoked: boolean; proveRequest: NonNullable<TokenSource['proveRequest']> }> {
  const key = await generateDpopKey();
  const bridge = {
    proofs: 0,
    revoked: false,
    fetchToken: (): Promise<unknown> =>
      Promise.resolve({ access_token: TOKEN, token_type: 'DPoP', expires_at: Math.floor(Date.now() / 1000) + 600, scope: 'mcp:read' }),
    proveRequest: async (request: { method: string; url: string; ath: string; nonce?: string }): Promise<string> => {
      if (bridge.revoked) throw new LatchkeyError(ErrorCode.NoGrant, 'no grant covers this proof');
      bridge.proofs += 1;
      return signResourceProof(key, request, Date.now());
    },
  };
  return bridge;
}

/** A resource server that wants a DPoP proof for TOKEN, and a nonce from the second request on. */
function dpopServer(): { fetch: (url: string | URL, init?: RequestInit) => Promise<Response>; accepted: number; jtis: Set<string> } {
  const state = {
    accepted: 0,
    jtis: new Set<string>(),
    fetch: async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      if (headers.get('authorization') !== `DPoP ${TOKEN}`) return new Response('', { status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_token"' } });
      const proof = headers.get('dpop') ?? '';
      expect(decodeProtectedHeader(proof).typ).toBe('dpop+jwt');
      const { payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt' });
      expect(payload).toMatchObject({ htm: init?.method, htu: String(url), ath: accessTokenHash(TOKEN) });
      expect(state.jtis.has(String(payload.jti))).toBe(false);
      state.jtis.add(String(payload.jti));
      if (state.jtis.size > 1 && payload['nonce'] !== 'n-1') {
        return new Response('', { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-1' } });
      }
      state.accepted += 1;
      return new Response('{}', { status: 200 });
    },
  };
  return state;
}

describe('A8: latchkey mcp with a DPoP-bound token', () => {
  it('sends Authorization: DPoP with a fresh wallet-signed proof per request and answers the server nonce once', async () => {
    const bridge = await dpopBridge();
    const server = dpopServer();
    const send = createAuthorizingFetch({ tokens: createTokenCache({ source: bridge }), fetch: server.fetch, prove: (request) => bridge.proveRequest(request) });
    for (let i = 0; i < 3; i += 1) expect((await send(URL_, post)).status).toBe(200);
    expect(server.accepted).toBe(3);
    // The first request, the second (refused for its missing nonce) and its retry, then the third with the nonce kept.
    expect(bridge.proofs).toBe(4);
  });

  it('a refused proof (the grant was revoked) fails the request; nothing goes out as Bearer', async () => {
    const bridge = await dpopBridge();
    const server = dpopServer();
    const send = createAuthorizingFetch({ tokens: createTokenCache({ source: bridge }), fetch: server.fetch, prove: (request) => bridge.proveRequest(request) });
    expect((await send(URL_, post)).status).toBe(200);
    bridge.revoked = true;
    await expect(send(URL_, post)).rejects.toSatisfy((error) => isLatchkeyError(error, ErrorCode.NoGrant));
    expect(server.accepted).toBe(1);
  });

  it('without a proof source the proxy refuses with connection.token_sender_constrained', async () => {
    const bridge = await dpopBridge();
    const server = dpopServer();
    const send = createAuthorizingFetch({ tokens: createTokenCache({ source: bridge }), fetch: server.fetch });
    await expect(send(URL_, post)).rejects.toSatisfy((error) => isLatchkeyError(error, ErrorCode.TokenSenderConstrained));
    expect(server.accepted).toBe(0);
  });
});
