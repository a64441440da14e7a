/**
 * An authorization server migration through the real CLI: the MCP server's metadata moves from
 * the world's AS to a second oidc-provider; the old tokens get 401. Connecting again signs in at
 * the new AS; an agent's 401 should lead the wallet there by itself.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callTool, resultText } from '../../support/mcp-call.js';
import { startMigrationScenario, type MigrationScenario } from '../../world/migration.js';
import { startReachCli, toolText, type ReachCli } from './reach-cli.js';

let reach: ReachCli;
const scenarios: MigrationScenario[] = [];

beforeAll(async () => {
  reach = await startReachCli();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(scenarios.map((scenario) => scenario.close()));
  await reach?.close();
});

async function connectedScenario(): Promise<MigrationScenario> {
  const moving = await startMigrationScenario(reach.world);
  scenarios.push(moving);
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
  }, 180_000);

  it.skip('an agent hitting 401 after the move gets through: the wallet re-reads the metadata and signs in at the new AS (skip: waits for 401-driven migration in the connection lifecycle, work package B)', async () => {
    const moving = await connectedScenario();
    const agent = await reach.startAgent('agent-moving', moving.url, ['mcp:read']);
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'first' } }))).toContain('first');
    moving.moveToSecond();
    const flow = reach.world.opener.nextFlow();
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'moved' } }, undefined, { timeout: 120_000 }))).toContain('moved');
    expect((await flow).steps).toEqual(expect.arrayContaining(['login']));
    expect(moving.second.registrations).toHaveLength(1);
    const after = await reach.token(moving.url);
    expect(decodeJwt(after).iss).toBe(moving.second.issuer);
  }, 180_000);
});
