/**
 * T9 through the real CLI: a server that lets initialize and tools/list through without a token
 * and answers 401 with a scope on tools/call (test/world/open-until-401.ts). `latchkey connect`
 * connects it without a sign-in; `latchkey connections` says so; `latchkey token` says no token is
 * needed; an agent's `latchkey mcp` lists tools without a token; its first 401 asks the owner to
 * sign in (never a browser for the agent); the owner's `latchkey connect` signs in through
 * Chromium with the challenge's scope, and the agent's call then goes through.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { NOTES_READ, NOTES_WRITE, startOpenUntil401Server, type OpenUntil401Server } from '../../world/open-until-401.js';
import { toolText, useReachCli } from './reach-cli.js';

const reach = useReachCli();
let server: OpenUntil401Server;

beforeAll(async () => {
  server = reach.track(await startOpenUntil401Server(reach.world));
});

describe('T9: sign in when the server asks, not before (real CLI, daemon, Chromium)', () => {
  it('connect without a sign-in; the first 401 has the owner sign in with its scope; the agent then gets through', async () => {
    const opened = reach.world.opener.opened.length;
    const connect = await reach.connect(server.url);
    expect(connect.result.code, connect.result.stderr).toBe(0);
    console.info(`[reach] connect open-until-401: ${connect.ms} ms`);
    expect(connect.result.stdout).toContain('no sign-in is needed yet');
    expect(reach.world.opener.opened).toHaveLength(opened);
    expect(server.counters.metadataReads).toBe(0);

    expect((await reach.run(['connections'])).stdout).toContain('connected — no sign-in needed yet');
    const token = await reach.run(['token', server.url]);
    expect(token.code).not.toBe(0);
    expect(token.stderr).toContain('has not asked for a sign-in');

    const agent = await reach.startAgent('open-notes', server.url, [NOTES_READ]);
    const tools = await agent.listTools();
    expect(tools.tools.map((tool) => tool.name).sort()).toEqual(['read_note', 'write_note']);
    const refused = await agent.callTool({ name: 'read_note', arguments: {} }).then(
      (result) => JSON.stringify(result),
      (error: unknown) => String(error),
    );
    expect(refused).toMatch(/sign-in|needs_reauth/u);
    expect(reach.world.opener.opened).toHaveLength(opened);
    expect((await reach.run(['connections'])).stdout).toContain('now asks for a sign-in');

    const flow = reach.world.opener.nextFlow();
    const signIn = await reach.connect(server.url);
    expect(signIn.result.code, signIn.result.stderr).toBe(0);
    expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
    const scopes = reach.world.opener.opened.at(-1)?.searchParams.get('scope')?.split(' ') ?? [];
    expect(scopes).toContain(NOTES_READ);
    expect(scopes).not.toContain(NOTES_WRITE);

    expect(toolText(await agent.callTool({ name: 'read_note', arguments: {} }))).toBe('');
    expect(server.counters.toolCalls).toEqual({ read_note: 1 });
  }, 120_000);
});
