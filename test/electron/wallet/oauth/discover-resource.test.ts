import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { candidatesFor, chooseAuthorizationServer, discoverResource, type DiscoveryDeps } from '../../../../electron/wallet/oauth/discover-resource.js';
import { createSafeFetch, type SafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import type { Fetch } from '../../../../electron/base/ports.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { rejection } from '../../../support/rejection.js';

const policy = { allowInsecureLoopback: true };
let fx: HttpFixture;
let safeFetch: SafeFetch;
let deps: DiscoveryDeps;
let mcp: string;

const prm = (resource: string, extra: Record<string, unknown> = {}) => ({ resource, authorization_servers: ['https://as.example.com'], ...extra });
const paths = () => fx.requests.map((r) => r.path);

beforeEach(async () => {
  fx = await startHttpFixture();
  safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 2000 });
  deps = { fetch: safeFetch, policy };
  mcp = `${fx.origin}/mcp`;
});

afterEach(async () => {
  await safeFetch.close();
  await fx.close();
});

describe('discoverResource (P1)', () => {
  it('P1: uses the resource_metadata URL of the challenge, and nothing else', async () => {
    fx.route('/custom/metadata.json', (_req, res) => sendJson(res, 200, prm(mcp)));
    const found = await discoverResource(mcp, { resourceMetadata: `${fx.origin}/custom/metadata.json` }, deps);
    expect(found.url).toBe(`${fx.origin}/custom/metadata.json`);
    expect(found.resource).toBe(mcp);
    expect(found.metadata.authorization_servers).toEqual(['https://as.example.com']);
    expect(paths()).toEqual(['/custom/metadata.json']);
  });

  it('P1: without a challenge URL tries the path-aware well-known URL first and stops there', async () => {
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 200, prm(mcp, { scopes_supported: ['read'] })));
    fx.route('/.well-known/oauth-protected-resource', (_req, res) => sendJson(res, 500, { trap: true }));
    const found = await discoverResource(mcp, {}, deps);
    expect(found.metadata.scopes_supported).toEqual(['read']);
    expect(paths()).toEqual(['/.well-known/oauth-protected-resource/mcp']);
  });

  it('P1: falls back from the challenge URL to path-aware, then to the root URL (resource = origin)', async () => {
    fx.route('/.well-known/oauth-protected-resource', (_req, res) => sendJson(res, 200, prm(fx.origin)));
    const found = await discoverResource(mcp, { resourceMetadata: `${fx.origin}/gone` }, deps);
    expect(paths()).toEqual(['/gone', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']);
    expect(found.url).toBe(`${fx.origin}/.well-known/oauth-protected-resource`);
    expect(found.resource).toBe(fx.origin);
  });

  it('P1: all URLs failing is ResourceMetadataNotFound naming each URL and why', async () => {
    const error = await rejection(discoverResource(mcp, { resourceMetadata: `${fx.origin}/x` }, deps));
    expect(error.code).toBe(ErrorCode.ResourceMetadataNotFound);
    for (const p of ['/x', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) expect(error.message).toContain(`${fx.origin}${p}: HTTP 404`);
  });

  it('P1: a resource at the root has one well-known URL', () => {
    expect(candidatesFor('https://mcp.example.com', undefined).map((c) => c.url)).toEqual(['https://mcp.example.com/.well-known/oauth-protected-resource']);
    expect(candidatesFor('https://mcp.example.com/a/b/', undefined).map((c) => c.url)).toEqual([
      'https://mcp.example.com/.well-known/oauth-protected-resource/a/b',
      'https://mcp.example.com/.well-known/oauth-protected-resource',
    ]);
  });

  it('P1/P4: a resource_metadata URL on another origin is fetched, through the guard', async () => {
    const other = await startHttpFixture();
    try {
      other.route('/prm', (_req, res) => sendJson(res, 200, prm(mcp)));
      const found = await discoverResource(mcp, { resourceMetadata: `${other.origin}/prm` }, deps);
      expect(found.url).toBe(`${other.origin}/prm`);
    } finally {
      await other.close();
    }
  });

  it('P4: a resource_metadata URL pointing at a metadata or private address is refused, not fetched', async () => {
    for (const target of ['https://169.254.169.254/latest/meta-data', 'https://10.0.0.1/prm', 'https://[fd00::1]/prm']) {
      expect((await rejection(discoverResource(mcp, { resourceMetadata: target }, deps))).code).toBe(ErrorCode.BlockedAddress);
    }
    const strict = createSafeFetch({ allowInsecureLoopback: false, env: {} });
    try {
      const error = await rejection(discoverResource('https://mcp.example.com/mcp', { resourceMetadata: `https://127.0.0.1:${fx.port}/prm` }, { fetch: strict, policy: { allowInsecureLoopback: false } }));
      expect(error.code).toBe(ErrorCode.BlockedAddress);
    } finally {
      await strict.close();
    }
    expect(fx.connections).toBe(0);
  });

  it('P4: a plain-http resource_metadata URL on a remote host is refused', async () => {
    expect((await rejection(discoverResource(mcp, { resourceMetadata: 'http://evil.example.com/prm' }, deps))).code).toBe(ErrorCode.InsecureUrl);
  });

  it('O13: invalid JSON, oversized and non-object documents have their own codes', async () => {
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"resource": ');
    });
    expect((await rejection(discoverResource(mcp, {}, deps))).code).toBe(ErrorCode.InvalidMetadata);
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 200, ['not', 'an', 'object']));
    expect((await rejection(discoverResource(mcp, {}, deps))).code).toBe(ErrorCode.InvalidMetadata);
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 200, { ...prm(mcp), pad: 'x'.repeat(300 * 1024) }));
    expect((await rejection(discoverResource(mcp, {}, deps))).code).toBe(ErrorCode.ResponseTooLarge);
  });

  it('O13: a slow metadata URL times out and discovery moves on', async () => {
    const quick = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 200 });
    try {
      fx.route('/.well-known/oauth-protected-resource/mcp', () => undefined);
      fx.route('/.well-known/oauth-protected-resource', (_req, res) => sendJson(res, 200, prm(fx.origin)));
      const found = await discoverResource(mcp, {}, { fetch: quick, policy });
      expect(found.resource).toBe(fx.origin);
    } finally {
      await quick.close();
    }
  });

  it('O13: errors are not cached: discovery succeeds once the server is fixed', async () => {
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 503, {}));
    expect((await rejection(discoverResource(mcp, {}, deps))).code).toBe(ErrorCode.ResourceMetadataNotFound);
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 200, prm(mcp)));
    expect((await discoverResource(mcp, {}, deps)).resource).toBe(mcp);
  });
});

/** A fetch answering one JSON document at one URL, 404 elsewhere: pure P2 checks. */
function serving(url: string, body: unknown): Fetch {
  return (input) =>
    Promise.resolve(String(input) === url ? Response.json(body) : new Response('not found', { status: 404 }));
}

describe('discoverResource (P2)', () => {
  const resource = 'https://mcp.example.com/mcp';
  const pathUrl = 'https://mcp.example.com/.well-known/oauth-protected-resource/mcp';
  const rootUrl = 'https://mcp.example.com/.well-known/oauth-protected-resource';
  const strict = { allowInsecureLoopback: false };
  const discover = (url: string, body: unknown, challenge = {}) => discoverResource(resource, challenge, { fetch: serving(url, body), policy: strict });

  it.each([
    ['an upper-case host', 'https://MCP.Example.COM/mcp'],
    ['the default port', 'https://mcp.example.com:443/mcp'],
    ['a fragment', 'https://mcp.example.com/mcp#x'],
  ])('P2: accepts the same resource written with %s', async (_what, named) => {
    expect((await discover(pathUrl, prm(named))).resource).toBe(resource);
  });

  it.each([
    ['another host', 'https://evil.example.com/mcp'],
    ['another path', 'https://mcp.example.com/other'],
    ['a different path case', 'https://mcp.example.com/MCP'],
    ['a trailing slash', 'https://mcp.example.com/mcp/'],
    ['another port', 'https://mcp.example.com:8443/mcp'],
    ['plain http', 'http://mcp.example.com/mcp'],
    ['a query', 'https://mcp.example.com/mcp?tenant=1'],
    ['the origin, at the path-aware URL', 'https://mcp.example.com'],
    ['not a URL', 'mcp'],
  ])('P2: refuses a document naming %s (ResourceMismatch)', async (_what, named) => {
    const error = await rejection(discover(pathUrl, prm(named)));
    expect(error.code).toBe(ErrorCode.ResourceMismatch);
    expect(error.message).toContain(resource);
  });

  it('P2: the root URL stands for the origin: the origin or the full resource are accepted there', async () => {
    expect((await discover(rootUrl, prm('https://mcp.example.com'))).resource).toBe('https://mcp.example.com');
    expect((await discover(rootUrl, prm(resource))).resource).toBe(resource);
    expect((await rejection(discover(rootUrl, prm('https://other.example.com')))).code).toBe(ErrorCode.ResourceMismatch);
  });

  it('P2: a mismatch stops discovery (the root URL is not tried)', async () => {
    const seen: string[] = [];
    const fetch: Fetch = (input) => {
      seen.push(String(input));
      return Promise.resolve(Response.json(prm('https://evil.example.com/mcp')));
    };
    expect((await rejection(discoverResource(resource, undefined, { fetch, policy: strict }))).code).toBe(ErrorCode.ResourceMismatch);
    expect(seen).toEqual([pathUrl]);
  });

  it('P2: missing or empty authorization_servers → NoAuthorizationServer', async () => {
    expect((await rejection(discover(pathUrl, { resource }))).code).toBe(ErrorCode.NoAuthorizationServer);
    expect((await rejection(discover(pathUrl, { resource, authorization_servers: [] }))).code).toBe(ErrorCode.NoAuthorizationServer);
  });

  it('P2: unusable authorization servers are dropped; none usable → NoAuthorizationServer', async () => {
    const found = await discover(pathUrl, prm(resource, { authorization_servers: ['http://plain.example.com', 'nonsense', 'https://as2.example.com'] }));
    expect(found.metadata.authorization_servers).toEqual(['https://as2.example.com']);
    const error = await rejection(discover(pathUrl, prm(resource, { authorization_servers: ['http://plain.example.com'] })));
    expect(error.code).toBe(ErrorCode.NoAuthorizationServer);
  });

  it('P2: wrongly typed fields are InvalidMetadata', async () => {
    expect((await rejection(discover(pathUrl, { authorization_servers: ['https://as.example.com'] }))).code).toBe(ErrorCode.InvalidMetadata);
    expect((await rejection(discover(pathUrl, prm(resource, { authorization_servers: 'https://as.example.com' })))).code).toBe(ErrorCode.InvalidMetadata);
    expect((await rejection(discover(pathUrl, prm(resource, { scopes_supported: 'read write' })))).code).toBe(ErrorCode.InvalidMetadata);
  });
});

describe('chooseAuthorizationServer (P2)', () => {
  const list = ['https://a.example.com', 'https://b.example.com'];

  it('P2: several authorization servers: the first listed, deterministically', () => {
    expect(chooseAuthorizationServer(list)).toBe('https://a.example.com');
    expect(chooseAuthorizationServer(list)).toBe(chooseAuthorizationServer([...list]));
  });

  it('P2: the remembered one when it is still listed, else the first', () => {
    expect(chooseAuthorizationServer(list, 'https://b.example.com')).toBe('https://b.example.com');
    expect(chooseAuthorizationServer(list, 'https://gone.example.com')).toBe('https://a.example.com');
  });

  it('P2: an empty list is NoAuthorizationServer', () => {
    expect(() => chooseAuthorizationServer([])).toThrow(expect.objectContaining({ code: ErrorCode.NoAuthorizationServer }));
  });
});
