import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultEndpoints, discoverLegacyAuthorizationServer } from '../../../../electron/wallet/oauth/legacy-endpoints.js';
import type { DiscoveryDeps } from '../../../../electron/wallet/oauth/discover-resource.js';
import { createSafeFetch, type SafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { rejection } from '../../../support/rejection.js';

let fx: HttpFixture;
let safeFetch: SafeFetch;
let deps: DiscoveryDeps;

const paths = () => fx.requests.map((r) => r.path);
const server = () => new URL(`${fx.origin}/tenant/a/mcp`);

beforeEach(async () => {
  fx = await startHttpFixture();
  safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 2000 });
  deps = { fetch: safeFetch, policy: { allowInsecureLoopback: true } };
});

afterEach(async () => {
  await safeFetch.close();
  await fx.close();
});

describe('discoverLegacyAuthorizationServer (2025-03-26, P5)', () => {
  it('P5: reads RFC 8414 metadata at the origin (the path dropped), naming the 2025-03-26 revision, and nowhere else', async () => {
    const published = { issuer: fx.origin, authorization_endpoint: `${fx.origin}/oauth/authorize`, token_endpoint: `${fx.origin}/oauth/token` };
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, published));
    const found = await discoverLegacyAuthorizationServer(server(), deps);
    expect(found.legacy).toBe('metadata');
    // As published: no S256 is added to a document that does not list it (A1 decides later).
    expect(found.as).toEqual(published);
    expect(paths()).toEqual(['/.well-known/oauth-authorization-server']);
    expect(fx.requests[0]?.headers['mcp-protocol-version']).toBe('2025-03-26');
  });

  it('P5: nothing published: the default endpoints at the origin, issuer = origin', async () => {
    const found = await discoverLegacyAuthorizationServer(server(), deps);
    expect(found).toEqual({ legacy: 'default-endpoints', as: defaultEndpoints(fx.origin) });
    expect(found.as.code_challenge_methods_supported).toEqual(['S256']);
    expect(paths()).toEqual(['/.well-known/oauth-authorization-server']);
  });

  it('P5: metadata naming another issuer is refused, not replaced by the defaults', async () => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) =>
      sendJson(res, 200, { issuer: 'https://attacker.example.com', authorization_endpoint: 'https://attacker.example.com/a', token_endpoint: 'https://attacker.example.com/t' }),
    );
    expect((await rejection(discoverLegacyAuthorizationServer(server(), deps))).code).toBe(ErrorCode.IssuerMismatch);
  });

  it('P5: metadata that is there but broken is InvalidMetadata, not the defaults', async () => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, { issuer: fx.origin }));
    expect((await rejection(discoverLegacyAuthorizationServer(server(), deps))).code).toBe(ErrorCode.InvalidMetadata);
  });

  it('P5: metadata that does not answer in time is DiscoveryTimeout, not the defaults', async () => {
    const quick = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 150 });
    try {
      fx.route('/.well-known/oauth-authorization-server', () => undefined);
      expect((await rejection(discoverLegacyAuthorizationServer(server(), { ...deps, fetch: quick }))).code).toBe(ErrorCode.DiscoveryTimeout);
    } finally {
      await quick.close();
    }
  });
});
