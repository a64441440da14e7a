/**
 * An authorization server migration through the real CLI: the MCP server's metadata moves from
 * the world's AS to a second oidc-provider; the old tokens get 401. Connecting again signs in at
 * the new AS, and an agent in a `latchkey run` session reaches the server through `latchkey mcp`
 * with the new AS's token. An agent's 401 leads the wallet to notice the move by itself: the agent is told to
 * wait for the owner, who signs in at the new AS.
 */
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { callTool, resultText } from '../../support/mcp-call.js';
import { startMigrationScenario, type MigrationScenario } from '../../world/migration.js';
import { toolText, useReachCli } from './reach-cli.js';

const reach = useReachCli();

async function connectedScenario(): Promise<MigrationScenario> {
  const moving = reach.track(await startMigrationScenario(reach.world));
  const connect = await reach.connect(moving.url);
  expect(connect.result.code, connect.result.stderr).toBe(0);
  console.info(`[reach] connect migrating server (before the move, world AS): ${connect.ms} ms`);
  const before = await reach.token(moving.url);
  expect(decodeJwt(before).iss).toBe(moving.first.issuer);
  expect(resultText(await callTool(moving.url, before, 'echo', { text: 'before' }))).toContain('before');
  return moving;
}

describe('authorization server migration end to end', () => {
  it('after the move the old token gets 401; connecting again signs in at the new AS and its token works', async () => {
    const moving = await connectedScenario();
    const before = await reach.token(moving.url);
    moving.moveToSecond();
    await expect(callTool(moving.url, before, 'echo', { text: 'refused' })).rejects.toThrow();
    expect(moving.mcp.counters.unauthorized).toBeGreaterThanOrEqual(1);

    const flow = reach.world.opener.nextFlow();
    const again = await reach.connect(moving.url);
    expect(again.result.code, again.result.stderr).toBe(0);
    console.info(`[reach] connect migrating server (after the move, second AS): ${again.ms} ms`);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
    expect(moving.second.tokenRequestCount('authorization_code')).toBe(1);
    const after = await reach.token(moving.url);
    expect(decodeJwt(after).iss).toBe(moving.second.issuer);
    expect(resultText(await callTool(moving.url, after, 'echo', { text: 'after' }))).toContain('after');
    const opened = reach.world.opener.opened.length;
    const agent = await reach.startRunAgent('agent-after-move', moving.url, ['mcp:read']);
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'agent after the move' } }))).toContain('agent after the move');
    expect(reach.world.opener.opened).toHaveLength(opened); // no second sign-in
  }, 180_000);

  it('an agent hitting 401 after the move: the wallet re-reads the metadata, drops the old issuer\'s tokens and tells the owner; the agent gets connection.needs_reauth (never a sign-in it started) until the owner signs in at the new AS', async () => {
    const moving = await connectedScenario();
    const agent = await reach.startAgent('agent-moving', moving.url, ['mcp:read']);
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'first' } }))).toContain('first');
    moving.moveToSecond();
    const refused = await agent.callTool({ name: 'echo', arguments: { text: 'moved' } }).then(
      () => undefined,
      (error: unknown) => error as { message: string; data?: { latchkey_code?: string } },
    );
    expect(refused?.data?.latchkey_code).toBe('connection.needs_reauth');
    expect(refused?.message).toContain(moving.second.issuer);
    // No browser sign-in and no registration at the new AS without the owner.
    expect(moving.second.registrations).toHaveLength(0);
    const listed = JSON.parse((await reach.run(['connections', '--json'])).stdout) as Array<{ resource: string; status: string }>;
    expect(listed.find((c) => moving.url.startsWith(c.resource) || c.resource.startsWith(moving.url))?.status).toBe('needs-reauth');
    const audit = JSON.parse((await reach.run(['audit', '--json'])).stdout) as Array<{ type: string; issuer?: string }>;
    expect(audit.filter((e) => e.type === 'connection.migrated')).toEqual([expect.objectContaining({ issuer: moving.second.issuer })]);
    // Asking again changes nothing: no second metadata-driven move, still needs_reauth.
    await expect(agent.callTool({ name: 'echo', arguments: { text: 'again' } })).rejects.toMatchObject({ data: { latchkey_code: 'connection.needs_reauth' } });

    const flow = reach.world.opener.nextFlow();
    const again = await reach.connect(moving.url);
    expect(again.result.code, again.result.stderr).toBe(0);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login']));
    expect(moving.second.registrations).toHaveLength(1);
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'after' } }))).toContain('after');
    const after = await reach.token(moving.url);
    expect(decodeJwt(after).iss).toBe(moving.second.issuer);
  }, 180_000);
});
