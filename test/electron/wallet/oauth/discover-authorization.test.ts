import type { ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverAuthorization } from '../../../../electron/wallet/oauth/discover-authorization.js';
import type { DiscoveryDeps } from '../../../../electron/wallet/oauth/discover-resource.js';
import { createSafeFetch, type SafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { legacyServer, modernServer, serveWeb } from './mcp-era-servers.js';
import { rejection } from '../../../support/rejection.js';

const policy = { allowInsecureLoopback: true };
let fx: HttpFixture;
let safeFetch: SafeFetch;
let deps: DiscoveryDeps;
let mcp: URL;

const asMetadata = (issuer: string, prefix = '') => ({
  issuer,
  authorization_endpoint: `${issuer}${prefix}/authorize`,
  token_endpoint: `${issuer}${prefix}/token`,
  registration_endpoint: `${issuer}${prefix}/register`,
  code_challenge_methods_supported: ['S256'],
});
const challenge401 = (header: string) => (_req: unknown, res: ServerResponse) => sendJson(res, 401, {}, { 'www-authenticate': header });
const paths = () => fx.requests.map((r) => r.path);
const discover = (extra: { timeoutMs?: number; signal?: AbortSignal } = {}, using: DiscoveryDeps = deps) =>
  discoverAuthorization({ serverUrl: mcp, resource: mcp.href, ...extra }, using);

beforeEach(async () => {
  fx = await startHttpFixture();
  safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 2000 });
  deps = { fetch: safeFetch, policy };
  mcp = new URL(`${fx.origin}/mcp`);
});

afterEach(async () => {
  await safeFetch.close();
  await fx.close();
});

describe('discoverAuthorization: per server kind', () => {
  it('P1–P3: a 2025-11-25 server: challenge → resource metadata → its authorization server', async () => {
    fx.route('/mcp', challenge401(`Bearer resource_metadata="${fx.origin}/prm"`));
    fx.route('/prm', (_req, res) => sendJson(res, 200, { resource: mcp.href, authorization_servers: [`${fx.origin}/as`], scopes_supported: ['read'] }));
    fx.route('/.well-known/oauth-authorization-server/as', (_req, res) => sendJson(res, 200, asMetadata(`${fx.origin}/as`)));
    const found = await discover();
    expect(found.legacy).toBeUndefined();
    expect(found.resourceMetadata?.url).toBe(`${fx.origin}/prm`);
    expect(found.as.issuer).toBe(`${fx.origin}/as`);
    expect(found.probe).toMatchObject({ kind: 'challenge', era: 'unknown' });
    expect(paths()).toEqual(['/mcp', '/prm', '/.well-known/oauth-authorization-server/as']);
  });

  it('P1: a protected 2026-07-28-only server (SDK v2) is discovered like any other', async () => {
    serveWeb(fx, '/mcp', modernServer({ resourceMetadataUrl: `${fx.origin}/.well-known/oauth-protected-resource/mcp` }));
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 200, { resource: mcp.href, authorization_servers: [fx.origin] }));
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, asMetadata(fx.origin)));
    const found = await discover();
    expect(found.as.issuer).toBe(fx.origin);
    expect(found.challenge?.resourceMetadata).toBe(`${fx.origin}/.well-known/oauth-protected-resource/mcp`);
  });

  it('P1: an open 2026-07-28-only server with resource metadata reports era 2026 and still finds its authorization server', async () => {
    serveWeb(fx, '/mcp', modernServer());
    fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => sendJson(res, 200, { resource: mcp.href, authorization_servers: [fx.origin] }));
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, asMetadata(fx.origin)));
    const found = await discover();
    expect(found.probe).toMatchObject({ kind: 'open', era: '2026' });
    expect(found.challenge).toBeUndefined();
  });

  it('P1: an open server with no metadata is ResourceNotProtected, not the 2025-03-26 fallback', async () => {
    serveWeb(fx, '/mcp', legacyServer({ sessionful: false, json: true }));
    expect((await rejection(discover())).code).toBe(ErrorCode.ResourceNotProtected);
    expect(paths()).not.toContain('/.well-known/oauth-authorization-server');
  });

  it('P5: a 2025-03-26 server (401, no resource metadata) uses the metadata at its origin, endpoints as published', async () => {
    fx.route('/mcp', challenge401('Bearer realm="mcp"'));
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, asMetadata(fx.origin, '/oauth')));
    const found = await discover();
    expect(found.legacy).toBe('metadata');
    expect(found.resourceMetadata).toBeUndefined();
    expect(found.as).toMatchObject({ issuer: fx.origin, authorization_endpoint: `${fx.origin}/oauth/authorize`, token_endpoint: `${fx.origin}/oauth/token` });
    expect(paths()).toEqual(['/mcp', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server']);
  });

  it('P5: a 2025-03-26 server with no metadata at all gets the default endpoints at its origin (S256 assumed)', async () => {
    fx.route('/mcp', challenge401('Bearer'));
    const found = await discover();
    expect(found.legacy).toBe('default-endpoints');
    expect(found.as).toEqual({
      issuer: fx.origin,
      authorization_endpoint: `${fx.origin}/authorize`,
      token_endpoint: `${fx.origin}/token`,
      registration_endpoint: `${fx.origin}/register`,
      response_types_supported: ['code'],
      grant_types_supported: ['authorization_code', 'refresh_token'],
      code_challenge_methods_supported: ['S256'],
    });
    expect(found.as.authorization_response_iss_parameter_supported).toBeUndefined();
  });

  it('P5: the caller’s challenge (a 401 it already has) skips the probe', async () => {
    const legacy = await discoverAuthorization({ serverUrl: mcp, resource: mcp.href, challenge: {} }, deps);
    expect(legacy.legacy).toBe('default-endpoints');
    expect(paths()).not.toContain('/mcp');
  });
});

describe('discoverAuthorization: one deadline, distinct failures (P6)', () => {
  it('P6: a slow authorization server costs the discovery budget, not one fetch timeout per metadata URL', async () => {
    const perRequestMs = 800;
    const slowFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: perRequestMs });
    try {
      fx.route('/mcp', challenge401(`Bearer resource_metadata="${fx.origin}/prm"`));
      fx.route('/prm', (_req, res) => sendJson(res, 200, { resource: mcp.href, authorization_servers: [`${fx.origin}/as`] }));
      for (const path of ['/.well-known/oauth-authorization-server/as', '/.well-known/openid-configuration/as', '/as/.well-known/openid-configuration']) {
        fx.route(path, () => undefined); // never answers
      }
      const started = performance.now();
      const error = await rejection(discover({ timeoutMs: 1200 }, { fetch: slowFetch, policy }));
      const elapsed = performance.now() - started;
      expect(error.code).toBe(ErrorCode.DiscoveryTimeout);
      expect(error.message).toContain('took longer than');
      // Without the budget: three metadata URLs × perRequestMs.
      expect(elapsed).toBeLessThan(3 * perRequestMs);
      expect(paths().filter((p) => p.includes('well-known') && p.includes('/as'))).toHaveLength(2);
    } finally {
      await slowFetch.close();
    }
  });

  it('P6: every metadata URL timing out on its own is DiscoveryTimeout, not "publishes no metadata"', async () => {
    // Long enough for the URLs that answer on a loaded 2-core CI machine (150 ms once timed out the
    // resource metadata itself, which then read as "no metadata"); only the silent URL waits it out.
    const quick = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 1000 });
    try {
      fx.route('/mcp', challenge401(`Bearer resource_metadata="${fx.origin}/prm"`));
      fx.route('/prm', (_req, res) => sendJson(res, 200, { resource: mcp.href, authorization_servers: [fx.origin] }));
      fx.route('/.well-known/oauth-authorization-server', () => undefined);
      const error = await rejection(discover({}, { fetch: quick, policy }));
      expect(error.code).toBe(ErrorCode.DiscoveryTimeout);
      expect(error.message).toContain('did not answer in time');
      expect(error.message).toContain('/.well-known/openid-configuration: HTTP 404');
    } finally {
      await quick.close();
    }
  });

  it('P6: resource metadata behind a cross-origin redirect is MetadataRedirectRefused, and no 2025-03-26 fallback', async () => {
    const elsewhere = await startHttpFixture();
    try {
      fx.route('/mcp', challenge401('Bearer'));
      fx.route('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
        res.writeHead(302, { location: `${elsewhere.origin}/prm` });
        res.end();
      });
      const error = await rejection(discover());
      expect(error.code).toBe(ErrorCode.MetadataRedirectRefused);
      expect(elsewhere.requests).toHaveLength(0);
      expect(paths()).not.toContain('/.well-known/oauth-authorization-server');
    } finally {
      await elsewhere.close();
    }
  });

  it('P6: the caller’s cancel ends discovery with its own reason', async () => {
    fx.route('/mcp', () => undefined);
    const controller = new AbortController();
    const pending = discover({ signal: controller.signal });
    await fx.waitForRequests(1);
    controller.abort(new Error('cancelled by the owner'));
    await expect(pending).rejects.toThrow('cancelled by the owner');
  });
});
