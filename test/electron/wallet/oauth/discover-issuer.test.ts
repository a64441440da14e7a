import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverIssuer, metadataUrlsFor } from '../../../../electron/wallet/oauth/discover-issuer.js';
import type { DiscoveryDeps } from '../../../../electron/wallet/oauth/discover-resource.js';
import { createSafeFetch, type SafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import type { Fetch } from '../../../../electron/base/ports.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { rejection } from '../../../support/rejection.js';

const policy = { allowInsecureLoopback: true };
let fx: HttpFixture;
let safeFetch: SafeFetch;
let deps: DiscoveryDeps;

function metadata(issuer: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = new URL(issuer).origin;
  return {
    issuer,
    authorization_endpoint: `${base}/authorize`,
    token_endpoint: `${base}/token`,
    code_challenge_methods_supported: ['S256'],
    ...extra,
  };
}

const paths = () => fx.requests.map((r) => r.path);

beforeEach(async () => {
  fx = await startHttpFixture();
  safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 2000 });
  deps = { fetch: safeFetch, policy };
});

afterEach(async () => {
  await safeFetch.close();
  await fx.close();
});

describe('discoverIssuer: probe order (P3)', () => {
  it('P3: issuer with a path: OAuth insertion, OIDC insertion, OIDC appending, in that order', async () => {
    const issuer = `${fx.origin}/tenant1`;
    fx.route('/tenant1/.well-known/openid-configuration', (_req, res) => sendJson(res, 200, metadata(issuer)));
    const as = await discoverIssuer(issuer, deps);
    expect(as.issuer).toBe(issuer);
    expect(paths()).toEqual([
      '/.well-known/oauth-authorization-server/tenant1',
      '/.well-known/openid-configuration/tenant1',
      '/tenant1/.well-known/openid-configuration',
    ]);
  });

  it('P3: issuer with a path: stops at the first document found', async () => {
    const issuer = `${fx.origin}/tenant1`;
    fx.route('/.well-known/oauth-authorization-server/tenant1', (_req, res) => sendJson(res, 200, metadata(issuer)));
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, metadata(fx.origin)));
    await discoverIssuer(issuer, deps);
    expect(paths()).toEqual(['/.well-known/oauth-authorization-server/tenant1']);
  });

  it('P3: issuer without a path: OAuth, then OIDC', async () => {
    fx.route('/.well-known/openid-configuration', (_req, res) => sendJson(res, 200, metadata(fx.origin)));
    expect((await discoverIssuer(fx.origin, deps)).token_endpoint).toBe(`${fx.origin}/token`);
    expect(paths()).toEqual(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);
  });

  it('P3: a trailing slash on the issuer path is dropped when building URLs', () => {
    expect(metadataUrlsFor(new URL('https://as.example.com/t/'))).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server/t',
      'https://as.example.com/.well-known/openid-configuration/t',
      'https://as.example.com/t/.well-known/openid-configuration',
    ]);
    expect(metadataUrlsFor(new URL('https://as.example.com/'))).toEqual([
      'https://as.example.com/.well-known/oauth-authorization-server',
      'https://as.example.com/.well-known/openid-configuration',
    ]);
  });

  it('P3: nothing found → AuthServerMetadataNotFound naming each URL', async () => {
    const error = await rejection(discoverIssuer(`${fx.origin}/t`, deps));
    expect(error.code).toBe(ErrorCode.AuthServerMetadataNotFound);
    expect(error.message).toContain(`${fx.origin}/t/.well-known/openid-configuration: HTTP 404`);
    expect(fx.requests).toHaveLength(3);
  });

  it('O13: errors are not cached: discovery succeeds once the server is fixed', async () => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 500, {}));
    expect((await rejection(discoverIssuer(fx.origin, deps))).code).toBe(ErrorCode.AuthServerMetadataNotFound);
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, metadata(fx.origin)));
    expect((await discoverIssuer(fx.origin, deps)).issuer).toBe(fx.origin);
  });
});

describe('discoverIssuer: issuer echo (P3)', () => {
  it.each([
    ['a trailing slash', (o: string) => `${o}/`],
    ['an upper-case scheme', (o: string) => o.replace('http://', 'HTTP://')],
    ['another path', (o: string) => `${o}/other`],
    ['another host', () => 'https://evil.example.com'],
  ])('P3: refuses a document whose issuer differs by %s, and tries no further', async (_what, variant) => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, metadata(fx.origin, { issuer: variant(fx.origin) })));
    fx.route('/.well-known/openid-configuration', (_req, res) => sendJson(res, 200, metadata(fx.origin)));
    const error = await rejection(discoverIssuer(fx.origin, deps));
    expect(error.code).toBe(ErrorCode.IssuerMismatch);
    expect(error.message).toContain(fx.origin);
    expect(paths()).toEqual(['/.well-known/oauth-authorization-server']);
  });

  it('P3: refuses ":443" and case variants of an https issuer (exact string match)', async () => {
    const issuer = 'https://as.example.com';
    for (const echoed of ['https://as.example.com:443', 'https://AS.example.com', 'https://as.example.com/', 'HTTPS://as.example.com']) {
      const fetch: Fetch = () => Promise.resolve(Response.json(metadata(issuer, { issuer: echoed })));
      const error = await rejection(discoverIssuer(issuer, { fetch, policy: { allowInsecureLoopback: false } }));
      expect(error.code).toBe(ErrorCode.IssuerMismatch);
    }
  });

  it('P3: the issuer with a path must be echoed with that path', async () => {
    const issuer = `${fx.origin}/tenant1`;
    fx.route('/.well-known/oauth-authorization-server/tenant1', (_req, res) => sendJson(res, 200, metadata(fx.origin)));
    expect((await rejection(discoverIssuer(issuer, deps))).code).toBe(ErrorCode.IssuerMismatch);
  });
});

describe('discoverIssuer: malformed metadata', () => {
  const cases: Array<[string, (res: ServerResponse) => void]> = [
    ['O13: invalid JSON', (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"issuer":');
    }],
    ['a JSON array', (res) => sendJson(res, 200, [1, 2])],
    ['no issuer', (res) => sendJson(res, 200, { authorization_endpoint: 'x' })],
    ['an issuer that is not a string', (res) => sendJson(res, 200, { issuer: 42 })],
  ];

  it.each(cases)('%s → InvalidMetadata', async (_what, respond) => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => respond(res));
    const error = await rejection(discoverIssuer(fx.origin, deps));
    expect(error.code).toBe(ErrorCode.InvalidMetadata);
    expect(error.message).toContain(`${fx.origin}/.well-known/oauth-authorization-server`);
  });

  it.each([
    ['no authorization_endpoint', { authorization_endpoint: undefined }],
    ['no token_endpoint', { token_endpoint: undefined }],
    ['a token_endpoint that is not a URL', { token_endpoint: 'token' }],
    ['a plain-http remote token_endpoint', { token_endpoint: 'http://as.example.com/token' }],
    ['a javascript: authorization_endpoint', { authorization_endpoint: 'javascript:alert(1)' }],
    ['a plain-http remote registration_endpoint', { registration_endpoint: 'http://as.example.com/register' }],
    ['scopes_supported that is not a list', { scopes_supported: 'a b' }],
    ['code_challenge_methods_supported that is not a list', { code_challenge_methods_supported: 'S256' }],
  ])('%s → InvalidMetadata', async (_what, extra) => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, metadata(fx.origin, extra)));
    expect((await rejection(discoverIssuer(fx.origin, deps))).code).toBe(ErrorCode.InvalidMetadata);
  });

  it.each([
    ['a javascript: authorization_endpoint', { authorization_endpoint: 'javascript://%0aalert(1)' }, 'its authorization_endpoint uses javascript: instead of https'],
    ['a plain-http remote token_endpoint', { token_endpoint: 'http://as.example.com/token' }, 'its token_endpoint uses plain http instead of https'],
    ['a token_endpoint that is not a URL', { token_endpoint: 'token' }, 'its token_endpoint is not a valid absolute URL'],
    ['no token_endpoint', { token_endpoint: undefined }, 'its token_endpoint is missing'],
    ['scopes_supported that is not a list', { scopes_supported: 'a b' }, 'its scopes_supported is not an array'],
  ])('%s reads as one clean sentence: which field, what is wrong, never its value', async (_what, extra, clause) => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, metadata(fx.origin, extra)));
    const error = await rejection(discoverIssuer(fx.origin, deps));
    expect(error.message).toBe(`The authorization server metadata at ${fx.origin}/.well-known/oauth-authorization-server is invalid: ${clause}.`);
  });

  it('O13: an oversized document is ResponseTooLarge', async () => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, metadata(fx.origin, { pad: 'x'.repeat(300 * 1024) })));
    expect((await rejection(discoverIssuer(fx.origin, deps))).code).toBe(ErrorCode.ResponseTooLarge);
  });

  it('refuses an issuer with a query, or plain http to a remote host', async () => {
    expect((await rejection(discoverIssuer(`${fx.origin}/t?x=1`, deps))).code).toBe(ErrorCode.InvalidUrl);
    expect((await rejection(discoverIssuer('http://as.example.com', deps))).code).toBe(ErrorCode.InsecureUrl);
    expect(fx.connections).toBe(0);
  });

  it('P4: an issuer on a private address is refused without a connection', async () => {
    const strict = createSafeFetch({ allowInsecureLoopback: false, env: {} });
    try {
      const error = await rejection(discoverIssuer(`https://127.0.0.1:${fx.port}`, { fetch: strict, policy: { allowInsecureLoopback: false } }));
      expect(error.code).toBe(ErrorCode.BlockedAddress);
      expect(fx.connections).toBe(0);
    } finally {
      await strict.close();
    }
  });

  it('keeps fields it does not check (oauth4webapi AuthorizationServer)', async () => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) =>
      sendJson(res, 200, metadata(fx.origin, { registration_endpoint: `${fx.origin}/register`, client_id_metadata_document_supported: true, extra_field: 1 })),
    );
    const as = await discoverIssuer(fx.origin, deps);
    expect(as.registration_endpoint).toBe(`${fx.origin}/register`);
    expect(as['client_id_metadata_document_supported']).toBe(true);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
  });
});
