/**
 * Starts the test world (test/world: a real oidc-provider authorization server and a real MCP SDK
 * server on 127.0.0.1) by hand, prints its URLs and serves until Ctrl-C, so you can point
 * `latchkey connect` and the window at something real without writing a test.
 *
 *   npm run world          (node --import tsx scripts/world.ts)
 */
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { DEFAULT_PASSWORD, startWorld, type World } from '../test/world/index.js';

/** The lines printed once the world is up: where each server is and how to use it. */
export function describeWorld(world: Pick<World, 'issuer' | 'mcpUrl' | 'startupMs'>): string[] {
  return [
    `test world up in ${Math.round(world.startupMs)} ms (Ctrl-C stops it)`,
    `  authorization server  ${world.issuer}   (sign in as anyone, password: ${DEFAULT_PASSWORD})`,
    `  MCP server            ${world.mcpUrl}   (tools: echo, whoami; write_note needs mcp:write)`,
    `  try: latchkey connect ${world.mcpUrl} --allow-insecure-loopback`,
  ];
}

async function serveWorldUntilInterrupted(): Promise<void> {
  const world = await startWorld();
  console.log(describeWorld(world).join('\n'));
  const stop = new AbortController();
  await Promise.race([once(process, 'SIGINT', { signal: stop.signal }), once(process, 'SIGTERM', { signal: stop.signal })]);
  stop.abort();
  await world.close();
  console.log('test world stopped');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await serveWorldUntilInterrupted();
}
