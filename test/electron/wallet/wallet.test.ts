/**
 * The wallet against the real test world: oidc-provider, an MCP SDK server that verifies its
 * JWTs, and Chromium filling the login and consent pages. In-process (the CLI end-to-end test
 * runs the same through child processes).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { openWallet } from '../../../electron/wallet/wallet.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { startWorld, type World } from '../../world/index.js';
import { callTool, resultText } from '../../support/mcp-call.js';

let world: World;
let home: string;
const wallets: Wallet[] = [];

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-wallet-'));
});
afterAll(async () => {
  await Promise.all(wallets.map((w) => w.close()));
  await world?.close();
  await rm(home, { recursive: true, force: true });
});

async function wallet(options: { clientMetadataUrl?: string } = {}): Promise<Wallet> {
  const w = await openWallet(
    { home, allowInsecureLoopback: true, vault: { mode: 'memory' }, ...options },
    { opener: world.opener },
  );
  wallets.push(w);
  return w;
}

describe('wallet × real AS, MCP server and browser', () => {
  it('connects through discovery, DCR and a Chromium sign-in; the MCP server accepts the token', async () => {
    const w = await wallet();
    const progress: string[] = [];
    const connection = await w.connect({ url: world.mcpUrl }, { onProgress: (e) => progress.push(e.step) });
    expect(connection).toMatchObject({ resource: world.mcpUrl, issuer: world.issuer, registration: 'dcr', status: 'ok', hasRefreshToken: true });
    // A6: the scope of the 401 challenge is what is asked for first.
    expect(connection.scopes).toContain('mcp:read');
    expect(progress).toEqual(['probing', 'discovered', 'registered', 'browser', 'exchanging', 'connected']);
    expect((await world.opener.lastFlow()).steps).toContain('login');

    const registration = world.as.registrations.at(-1)!;
    expect(registration.metadata).toMatchObject({ application_type: 'native' });

    const token = await w.accessToken({ url: world.mcpUrl });
    expect(resultText(await callTool(world.mcpUrl, token.accessToken, 'echo', { text: 'hi' }))).toContain('hi');
    expect(world.mcp.lastClaims).toMatchObject({ aud: world.mcpUrl, iss: world.issuer });
    // A5: resource on the code exchange.
    expect(world.as.tokenRequests.find((r) => r.grantType === 'authorization_code')?.resource).toBe(world.mcpUrl);
    await w.disconnect({ url: world.mcpUrl });
  });

  it('T3: step-up — a 403 insufficient_scope re-authorizes with the union of scopes, then the call succeeds', async () => {
    const w = await wallet();
    await w.connect({ url: world.mcpUrl, scopes: ['mcp:read'] });
    const first = await w.accessToken({ url: world.mcpUrl });
    expect(first.scope).not.toContain('mcp:write');
    const denied = await fetchTool(first.accessToken, 'write_note');
    expect(denied.status).toBe(403);
    const upgraded = await w.handleAuthChallenge({ url: world.mcpUrl, status: 403, wwwAuthenticate: denied.headers.get('www-authenticate') });
    expect(upgraded.scope).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    await callTool(world.mcpUrl, upgraded.accessToken, 'write_note', { text: 'stepped up' });
    expect(world.mcp.notes).toContain('stepped up');
    await w.disconnect({ url: world.mcpUrl });
  });

  it('T3: a declined step-up is remembered and not asked again', async () => {
    const w = await wallet();
    await w.connect({ url: world.mcpUrl, scopes: ['mcp:read'] });
    const token = await w.accessToken({ url: world.mcpUrl });
    const denied = await fetchTool(token.accessToken, 'write_note');
    world.opener.behaviour.consent = 'deny';
    try {
      await expect(w.handleAuthChallenge({ url: world.mcpUrl, status: 403, wwwAuthenticate: denied.headers.get('www-authenticate') })).rejects.toMatchObject({
        code: ErrorCode.AccessDenied,
      });
    } finally {
      world.opener.behaviour.consent = 'approve';
    }
    const opened = world.opener.opened.length;
    await expect(w.handleAuthChallenge({ url: world.mcpUrl, status: 403, wwwAuthenticate: denied.headers.get('www-authenticate') })).rejects.toMatchObject({
      code: ErrorCode.StepUpLimit,
    });
    expect(world.opener.opened.length).toBe(opened);
    await w.disconnect({ url: world.mcpUrl });
  });

  it('R2: uses a Client ID Metadata Document when the AS supports it and one is configured', async () => {
    const w = await wallet({ clientMetadataUrl: world.as.cimdClientId });
    const connection = await w.connect({ url: world.mcpUrl });
    expect(connection).toMatchObject({ registration: 'cimd', clientId: world.as.cimdClientId });
    const token = await w.accessToken({ url: world.mcpUrl });
    await callTool(world.mcpUrl, token.accessToken, 'echo', { text: 'cimd' });
    await w.disconnect({ url: world.mcpUrl });
  });

  it('T4: disconnect revokes the refresh token at the AS', async () => {
    const w = await wallet();
    await w.connect({ url: world.mcpUrl });
    const before = world.as.revocations.length;
    await expect(w.disconnect({ url: world.mcpUrl })).resolves.toMatchObject({ revocation: 'revoked' });
    expect(world.as.revocations.length).toBe(before + 1);
    expect(world.as.revocations.at(-1)).toMatchObject({ status: 200, tokenTypeHint: 'refresh_token' });
    expect(await w.listConnections()).toEqual([]);
  });
});

async function fetchTool(accessToken: string, name: string): Promise<Response> {
  const headers = {
    Authorization: `Bearer ${accessToken}`,
    'Content-Type': 'application/json',
    Accept: 'application/json, text/event-stream',
  };
  const init = await fetch(world.mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '0' } } }),
  });
  const session = init.headers.get('mcp-session-id');
  await init.text();
  return fetch(world.mcpUrl, {
    method: 'POST',
    headers: { ...headers, ...(session === null ? {} : { 'mcp-session-id': session }), 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name, arguments: { text: 'x' } } }),
  });
}
