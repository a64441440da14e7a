import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLIENT_CAPABILITIES_META_KEY, CLIENT_INFO_META_KEY, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/client';
import { MODERN_PROTOCOL_VERSION, probeResource } from '../../../../electron/wallet/oauth/probe.js';
import type { DiscoveryDeps } from '../../../../electron/wallet/oauth/discover-resource.js';
import { createSafeFetch, type SafeFetch } from '../../../../electron/base/net/safe-fetch.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { legacyServer, modernServer, serveWeb } from './mcp-era-servers.js';
import { rejection } from '../../../support/rejection.js';

let fx: HttpFixture;
let safeFetch: SafeFetch;
let deps: DiscoveryDeps;
let mcp: string;

/** What each request was: the HTTP method, and the JSON-RPC method of a POST. */
const seen = () => fx.requests.map((r) => (r.method === 'POST' ? (JSON.parse(r.body) as { method: string }).method : r.method));
const rpcError = (code: number, message: string, data?: unknown) => ({ jsonrpc: '2.0', id: 1, error: { code, message, ...(data === undefined ? {} : { data }) } });

beforeEach(async () => {
  fx = await startHttpFixture();
  safeFetch = createSafeFetch({ allowInsecureLoopback: true, env: {}, timeoutMs: 2000 });
  deps = { fetch: safeFetch, policy: { allowInsecureLoopback: true } };
  mcp = `${fx.origin}/mcp`;
});

afterEach(async () => {
  await safeFetch.close();
  await fx.close();
});

describe('probeResource: the 2026-07-28 request first (P1)', () => {
  it('P1: sends server/discover with the request envelope and headers, no token; a 401 is the challenge', async () => {
    fx.route('/mcp', (_req, res) => {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${fx.origin}/prm", scope="a b"` });
      res.end();
    });
    expect(await probeResource(mcp, deps)).toEqual({ kind: 'challenge', status: 401, challenge: { resourceMetadata: `${fx.origin}/prm`, scope: ['a', 'b'] }, era: 'unknown' });
    expect(fx.requests).toHaveLength(1);
    const [request] = fx.requests;
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['accept']).toBe('application/json, text/event-stream');
    expect(request?.headers['mcp-protocol-version']).toBe(MODERN_PROTOCOL_VERSION);
    expect(request?.headers['mcp-method']).toBe('server/discover');
    expect(request?.headers['authorization']).toBeUndefined();
    expect(JSON.parse(request?.body ?? '')).toEqual({
      jsonrpc: '2.0',
      id: 1,
      method: 'server/discover',
      params: {
        _meta: {
          [PROTOCOL_VERSION_META_KEY]: MODERN_PROTOCOL_VERSION,
          [CLIENT_INFO_META_KEY]: { name: 'latchkey', version: expect.any(String) as unknown },
          [CLIENT_CAPABILITIES_META_KEY]: {},
        },
      },
    });
  });

  it('P1: a 401 without a Bearer challenge gives an empty challenge', async () => {
    fx.route('/mcp', (_req, res) => sendJson(res, 401, { error: 'unauthorized' }));
    expect(await probeResource(mcp, deps)).toEqual({ kind: 'challenge', status: 401, challenge: {}, era: 'unknown' });
  });

  it('P1: an open 2026-07-28-only server (SDK v2, legacy rejected) is open, era 2026, in one request', async () => {
    serveWeb(fx, '/mcp', modernServer());
    expect(await probeResource(mcp, deps)).toEqual({ kind: 'open', status: 200, era: '2026', protocolVersion: MODERN_PROTOCOL_VERSION });
    expect(seen()).toEqual(['server/discover']);
  });

  it('P1: the same server answers a 2025 initialize with HTTP 400 -32022 (what the old probe called a bad response)', async () => {
    serveWeb(fx, '/mcp', modernServer());
    const response = await fetch(mcp, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32022);
  });

  it('P1: a protected 2026-07-28-only server (SDK requireBearerAuth) gives its challenge', async () => {
    serveWeb(fx, '/mcp', modernServer({ resourceMetadataUrl: `${fx.origin}/.well-known/oauth-protected-resource/mcp` }));
    const probe = await probeResource(mcp, deps);
    expect(probe).toMatchObject({ kind: 'challenge', status: 401, challenge: { resourceMetadata: `${fx.origin}/.well-known/oauth-protected-resource/mcp` } });
    expect(seen()).toEqual(['server/discover']);
  });
});

describe('probeResource: then the 2025 initialize (P1)', () => {
  it('P1: an open sessionful 2025 server (SDK v1) refuses discover, answers initialize: era 2025; the probe session is ended', async () => {
    const server = legacyServer({ sessionful: true, json: true });
    serveWeb(fx, '/mcp', server);
    expect(await probeResource(mcp, deps)).toEqual({ kind: 'open', status: 200, era: '2025', protocolVersion: '2025-11-25' });
    expect(seen()).toEqual(['server/discover', 'initialize', 'DELETE']);
    expect(fx.requests[0]?.headers['mcp-session-id']).toBeUndefined();
    expect(server.sessions.size).toBe(0);
  });

  it('P1: an open stateless 2025 server answering in SSE is open, era 2025', async () => {
    serveWeb(fx, '/mcp', legacyServer({ sessionful: false, json: false }));
    expect(await probeResource(mcp, deps)).toEqual({ kind: 'open', status: 200, era: '2025', protocolVersion: '2025-11-25' });
    expect(seen()).toEqual(['server/discover', 'initialize']);
  });

  it('P1: a server that refuses discover before its bearer check but challenges initialize gives that challenge', async () => {
    fx.route('/mcp', (req, res) => {
      if (req.body.includes('server/discover')) sendJson(res, 400, rpcError(-32601, 'Method not found'));
      else sendJson(res, 401, {}, { 'www-authenticate': 'Bearer scope="mcp"' });
    });
    expect(await probeResource(mcp, deps)).toEqual({ kind: 'challenge', status: 401, challenge: { scope: ['mcp'] }, era: 'unknown' });
  });

  it('a URL that answers neither as an MCP server (404, 500, an HTML page) is BadResponse naming both answers', async () => {
    for (const answer of [
      (res: Parameters<Parameters<HttpFixture['route']>[1]>[1]) => sendJson(res, 404, {}),
      (res: Parameters<Parameters<HttpFixture['route']>[1]>[1]) => sendJson(res, 500, {}),
      (res: Parameters<Parameters<HttpFixture['route']>[1]>[1]) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>hello</html>');
      },
    ]) {
      fx.route('/mcp', (_req, res) => answer(res));
      const error = await rejection(probeResource(mcp, deps));
      expect(error.code).toBe(ErrorCode.BadResponse);
      expect(error.message).toMatch(/server\/discover.*initialize/u);
    }
  });

  it('an MCP server that refuses both eras is ServerEraUnsupported, with the versions it named', async () => {
    fx.route('/mcp', (req, res) =>
      req.body.includes('server/discover')
        ? sendJson(res, 400, rpcError(-32602, 'Invalid _meta envelope'))
        : sendJson(res, 400, rpcError(-32022, 'Unsupported protocol version', { supported: ['2027-03-01'] })),
    );
    const error = await rejection(probeResource(mcp, deps));
    expect(error.code).toBe(ErrorCode.ServerEraUnsupported);
    expect(error.message).toContain('2027-03-01');
  });

  it('a -32022 to discover naming only unknown versions ends the probe there', async () => {
    fx.route('/mcp', (_req, res) => sendJson(res, 400, rpcError(-32022, 'Unsupported protocol version', { supported: ['2027-03-01'] })));
    expect((await rejection(probeResource(mcp, deps))).code).toBe(ErrorCode.ServerEraUnsupported);
    expect(seen()).toEqual(['server/discover']);
  });
});
