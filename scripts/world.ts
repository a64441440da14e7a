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
import { startProtocolReachServers, type ProtocolReachServers } from '../test/world/protocol-reach.js';

/** The lines printed once the world is up: where each server is and how to use it. */
export function describeWorld(world: Pick<World, 'issuer' | 'mcpUrl' | 'startupMs'>): string[] {
  return [
    `test world up in ${Math.round(world.startupMs)} ms (Ctrl-C stops it)`,
    `  authorization server  ${world.issuer}   (sign in as anyone, password: ${DEFAULT_PASSWORD})`,
    `  MCP server            ${world.mcpUrl}   (tools: echo, whoami; write_note needs mcp:write)`,
    `  try: latchkey connect ${world.mcpUrl} --allow-insecure-loopback`,
  ];
}

/** The protocol-reach servers (test/world/protocol-reach.ts), printed after the main world. */
export function describeProtocolReach(reach: ProtocolReachServers): string[] {
  return [
    'protocol-reach servers:',
    `  2026-07-28 only       ${reach.modern.url}   (echo, whoami; write_note steps up to mcp:write; open_page asks for a URL)`,
    `  2025-03-26, metadata  ${reach.legacyMetadata.url}   (AS at the same origin, RFC 8414, endpoints under /oauth/*; no PRM)`,
    `  2025-03-26, defaults  ${reach.legacyDefaults.url}   (AS at the same origin, no metadata: /authorize /token /register)`,
    `  migrating AS          ${reach.migration.url}   (PRM names ${reach.migration.first.issuer}; \`kill -USR2 ${process.pid}\` moves it to ${reach.migration.second.issuer})`,
    `  slow AS metadata      ${reach.slow.url}   (AS ${reach.slow.issuer} answers metadata after ${reach.slow.settings.delayMs} ms)`,
    `  resource refused      ${reach.noResource.url}   (AS ${reach.noResource.issuer} answers invalid_target to any resource)`,
    `  exact redirect ports  ${reach.exactPort.url}   (AS ${reach.exactPort.issuer} matches redirect URIs port included)`,
    `  open until 401        ${reach.openUntil401.url}   (initialize, tools/list without a token; tools/call → 401 scope="notes:read", write_note → 403 notes:write)`,
  ];
}

async function serveWorldUntilInterrupted(): Promise<void> {
  const world = await startWorld();
  console.log(describeWorld(world).join('\n'));
  const reach = await startProtocolReachServers(world);
  console.log(describeProtocolReach(reach).join('\n'));
  const moveAuthorizationServer = (): void => {
    reach.migration.moveToSecond();
    console.log(`migrating AS: the metadata now names ${reach.migration.currentIssuer}`);
  };
  process.on('SIGUSR2', moveAuthorizationServer);
  const stop = new AbortController();
  await Promise.race([once(process, 'SIGINT', { signal: stop.signal }), once(process, 'SIGTERM', { signal: stop.signal })]);
  stop.abort();
  process.off('SIGUSR2', moveAuthorizationServer);
  await reach.close();
  await world.close();
  console.log('test world stopped');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await serveWorldUntilInterrupted();
}
