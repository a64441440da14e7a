/**
 * T6 from the agent side: an agent reports that the MCP server refused its token (401) through
 * the bridge's token request. Against the real test world (two oidc-providers, the MCP SDK server
 * whose metadata moves from the first to the second): the wallet reads the metadata again, drops
 * the old issuer's tokens and audits the move; the agent gets connection.needs_reauth naming the
 * new issuer, and no browser opens until the owner signs in.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import type { RejectedToken } from '../../../../shared/bridge.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { startWorld, MCP_READ, type World } from '../../../world/index.js';
import { startMigrationScenario, type MigrationScenario } from '../../../world/migration.js';

const never = new AbortController().signal;

let world: World;
let home: string;
let c: ComposedWallet;
const scenarios: MigrationScenario[] = [];

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-agent-401-'));
  c = await composeWallet({ home, allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener: world.opener });
}, 60_000);

afterAll(async () => {
  await c?.wallet.close();
  await Promise.all(scenarios.map((s) => s.close()));
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

/** An MCP `initialize` with a bearer token: the status and the challenge, if any. */
async function initialize(url: string, token: string): Promise<{ status: number; wwwAuthenticate: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'agent-401-test', version: '0' } },
    }),
  });
  await response.body?.cancel();
  return { status: response.status, wwwAuthenticate: response.headers.get('www-authenticate') };
}

async function failure(promise: Promise<unknown>): Promise<LatchkeyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LatchkeyError);
  return error as LatchkeyError;
}

function rejection(token: string, wwwAuthenticate: string | null): RejectedToken {
  return { status: 401, token_fingerprint: fingerprint(token), ...(wwwAuthenticate === null ? {} : { www_authenticate: wwwAuthenticate }) };
}

describe("an agent's 401 after the server moved its sign-in (real ASes, real MCP server)", () => {
  it('the wallet notices the move: old tokens dropped, audited once, the agent gets connection.needs_reauth naming the new issuer, no browser opened; after the owner signs in the agent gets a new-issuer token', async () => {
    const scenario = await startMigrationScenario(world);
    scenarios.push(scenario);
    const connected = await c.wallet.connect({ url: scenario.url });
    const { agent, secret } = await c.wallet.enrolAgent({ name: 'agent-401' });
    await c.wallet.createGrant({ agent: agent.id, resource: connected.resource, scopes: [MCP_READ] });
    const caller = c.broker.authenticate(secret)!;
    const first = await c.broker.token(caller, { resource: connected.resource }, never);
    expect((await initialize(scenario.url, first.access_token)).status).toBe(200);

    scenario.moveToSecond();
    const refused = await initialize(scenario.url, first.access_token);
    expect(refused.status).toBe(401);
    const opened = world.opener.opened.length;

    const told = await failure(c.broker.token(caller, { resource: connected.resource, rejected: rejection(first.access_token, refused.wwwAuthenticate) }, never));
    expect(told.code).toBe(ErrorCode.NeedsReauth);
    expect(told.message).toContain(scenario.second.issuer);
    expect(world.opener.opened).toHaveLength(opened);
    expect(scenario.second.registrations).toHaveLength(0);
    const [waiting] = (await c.wallet.listConnections()).filter((x) => x.resource === connected.resource);
    expect(waiting).toMatchObject({ status: 'needs-reauth', hasRefreshToken: false });
    expect(await c.audit.query({ type: 'connection.migrated', resource: connected.resource })).toHaveLength(1);

    // The same report again, and a plain request: still needs_reauth, the old token never again, no second move.
    expect((await failure(c.broker.token(caller, { resource: connected.resource, rejected: rejection(first.access_token, refused.wwwAuthenticate) }, never))).code).toBe(ErrorCode.NeedsReauth);
    expect((await failure(c.broker.token(caller, { resource: connected.resource }, never))).code).toBe(ErrorCode.NeedsReauth);
    expect(await c.audit.query({ type: 'connection.migrated', resource: connected.resource })).toHaveLength(1);
    expect(world.opener.opened).toHaveLength(opened);

    // The owner signs in at the new issuer; the agent's next token comes from there and works.
    await c.wallet.connect({ url: scenario.url });
    const after = await c.broker.token(caller, { resource: connected.resource }, never);
    expect(after.access_token).not.toBe(first.access_token);
    expect((await initialize(scenario.url, after.access_token)).status).toBe(200);
  }, 90_000);
});
