/**
 * T5 (a delegated session's token by RFC 8693 token exchange) against the test world's real
 * oidc-provider with its token-exchange grant, and against a token endpoint that answers wider
 * than asked: the wallet takes only a token no wider than asked in scope, audience and lifetime.
 */
import { decodeJwt } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { discoverIssuer, type AuthorizationServer } from '../../../../electron/wallet/oauth/discover-issuer.js';
import { audienceOf, exchangeToken, offersTokenExchange, TOKEN_EXCHANGE_GRANT, type ExchangeInput } from '../../../../electron/wallet/oauth/token-exchange.js';
import { startAuthorizationServer, type TestAuthorizationServer } from '../../../world/authorization-server.js';
import { listenOnLoopback } from '../../../world/http.js';
import { codeOf } from '../../../support/rejection.js';

const RESOURCE = 'https://notes.example.test/mcp';
const policy = { allowInsecureLoopback: true };
const net = { fetch: (input: string | URL, init?: RequestInit): Promise<Response> => fetch(input, init), policy };

let as: TestAuthorizationServer;
let metadata: AuthorizationServer;

beforeAll(async () => {
  as = await startAuthorizationServer({ tokenExchange: true });
  as.addResourceServer(RESOURCE, ['mcp:read', 'mcp:write']);
  metadata = await discoverIssuer(as.issuer, net);
});

afterAll(async () => {
  await as?.close();
});

/** A client registered by open DCR; the subject tokens come from its client credentials grant. */
async function registeredClient(grantTypes: readonly string[]): Promise<client.Configuration> {
  const response = await fetch(`${as.issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_types: grantTypes, response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
  });
  expect(response.status).toBe(201);
  const registered = (await response.json()) as { client_id: string; client_secret: string };
  const config = new client.Configuration(metadata, registered.client_id, registered.client_secret);
  client.allowInsecureRequests(config);
  return config;
}

async function subjectOf(config: client.Configuration): Promise<{ value: string; expiresAt: number }> {
  const response = await client.clientCredentialsGrant(config, { resource: RESOURCE, scope: 'mcp:read mcp:write' });
  return { value: response.access_token, expiresAt: (decodeJwt(response.access_token).exp ?? 0) * 1000 };
}

function input(subject: ExchangeInput['subject'], scopes: readonly string[]): ExchangeInput {
  return { issuer: as.issuer, resource: RESOURCE, sendResource: true, subject, scopes };
}

describe('T5: token exchange for delegated sessions', () => {
  it('T5: the world AS advertises the grant; the exchanged token has the child’s scope, the resource as audience, act naming the client, and no later expiry', async () => {
    expect(offersTokenExchange(metadata)).toBe(true);
    const config = await registeredClient(['client_credentials', TOKEN_EXCHANGE_GRANT]);
    const subject = await subjectOf(config);
    const before = as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const outcome = await exchangeToken(config, input(subject, ['mcp:read']), Date.now());
    expect(as.tokenRequestCount(TOKEN_EXCHANGE_GRANT) - before).toBe(1);
    if (outcome.kind !== 'token') throw new Error(`expected a token, got ${outcome.error}`);
    expect(outcome.token.scope).toEqual(['mcp:read']);
    expect(outcome.token.expiresAt).toBeLessThanOrEqual(subject.expiresAt);
    const claims = decodeJwt(outcome.token.value);
    expect(claims.aud).toBe(RESOURCE);
    expect(claims['act']).toEqual({ sub: config.clientMetadata().client_id });
    // Exchanged again (a second level): act nests.
    const deeper = await exchangeToken(config, input({ value: outcome.token.value, expiresAt: outcome.token.expiresAt }, ['mcp:read']), Date.now());
    if (deeper.kind !== 'token') throw new Error('expected a token');
    expect(decodeJwt(deeper.token.value)['act']).toEqual({ sub: config.clientMetadata().client_id, act: { sub: config.clientMetadata().client_id } });
  });

  it('T5: a scope beyond the subject token’s is refused by the AS and comes back as cannot_narrow, with no token', async () => {
    const config = await registeredClient(['client_credentials', TOKEN_EXCHANGE_GRANT]);
    const subject = await subjectOf(config);
    const narrowed = await exchangeToken(config, input(subject, ['mcp:read']), Date.now());
    if (narrowed.kind !== 'token') throw new Error('expected a token');
    const code = await codeOf(exchangeToken(config, input({ value: narrowed.token.value, expiresAt: narrowed.token.expiresAt }, ['mcp:read', 'mcp:write']), Date.now()));
    expect(code).toBe(ErrorCode.CannotNarrow);
  });

  it('T5: a client not registered for the grant is told no; the outcome is unavailable (the wallet then narrows)', async () => {
    const config = await registeredClient(['client_credentials']);
    const outcome = await exchangeToken(config, input(await subjectOf(config), ['mcp:read']), Date.now());
    expect(outcome).toEqual({ kind: 'unavailable', error: 'invalid_request' });
  });

  it('T5: another client’s token is not exchanged', async () => {
    const owner = await registeredClient(['client_credentials', TOKEN_EXCHANGE_GRANT]);
    const other = await registeredClient(['client_credentials', TOKEN_EXCHANGE_GRANT]);
    expect(await codeOf(exchangeToken(other, input(await subjectOf(owner), ['mcp:read']), Date.now()))).toBe(ErrorCode.TokenRequestFailed);
  });
});

describe('T5: what an AS answers wider is refused', () => {
  const subjectExpiresAt = Date.now() + 60_000;
  /** A token endpoint that answers every exchange with `answer`. */
  async function endpointAnswering(answer: Record<string, unknown>): Promise<{ config: client.Configuration; close: () => Promise<void> }> {
    const server = await listenOnLoopback((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer));
    });
    const config = new client.Configuration({ issuer: server.origin, token_endpoint: `${server.origin}/token` }, 'latchkey', undefined, client.None());
    client.allowInsecureRequests(config);
    return { config, close: () => server.close() };
  }
  const jwt = (claims: Record<string, unknown>): string =>
    `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  const base = { issued_token_type: 'urn:ietf:params:oauth:token-type:access_token', token_type: 'Bearer' };

  it.each([
    ['a wider scope', { ...base, access_token: jwt({ aud: RESOURCE }), scope: 'mcp:read mcp:write', expires_in: 30 }],
    ['another audience', { ...base, access_token: jwt({ aud: 'https://elsewhere.example.test/' }), scope: 'mcp:read', expires_in: 30 }],
    ['a longer life than the subject token', { ...base, access_token: jwt({ aud: RESOURCE }), scope: 'mcp:read', expires_in: 3_600 }],
    ['a refresh token type', { ...base, issued_token_type: 'urn:ietf:params:oauth:token-type:refresh_token', access_token: jwt({ aud: RESOURCE }), scope: 'mcp:read', expires_in: 30 }],
  ])('T5: %s is refused with cannot_narrow', async (_what, answer) => {
    const { config, close } = await endpointAnswering(answer);
    try {
      const code = await codeOf(exchangeToken(config, { issuer: 'http://127.0.0.1', resource: RESOURCE, sendResource: true, subject: { value: 'subject', expiresAt: subjectExpiresAt }, scopes: ['mcp:read'] }, Date.now()));
      expect(code).toBe(ErrorCode.CannotNarrow);
    } finally {
      await close();
    }
  });

  it('T5: audienceOf reads a JWT’s aud and leaves an opaque token alone', () => {
    expect(audienceOf(jwt({ aud: [RESOURCE, 'x'] }))).toEqual([RESOURCE, 'x']);
    expect(audienceOf('opaque-token')).toBeUndefined();
  });
});
