/**
 * The test world itself, exercised with real parts and no Latchkey code: oidc-provider, the MCP
 * SDK server, Chromium, openid-client as the OAuth client, the MCP SDK client.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_RELAY_SCRIPT } from './browser-relay-endpoint.js';
import { CALLBACK_PAGE_TEXT, startCallbackListener } from './callback-listener.js';
import { authorizeDirectly, buildDirectAuthorizationUrl, discoverForClientId, registerNativeClient } from './direct-oauth.js';
import { startWorld, type World } from './index.js';
import { startMcpServer } from './mcp-server.js';

const execFileAsync = promisify(execFile);
const OTHER_RESOURCE = 'https://other.latchkey.test/mcp';

let world: World;

beforeAll(async () => {
  world = await startWorld();
  world.as.addResourceServer(OTHER_RESOURCE, ['mcp:read']);
  console.info(`[world] startWorld took ${world.startupMs.toFixed(0)} ms`);
});

afterAll(async () => {
  await world?.close();
});

async function connectMcp(accessToken: string): Promise<Client> {
  const client = new Client({ name: 'world-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(world.mcpUrl), {
    requestInit: { headers: { Authorization: `Bearer ${accessToken}` } },
  });
  await client.connect(transport);
  return client;
}

function postToolCall(name: string, accessToken?: string): Promise<Response> {
  return fetch(world.mcpUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(accessToken === undefined ? {} : { authorization: `Bearer ${accessToken}` }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: { text: 'x' } } }),
  });
}

function textOf(result: Awaited<ReturnType<Client['callTool']>>): string {
  const content = result.content as { type: string; text?: string }[];
  return content.map((part) => part.text ?? '').join('');
}

describe('test world: discovery', () => {
  it('serves AS metadata with DCR, PKCE S256, RFC 9207 iss, revocation and CIMD', async () => {
    const response = await fetch(`${world.issuer}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as Record<string, unknown>;
    expect(metadata).toMatchObject({
      issuer: world.issuer,
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      registration_endpoint: `${world.issuer}/reg`,
      revocation_endpoint: `${world.issuer}/token/revocation`,
    });
    const openid = await fetch(`${world.issuer}/.well-known/openid-configuration`);
    expect(openid.status).toBe(200);
  });

  it('serves protected resource metadata at the path-aware well-known URL', async () => {
    expect(world.resourceMetadataUrl).toBe(`${new URL(world.mcpUrl).origin}/.well-known/oauth-protected-resource/mcp`);
    const prm = (await (await fetch(world.resourceMetadataUrl)).json()) as Record<string, unknown>;
    expect(prm).toMatchObject({
      resource: world.mcpUrl,
      authorization_servers: [world.issuer],
      scopes_supported: ['mcp:read', 'mcp:write'],
    });
  });

  it('answers 401 with a resource_metadata challenge when there is no token', async () => {
    const before = world.mcp.counters.unauthorized;
    const response = await postToolCall('echo');
    expect(response.status).toBe(401);
    const challenge = response.headers.get('www-authenticate') ?? '';
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${world.resourceMetadataUrl}"`);
    expect(challenge).toContain('scope="mcp:read"');
    expect(world.mcp.counters.unauthorized).toBe(before + 1);
  });

  it('can serve PRM at the root URL only and leave resource_metadata out of the challenge (for fallback tests)', async () => {
    const mcp = await startMcpServer({ issuer: world.issuer, resourceMetadata: { pathAware: false, root: true, inChallenge: false } });
    try {
      expect(mcp.resourceMetadataUrl).toBe(`${mcp.origin}/.well-known/oauth-protected-resource`);
      expect((await fetch(`${mcp.origin}/.well-known/oauth-protected-resource/mcp`)).status).toBe(404);
      expect(await (await fetch(mcp.resourceMetadataUrl)).json()).toMatchObject({ resource: mcp.url });
      const response = await fetch(mcp.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).not.toContain('resource_metadata');
    } finally {
      await mcp.close();
    }
  });

  it('refuses native DCR with a non-loopback http redirect URI', async () => {
    const response = await fetch(`${world.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ application_type: 'native', redirect_uris: ['http://evil.example/callback'], token_endpoint_auth_method: 'none' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_redirect_uri' });
  });
});

describe('test world: DCR client through Chromium', () => {
  it('runs auth code + PKCE + resource, then MCP calls, 403 on missing scope, 401 on wrong audience, refresh rotation and revocation', async () => {
    const config = await registerNativeClient(world);
    const clientId = config.clientMetadata().client_id;
    expect(world.as.registrations.map((r) => r.clientId)).toContain(clientId);
    expect(await world.as.findClient(clientId)).toMatchObject({ application_type: 'native' });

    const codeRequestsBefore = world.as.tokenRequestCount('authorization_code');
    const started = performance.now();
    const { tokens, callback, flow } = await authorizeDirectly(world, config, {
      scope: 'mcp:read',
      resources: [world.mcpUrl, OTHER_RESOURCE],
    });
    console.info(`[world] browser auth-code round trip (incl. Chromium launch) ${(performance.now() - started).toFixed(0)} ms`);
    expect(flow.steps).toEqual(['login', 'consent']);
    expect(flow.pageText).toBe(CALLBACK_PAGE_TEXT);
    expect(new URL(world.opener.opened.at(-1)?.href ?? '').searchParams.get('code_challenge_method')).toBe('S256');
    expect(callback.searchParams.get('iss')).toBe(world.issuer);
    expect(world.as.tokenRequestCount('authorization_code')).toBe(codeRequestsBefore + 1);
    expect(tokens.refresh_token).toBeTruthy();
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ iss: world.issuer, aud: world.mcpUrl, sub: 'alice', scope: 'mcp:read', client_id: clientId });

    // MCP with the token: echo and whoami work; write_note needs mcp:write.
    const mcp = await connectMcp(tokens.access_token);
    try {
      expect(textOf(await mcp.callTool({ name: 'echo', arguments: { text: 'hello world' } }))).toBe('hello world');
      const whoami = JSON.parse(textOf(await mcp.callTool({ name: 'whoami', arguments: {} }))) as Record<string, unknown>;
      expect(whoami).toMatchObject({ sub: 'alice', scope: 'mcp:read', aud: world.mcpUrl, client_id: clientId });
      await expect(mcp.callTool({ name: 'write_note', arguments: { text: 'no' } })).rejects.toThrow(/403|insufficient_scope/);
    } finally {
      await mcp.close();
    }
    expect(world.mcp.lastClaims?.sub).toBe('alice');
    expect(world.mcp.counters.toolCalls.echo).toBeGreaterThanOrEqual(1);
    const forbidden = await postToolCall('write_note', tokens.access_token);
    expect(forbidden.status).toBe(403);
    const challenge = forbidden.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="mcp:read mcp:write"');
    expect(challenge).toContain(`resource_metadata="${world.resourceMetadataUrl}"`);

    // Refresh with rotation, for the other resource: a token with the wrong audience gets 401.
    const refreshesBefore = world.as.tokenRequestCount('refresh_token');
    world.as.settings.accessTokenTtlSeconds = 7;
    const other = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '', { resource: OTHER_RESOURCE });
    expect(decodeJwt(other.access_token).aud).toBe(OTHER_RESOURCE);
    expect((await postToolCall('echo', other.access_token)).status).toBe(401);
    expect(other.refresh_token).toBeTruthy();
    expect(other.refresh_token).not.toBe(tokens.refresh_token);
    expect(await world.as.isRefreshTokenActive(tokens.refresh_token ?? '')).toBe(false);
    expect(await world.as.isRefreshTokenActive(other.refresh_token ?? '')).toBe(true);

    // The configured AT lifetime applies.
    const refreshed = await oidc.refreshTokenGrant(config, other.refresh_token ?? '', { resource: world.mcpUrl });
    const refreshedClaims = decodeJwt(refreshed.access_token);
    expect((refreshedClaims.exp ?? 0) - (refreshedClaims.iat ?? 0)).toBe(7);
    expect(refreshedClaims.aud).toBe(world.mcpUrl);
    expect((await postToolCall('echo', refreshed.access_token)).status).toBe(200);
    expect(world.as.tokenRequestCount('refresh_token')).toBe(refreshesBefore + 2);

    // RFC 7009 revocation of the refresh token.
    expect(await world.as.isRefreshTokenActive(refreshed.refresh_token ?? '')).toBe(true);
    const revocationsBefore = world.as.revocations.length;
    await oidc.tokenRevocation(config, refreshed.refresh_token ?? '', { token_type_hint: 'refresh_token' });
    expect(world.as.revocations.slice(revocationsBefore)).toEqual([
      { status: 200, clientId, tokenTypeHint: 'refresh_token', revokedKind: 'RefreshToken' },
    ]);
    expect(await world.as.isRefreshTokenActive(refreshed.refresh_token ?? '')).toBe(false);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? '', { resource: world.mcpUrl })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    // A rotated-out refresh token is refused too.
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '', { resource: world.mcpUrl })).rejects.toMatchObject({
      error: 'invalid_grant',
    });
    expect(world.as.tokenRequests.at(-1)).toMatchObject({ grantType: 'refresh_token', status: 400, error: 'invalid_grant' });
    world.as.settings.accessTokenTtlSeconds = 300;
    expect(world.as.serverErrors).toEqual([]);
  });
});

describe('test world: CIMD client through the BROWSER relay', () => {
  it('resolves the https client id to the served document and completes the flow started by a child process', async () => {
    const config = await discoverForClientId(world, world.as.cimdClientId);
    const listener = await startCallbackListener();
    try {
      const request = await buildDirectAuthorizationUrl(config, listener.redirectUri, {
        scope: 'mcp:read mcp:write',
        resources: [world.mcpUrl],
      });
      const flow = world.opener.nextFlow();
      const env = world.browserRelayEnv();
      const [command, ...args] = (env.BROWSER ?? '').split(' ');
      expect(args).toEqual([BROWSER_RELAY_SCRIPT]);
      await execFileAsync(command ?? '', [...args, request.url.href], { env: { ...process.env, ...env } });
      expect(world.relay.received).toContain(request.url.href);
      const callback = await listener.received;
      expect((await flow).steps).toEqual(['login', 'consent']);
      const tokens = await oidc.authorizationCodeGrant(
        config,
        callback,
        { pkceCodeVerifier: request.verifier, expectedState: request.state },
        { resource: world.mcpUrl },
      );
      expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: world.as.cimdClientId, scope: 'mcp:read mcp:write' });
      expect(tokens.refresh_token).toBeTruthy();
      expect((await postToolCall('write_note', tokens.access_token)).status).toBe(200);
      expect(world.mcp.notes).toContain('x');
    } finally {
      await listener.close();
    }
  });
});

describe('test world: BROWSER relay script', () => {
  it('exits non-zero when it cannot deliver the URL', async () => {
    const run = (env: Record<string, string>) =>
      execFileAsync(process.execPath, [BROWSER_RELAY_SCRIPT, 'http://127.0.0.1:1/auth'], { env: { PATH: process.env.PATH ?? '', ...env } });
    await expect(run({})).rejects.toMatchObject({ code: 2 });
    await expect(run({ LATCHKEY_TEST_BROWSER_RELAY: `${new URL(world.relay.url).origin}/relay/wrong` })).rejects.toMatchObject({ code: 1 });
    expect(world.opener.opened.map((url) => url.href)).not.toContain('http://127.0.0.1:1/auth');
  });
});

describe('test world: the user says no', () => {
  it('redirects with access_denied and iss when the user presses Deny', async () => {
    const config = await registerNativeClient(world);
    const listener = await startCallbackListener();
    world.opener.behaviour.consent = 'deny';
    try {
      const request = await buildDirectAuthorizationUrl(config, listener.redirectUri, { scope: 'mcp:read', resources: [world.mcpUrl] });
      const flow = world.opener.nextFlow();
      await world.opener.open(request.url);
      const callback = await listener.received;
      expect((await flow).redirectedTo.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('error')).toBe('access_denied');
      expect(callback.searchParams.get('iss')).toBe(world.issuer);
      expect(callback.searchParams.get('state')).toBe(request.state);
    } finally {
      world.opener.behaviour.consent = 'approve';
      await listener.close();
    }
  });

  it('fails the browser flow when the password is wrong', async () => {
    const config = await registerNativeClient(world);
    const listener = await startCallbackListener();
    world.opener.behaviour.password = 'wrong';
    try {
      const request = await buildDirectAuthorizationUrl(config, listener.redirectUri, { scope: 'mcp:read', resources: [world.mcpUrl] });
      const flow = world.opener.nextFlow();
      await world.opener.open(request.url);
      await expect(flow).rejects.toThrow(/rejected the login/);
    } finally {
      world.opener.behaviour.password = world.as.settings.password;
      await listener.close();
    }
  });

  it('never lets the browser leave loopback', () => {
    expect(world.chromium.blockedRequests.every((url) => !new URL(url).hostname.startsWith('127.'))).toBe(true);
  });
});
