/**
 * T6 from the agent side: an agent reports that the MCP server refused its token (401) through
 * the bridge's token request. Against the real test world (two oidc-providers, the MCP SDK server
 * whose metadata moves from the first to the second): the wallet reads the metadata again, drops
 * the old issuer's tokens and audits the move; the agent gets connection.needs_reauth naming the
 * new issuer, and no browser opens until the owner signs in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { RejectedToken } from '../../../../shared/bridge.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';
import type { ComposedWallet } from '../../../../electron/wallet/wallet.js';
import { MCP_READ, type World } from '../../../world/index.js';
import { initializeWithToken, startMigrationWallet, type MigrationWallet } from '../../../support/migration-wallet.js';
import { rejection as failure } from '../../../support/rejection.js';

const never = new AbortController().signal;

let setup: MigrationWallet;
let world: World;
let c: ComposedWallet;

beforeAll(async () => {
  setup = await startMigrationWallet('latchkey-agent-401-');
  ({ world, composed: c } = setup);
}, 60_000);

afterAll(async () => {
  await setup?.close();
});

const initialize = (url: string, token: string): ReturnType<typeof initializeWithToken> => initializeWithToken(url, token, 'agent-401-test');

function rejection(token: string, wwwAuthenticate: string | null): RejectedToken {
  return { status: 401, token_fingerprint: fingerprint(token), ...(wwwAuthenticate === null ? {} : { www_authenticate: wwwAuthenticate }) };
}

describe("an agent's 401 after the server moved its sign-in (real ASes, real MCP server)", () => {
  it('the wallet notices the move: old tokens dropped, audited once, the agent gets connection.needs_reauth naming the new issuer, no browser opened; after the owner signs in the agent gets a new-issuer token', async () => {
    const scenario = await setup.moving();
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
