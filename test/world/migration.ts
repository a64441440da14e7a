/**
 * An authorization server migration: an MCP server whose protected resource metadata names the
 * world's AS (AS1) until `moveToSecond()`, then a second, independent oidc-provider (AS2, its own
 * keys, clients and users). From then on tokens from AS1 are refused with 401 and a challenge
 * naming the metadata (which now lists only AS2); tokens from AS2 are accepted.
 *
 *   const world = await startWorld();
 *   const moving = await startMigrationScenario(world);   // registers the resource at both ASes
 *   … connect to moving.url (signs in at world.as) …
 *   moving.moveToSecond();
 *   moving.url, moving.second.issuer, moving.currentIssuer, moving.mcp.counters
 *   await moving.close();   // closes AS2 and the MCP server, not the world
 */
import express from 'express';
import { createAccessTokenCheck } from './access-tokens.js';
import { startAuthorizationServer, type TestAuthorizationServer } from './authorization-server.js';
import { listenOnLoopback } from './http.js';
import { mountMcpResource, type McpResource } from './resource-server.js';

export interface MigrationScenario {
  /** The MCP server, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly resourceMetadataUrl: string;
  readonly first: TestAuthorizationServer;
  readonly second: TestAuthorizationServer;
  /** The issuer the metadata names now. */
  readonly currentIssuer: string;
  readonly mcp: McpResource;
  /** Switches the metadata (and the tokens accepted) from the first AS to the second. */
  moveToSecond(): void;
  close(): Promise<void>;
}

export async function startMigrationScenario(world: { as: TestAuthorizationServer }): Promise<MigrationScenario> {
  const first = world.as;
  const second = await startAuthorizationServer();
  const app = express();
  app.disable('x-powered-by');
  const listener = await listenOnLoopback(app);
  const url = `${listener.origin}/mcp`;
  let current = first;
  first.addResourceServer(url, ['mcp:read', 'mcp:write']);
  second.addResourceServer(url, ['mcp:read', 'mcp:write']);
  const mcp = mountMcpResource(app, {
    url,
    check: createAccessTokenCheck(url, () => [{ issuer: current.issuer, jwksUri: current.jwksUri }]),
    metadata: () => ({
      resource: url,
      authorization_servers: [current.issuer],
      scopes_supported: ['mcp:read'],
      resource_name: 'Latchkey test MCP server (moving authorization server)',
    }),
  });
  return {
    url,
    resourceMetadataUrl: mcp.resourceMetadataUrl ?? '',
    first,
    second,
    get currentIssuer() {
      return current.issuer;
    },
    mcp,
    moveToSecond: () => {
      current = second;
    },
    close: async () => {
      await Promise.all([listener.close(), second.close()]);
    },
  };
}
