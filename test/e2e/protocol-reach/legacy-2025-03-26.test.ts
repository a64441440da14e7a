/**
 * 2025-03-26-style servers through the real CLI: no protected resource metadata, the
 * authorization server at the MCP server's origin, either with RFC 8414 metadata (endpoints under
 * /oauth/*) or with none at all (the default /authorize, /token, /register). `latchkey connect`
 * signs in through Chromium on the server's own AS, `latchkey token` hands out its token, an
 * MCP SDK client uses it, and an agent (an MCP SDK v1 client) calls a tool through `latchkey mcp`
 * in a `latchkey run` session on the same connection.
 */
import { describe, expect, it } from 'vitest';
import { callTool, resultText } from '../../support/mcp-call.js';
import { startLegacy20250326Server, type Legacy20250326Variant } from '../../world/legacy-2025-03-26.js';
import { toolText, useReachCli } from './reach-cli.js';

const reach = useReachCli();

async function connectAndUse(variant: Legacy20250326Variant): Promise<void> {
  const legacy = reach.track(await startLegacy20250326Server({ variant }));
  const flow = reach.world.opener.nextFlow();
  const connect = await reach.connect(legacy.url);
  expect(connect.result.code, connect.result.stderr).toBe(0);
  console.info(`[reach] connect 2025-03-26 '${variant}' (AS at the origin, no PRM): ${connect.ms} ms`);
  expect((await flow).steps).toEqual(expect.arrayContaining(['login', 'consent']));
  expect(legacy.as.requests.filter((request) => request.route === 'token' && request.status === 200)).toHaveLength(1);
  const token = await reach.token(legacy.url);
  expect(resultText(await callTool(legacy.url, token, 'whoami'))).toContain(legacy.origin);
  const agent = await reach.startRunAgent(`agent-${variant}`, legacy.url, ['mcp:read']);
  expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: `legacy ${variant}` } }))).toContain(`legacy ${variant}`);
}

describe('2025-03-26 servers end to end', () => {
  it("'metadata': RFC 8414 at the MCP origin, endpoints under /oauth/*", async () => {
    await connectAndUse('metadata');
  }, 120_000);

  it("'defaults': no metadata, /authorize /token /register at the MCP origin", async () => {
    await connectAndUse('defaults');
  }, 120_000);
});
