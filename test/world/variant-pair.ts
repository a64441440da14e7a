/**
 * A variant authorization server (variant-provider.ts) on its own origin with an MCP server
 * (resource-server.ts) on another whose protected resource metadata names it: the shape of a
 * modern deployment, with one provider quirk switched on. slow-as.ts, no-resource-as.ts and
 * exact-port-as.ts are thin wrappers around this.
 */
import express from 'express';
import { createAccessTokenCheck } from './access-tokens.js';
import { listenOnLoopback } from './http.js';
import { mountMcpResource, type McpResource } from './resource-server.js';
import { mountVariantProvider, type VariantProvider, type VariantProviderOptions } from './variant-provider.js';

export interface VariantPair {
  /** The MCP server, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly resourceMetadataUrl: string;
  /** The AS issuer, `http://127.0.0.1:<other port>`. */
  readonly issuer: string;
  readonly as: VariantProvider;
  readonly mcp: McpResource;
  close(): Promise<void>;
}

export async function startVariantPair(quirks: Omit<VariantProviderOptions, 'issuer' | 'defaultResource'>, resourceName: string): Promise<VariantPair> {
  const asApp = express();
  asApp.disable('x-powered-by');
  const mcpApp = express();
  mcpApp.disable('x-powered-by');
  const [asListener, mcpListener] = await Promise.all([listenOnLoopback(asApp), listenOnLoopback(mcpApp)]);
  const url = `${mcpListener.origin}/mcp`;
  const as = mountVariantProvider(asApp, { ...quirks, issuer: asListener.origin, defaultResource: url });
  as.addResourceServer(url, ['mcp:read', 'mcp:write']);
  const mcp = mountMcpResource(mcpApp, {
    url,
    check: createAccessTokenCheck(url, () => [{ issuer: as.issuer, jwksUri: as.jwksUri }]),
    metadata: () => ({ resource: url, authorization_servers: [as.issuer], scopes_supported: ['mcp:read'], resource_name: resourceName }),
  });
  return {
    url,
    resourceMetadataUrl: mcp.resourceMetadataUrl ?? '',
    issuer: as.issuer,
    as,
    mcp,
    close: async () => {
      await Promise.all([asListener.close(), mcpListener.close()]);
    },
  };
}
