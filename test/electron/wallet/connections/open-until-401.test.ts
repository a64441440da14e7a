/**
 * T9: sign in when the server asks, not before. Against the real test world (oidc-provider, an
 * MCP SDK server that lets initialize and tools/list through without a token and answers 401 with
 * a scope on tools/call, Chromium for the sign-ins) and the real wallet over a memory vault.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { ConnectionService } from '../../../../electron/wallet/connections/connection-service.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { ConnectionTokens } from '../../../../electron/wallet/connections/connection-tokens.js';
import { createSafeFetch } from '../../../../electron/base/net/index.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import { systemClock } from '../../../../electron/base/ports.js';
import { startWorld, type World } from '../../../world/index.js';
import { NOTES_READ, NOTES_WRITE, startOpenUntil401Server, type OpenUntil401Server } from '../../../world/open-until-401.js';
import { rejection as failure } from '../../../support/rejection.js';

let world: World;
let home: string;
let c: ComposedWallet;
const servers: OpenUntil401Server[] = [];
const never = new AbortController().signal;

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-open-until-401-'));
  c = await composeWallet({ home, allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener: world.opener });
}, 60_000);

afterAll(async () => {
  await c?.wallet.close();
  await Promise.all(servers.map((server) => server.close()));
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

async function openServer(): Promise<OpenUntil401Server> {
  const server = await startOpenUntil401Server(world);
  servers.push(server);
  return server;
}

/** A tools/call of `tool`, with `token` if given: the status and the challenge. */
async function callTool(url: string, tool: string, token?: string): Promise<{ status: number; wwwAuthenticate: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: tool, arguments: tool === 'write_note' ? { text: 'hello' } : {} } }),
  });
  await response.body?.cancel();
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
}

/** The scope parameter of the sign-in the wallet opened last. */
function lastSignInScopes(): string[] {
  return (world.opener.opened.at(-1)?.searchParams.get('scope') ?? '').split(' ').filter((s) => s !== '' && s !== 'offline_access');
}

describe('T9: a server that answers without a token is connected without a sign-in', () => {
  it('connect stores it as open: no metadata read, no registration, no browser; token says no sign-in is needed', async () => {
    const server = await openServer();
    const registrations = world.as.registrations.length;
    const opened = world.opener.opened.length;

    const connected = await c.wallet.connect({ url: server.url });

    expect(connected).toMatchObject({ resource: server.url, access: 'open-until-401', status: 'ok', scopes: [], hasRefreshToken: false });
    expect(server.counters.metadataReads).toBe(0);
    expect(world.as.registrations).toHaveLength(registrations);
    expect(world.opener.opened).toHaveLength(opened);
    expect((await c.wallet.listConnections()).find((x) => x.resource === server.url)).toMatchObject({ access: 'open-until-401' });
    const asked = await failure(c.wallet.accessToken({ url: server.url }));
    expect(asked.code).toBe(ErrorCode.NoSignInNeeded);
    expect(asked.hint).toContain('without Authorization');
  });

  it("the owner's first 401 signs in with the challenge's scope; a later 403 steps up to the union", async () => {
    const server = await openServer();
    await c.wallet.connect({ url: server.url });
    const refused = await callTool(server.url, 'read_note');
    expect(refused.status).toBe(401);

    const signedIn = await c.wallet.handleAuthChallenge({ url: server.url, status: 401, wwwAuthenticate: refused.wwwAuthenticate });
    expect(lastSignInScopes()).toEqual([NOTES_READ]);
    expect(signedIn.scope).toEqual(expect.arrayContaining([NOTES_READ]));
    expect(signedIn.scope).not.toContain(NOTES_WRITE);
    expect((await callTool(server.url, 'read_note', signedIn.accessToken)).status).toBe(200);
    const [after] = (await c.wallet.listConnections()).filter((x) => x.resource === server.url);
    expect(after).toMatchObject({ issuer: world.as.issuer, status: 'ok' });
    expect(after?.access).toBeUndefined();

    const forbidden = await callTool(server.url, 'write_note', signedIn.accessToken);
    expect(forbidden.status).toBe(403);
    const stepped = await c.wallet.handleAuthChallenge({ url: server.url, status: 403, wwwAuthenticate: forbidden.wwwAuthenticate });
    expect(lastSignInScopes().sort()).toEqual([NOTES_READ, NOTES_WRITE]);
    expect((await callTool(server.url, 'write_note', stepped.accessToken)).status).toBe(200);
    expect(server.counters.toolCalls).toEqual({ read_note: 1, write_note: 1 });
  }, 90_000);

  it('an explicit connect with --scope signs in up front, as before', async () => {
    const server = await openServer();
    const connected = await c.wallet.connect({ url: server.url, scopes: [NOTES_READ] });
    expect(connected.access).toBeUndefined();
    expect(connected.issuer).toBe(world.as.issuer);
    expect(lastSignInScopes()).toEqual([NOTES_READ]);
  }, 60_000);

  it("an agent's first 401 never opens a browser: the owner is told, and signs in with that challenge's scope", async () => {
    const server = await openServer();
    await c.wallet.connect({ url: server.url });
    const { agent, secret } = await c.wallet.enrolAgent({ name: 'open-notes-agent' });
    await c.wallet.createGrant({ agent: agent.id, resource: server.url, scopes: [NOTES_READ] });
    const caller = c.broker.authenticate(secret)!;
    const noToken = await failure(c.broker.token(caller, { resource: server.url }, never));
    expect(noToken.code).toBe(ErrorCode.NoSignInNeeded);

    // The bridge reports the agent's 401 to the connections (token-broker.ts heedRefusal).
    const refused = await callTool(server.url, 'read_note');
    const policy = { allowInsecureLoopback: true };
    const store = new ConnectionStore(c.vault);
    const net = { fetch: createSafeFetch({ ...policy, allowedHosts: [], env: {}, logger: silentLogger }), policy };
    const service = new ConnectionService({ store, tokens: new ConnectionTokens({ store, net, clock: systemClock, logger: silentLogger }), net, opener: world.opener, clock: systemClock, logger: silentLogger, audit: c.audit });
    const opened = world.opener.opened.length;
    const told = await failure(service.agentRefused({ resource: server.url }, refused.wwwAuthenticate));
    expect(told.code).toBe(ErrorCode.NeedsReauth);
    expect(world.opener.opened).toHaveLength(opened);
    expect((await c.wallet.listConnections()).find((x) => x.resource === server.url)).toMatchObject({ access: 'open-until-401', status: 'needs-reauth' });
    expect(await c.audit.query({ type: 'connection.sign_in_needed', resource: server.url })).toEqual([expect.objectContaining({ scopes: [NOTES_READ], reason: 'first_401' })]);
    expect((await failure(c.broker.token(caller, { resource: server.url }, never))).code).toBe(ErrorCode.NeedsReauth);

    const connected = await c.wallet.connect({ url: server.url });
    expect(lastSignInScopes()).toEqual([NOTES_READ]);
    expect(connected).toMatchObject({ issuer: world.as.issuer, status: 'ok' });
    const token = await c.broker.token(caller, { resource: server.url }, never);
    expect((await callTool(server.url, 'read_note', token.access_token)).status).toBe(200);

    // A report of a tokenless request refused, once the connection is signed in, changes nothing.
    const late = await c.broker.token(caller, { resource: server.url, rejected: { status: 401, www_authenticate: refused.wwwAuthenticate ?? '' } }, never);
    expect((await callTool(server.url, 'read_note', late.access_token)).status).toBe(200);
    expect((await c.wallet.listConnections()).find((x) => x.resource === server.url)).toMatchObject({ status: 'ok' });
    expect(world.opener.opened).toHaveLength(opened + 1);
  }, 90_000);
});
