/**
 * The world's protocol-reach servers, exercised with real parts and no Latchkey code: tokens come
 * from the real authorization servers (client_credentials after open DCR), MCP calls from the
 * MCP SDK clients (v2 for the 2026-07-28 server, v1 for the 2025-era ones).
 */
import { Client as ModernClient } from '@modelcontextprotocol/client';
import { StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, resultText } from '../support/mcp-call.js';
import { startExactRedirectServer } from './exact-port-as.js';
import { startWorld, type World } from './index.js';
import { startLegacy20250326Server } from './legacy-2025-03-26.js';
import { startMcpServer2026 } from './mcp-server-2026.js';
import { startMigrationScenario } from './migration.js';
import { startResourceRejectingServer } from './no-resource-as.js';
import { NOTES_READ, startOpenUntil401Server } from './open-until-401.js';
import { startSlowAuthorizationServer } from './slow-as.js';

let world: World;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  world = await startWorld();
});

afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
  await world?.close();
});

function closeLater<T extends { close(): Promise<void> }>(server: T): T {
  closers.push(() => server.close());
  return server;
}

interface Endpoints {
  registration: string;
  token: string;
}

/** Open DCR of a confidential client_credentials client, then a token (optionally for `resource`). */
async function mintToken(endpoints: Endpoints, scope: string, resource?: string): Promise<Response> {
  const registered = await fetch(endpoints.registration, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:read mcp:write',
    }),
  });
  expect(registered.status).toBe(201);
  const client = (await registered.json()) as { client_id: string; client_secret: string };
  const body = new URLSearchParams({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, scope });
  if (resource !== undefined) body.set('resource', resource);
  return fetch(endpoints.token, { method: 'POST', body });
}

async function accessToken(endpoints: Endpoints, scope: string, resource?: string): Promise<string> {
  const response = await mintToken(endpoints, scope, resource);
  const body = (await response.json()) as { access_token?: string; error?: string };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.access_token ?? '';
}

function worldEndpoints(issuer: string): Endpoints {
  return { registration: `${issuer}/reg`, token: `${issuer}/token` };
}

function postInitialize(url: string, token?: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '1' } },
    }),
  });
}

describe('2026-07-28-only MCP server (SDK v2 createMcpHandler, legacy rejected)', () => {
  it('challenges with its metadata, rejects a 2025 initialize, serves a v2 client, steps up and asks for a URL', async () => {
    const modern = closeLater(await startMcpServer2026(world));
    const unauthenticated = await postInitialize(modern.url);
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers.get('www-authenticate')).toContain(`resource_metadata="${modern.resourceMetadataUrl}"`);
    const metadata = (await (await fetch(modern.resourceMetadataUrl)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({ resource: modern.url, authorization_servers: [world.issuer], scopes_supported: ['mcp:read'] });

    const readToken = await accessToken(worldEndpoints(world.issuer), 'mcp:read', modern.url);
    const legacy = await postInitialize(modern.url, readToken);
    expect(legacy.status).toBe(400);
    expect(await legacy.text()).toContain('-32022');

    const pages: string[] = [];
    const client = new ModernClient({ name: 'world-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' }, capabilities: { elicitation: { url: {} } } });
    client.setRequestHandler('elicitation/create', async (request) => {
      const params = request.params as { url?: string };
      if (params.url !== undefined) pages.push(params.url);
      if (params.url !== undefined) await fetch(params.url, { redirect: 'manual' });
      return { action: 'accept' };
    });
    await client.connect(new ModernTransport(new URL(modern.url), { authProvider: { token: () => Promise.resolve(readToken) } }));
    expect(client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'modern hello' } });
    expect(JSON.stringify(echoed.content)).toContain('modern hello');
    await expect(client.callTool({ name: 'write_note', arguments: { text: 'x' } })).rejects.toThrow();
    expect(modern.counters.forbidden).toBe(1);
    const page = await client.callTool({ name: 'open_page', arguments: {} });
    expect(JSON.stringify(page.content)).toContain('page: accept');
    expect(pages).toHaveLength(1);
    expect(modern.counters.pageVisits).toBe(1);
    await client.close();

    const writeToken = await accessToken(worldEndpoints(world.issuer), 'mcp:read mcp:write', modern.url);
    const writer = new ModernClient({ name: 'world-test', version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
    await writer.connect(new ModernTransport(new URL(modern.url), { authProvider: { token: () => Promise.resolve(writeToken) } }));
    await writer.callTool({ name: 'write_note', arguments: { text: 'stepped up' } });
    expect(modern.notes).toEqual(['stepped up']);
    await writer.close();
  });
});

describe('2025-03-26-style servers (AS at the MCP origin, no resource metadata)', () => {
  it("'metadata': RFC 8414 at the origin, endpoints under /oauth/*, a challenge without resource_metadata", async () => {
    const legacy = closeLater(await startLegacy20250326Server({ variant: 'metadata' }));
    const challenge = await postInitialize(legacy.url);
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).not.toContain('resource_metadata');
    expect((await fetch(`${legacy.origin}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
    expect((await fetch(`${legacy.origin}/.well-known/openid-configuration`)).status).toBe(404);
    const metadata = (await (await fetch(`${legacy.origin}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: legacy.origin,
      authorization_endpoint: `${legacy.origin}/oauth/authorize`,
      token_endpoint: `${legacy.origin}/oauth/token`,
      registration_endpoint: `${legacy.origin}/oauth/register`,
      code_challenge_methods_supported: ['S256'],
    });
    const token = await accessToken({ registration: `${legacy.origin}/oauth/register`, token: `${legacy.origin}/oauth/token` }, 'mcp:read');
    expect(decodeJwt(token)).toMatchObject({ iss: legacy.origin, aud: legacy.url });
    expect(resultText(await callTool(legacy.url, token, 'echo', { text: 'from 2025-03-26' }))).toContain('from 2025-03-26');
  });

  it("'defaults': no metadata anywhere; /register and /token at the origin work", async () => {
    const legacy = closeLater(await startLegacy20250326Server({ variant: 'defaults' }));
    expect((await fetch(`${legacy.origin}/.well-known/oauth-authorization-server`)).status).toBe(404);
    expect((await fetch(`${legacy.origin}/.well-known/openid-configuration`)).status).toBe(404);
    expect((await fetch(`${legacy.origin}/authorize`)).status).toBe(400); // the endpoint exists (no client_id given)
    const token = await accessToken({ registration: `${legacy.origin}/register`, token: `${legacy.origin}/token` }, 'mcp:read', legacy.url);
    expect(resultText(await callTool(legacy.url, token, 'whoami'))).toContain(legacy.origin);
  });
});

describe('authorization server migration', () => {
  it('after the switch the metadata names AS2, AS1 tokens get 401 with a challenge, AS2 tokens work', async () => {
    const moving = closeLater(await startMigrationScenario(world));
    const before = await accessToken(worldEndpoints(world.issuer), 'mcp:read', moving.url);
    expect(resultText(await callTool(moving.url, before, 'echo', { text: 'one' }))).toContain('one');
    moving.moveToSecond();
    const metadata = (await (await fetch(moving.resourceMetadataUrl)).json()) as Record<string, unknown>;
    expect(metadata.authorization_servers).toEqual([moving.second.issuer]);
    const refused = await postInitialize(moving.url, before);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(new RegExp(`error="invalid_token".*resource_metadata="${moving.resourceMetadataUrl}"`));
    const after = await accessToken(worldEndpoints(moving.second.issuer), 'mcp:read', moving.url);
    expect(resultText(await callTool(moving.url, after, 'echo', { text: 'two' }))).toContain('two');
  });
});

describe('authorization server quirks', () => {
  it('a slow AS answers its metadata only after the configured delay', async () => {
    const slow = closeLater(await startSlowAuthorizationServer({ delayMs: 400 }));
    const started = performance.now();
    const metadata = await fetch(`${slow.issuer}/.well-known/oauth-authorization-server`);
    expect(metadata.status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(390);
    expect(slow.as.metadataRequests).toBe(1);
    const prm = (await (await fetch(slow.resourceMetadataUrl)).json()) as Record<string, unknown>;
    expect(prm.authorization_servers).toEqual([slow.issuer]);
  });

  it('an Entra-style AS refuses any resource with invalid_target and gives the MCP audience without one', async () => {
    const entra = closeLater(await startResourceRejectingServer());
    const endpoints = worldEndpoints(entra.issuer);
    const refused = await mintToken(endpoints, 'mcp:read', entra.url);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ error: 'invalid_target' });
    const token = await accessToken(endpoints, 'mcp:read');
    expect(decodeJwt(token).aud).toBe(entra.url);
    expect(resultText(await callTool(entra.url, token, 'echo', { text: 'no resource' }))).toContain('no resource');
  });

  it('an exact-redirect AS refuses a loopback redirect on another port than the registered one', async () => {
    const strict = closeLater(await startExactRedirectServer());
    const registered = await fetch(`${strict.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ application_type: 'native', redirect_uris: ['http://127.0.0.1:45678/callback'], token_endpoint_auth_method: 'none' }),
    });
    const client = (await registered.json()) as { client_id: string };
    const authorize = (redirectUri: string): Promise<Response> =>
      fetch(
        `${strict.issuer}/auth?${new URLSearchParams({
          client_id: client.client_id,
          redirect_uri: redirectUri,
          response_type: 'code',
          scope: 'mcp:read',
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
          code_challenge_method: 'S256',
          resource: strict.url,
        }).toString()}`,
        { redirect: 'manual' },
      );
    expect((await authorize('http://127.0.0.1:45679/callback')).status).toBe(400);
    expect((await authorize('http://127.0.0.1:45678/callback')).status).toBe(303);
  });

  it('an open-until-401 server lists its tools without a token and answers tools/call with 401 naming its scope', async () => {
    const open = closeLater(await startOpenUntil401Server(world));
    const post = (method: string, params: Record<string, unknown>): Promise<Response> =>
      fetch(open.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
    const listed = await post('tools/list', {});
    expect(listed.status).toBe(200);
    expect(JSON.stringify(await listed.json())).toContain('read_note');
    const refused = await post('tools/call', { name: 'read_note', arguments: {} });
    await refused.body?.cancel();
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain(`scope="${NOTES_READ}"`);
    expect(refused.headers.get('www-authenticate')).toContain(`resource_metadata="${open.resourceMetadataUrl}"`);
    expect(open.counters).toMatchObject({ unauthenticated: 1, challenged: 1, metadataReads: 0 });
  });
});
