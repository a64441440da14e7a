/**
 * A 2025-era MCP resource for the world's variant servers: MCP SDK 1.x Streamable HTTP
 * (stateless, JSON responses) at `/mcp` on an express app the caller owns, behind the SDK's
 * requireBearerAuth with an access-tokens.ts check (the trusted issuers may change at run time).
 * Protected resource metadata is optional: without it (a 2025-03-26 server) the 401 challenge
 * names no `resource_metadata`.
 *
 * Tools: `echo` { text } and `whoami` (sub, scope, iss), both needing `requiredScope`.
 */
import express, { type Express } from 'express';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { VerifiedAccessToken } from './access-tokens.js';

export interface ResourceCounters {
  /** Every request to /mcp. */
  requests: number;
  unauthorized: number;
  /** Successful tool calls by name. */
  toolCalls: Record<string, number>;
}

export interface McpResourceOptions {
  /** Canonical resource URL (`<origin>/mcp`). */
  url: string;
  check(token: string): Promise<VerifiedAccessToken>;
  /** The scope every request needs (default mcp:read). */
  requiredScope?: string;
  /** Protected resource metadata, read on every request (it may change); omit for none. */
  metadata?: () => Record<string, unknown>;
}

export interface McpResource {
  readonly counters: ResourceCounters;
  /** The path-aware PRM URL when metadata is served, else undefined. */
  readonly resourceMetadataUrl: string | undefined;
}

/** Adds the PRM route (if any) and `/mcp` to `app`. */
export function mountMcpResource(app: Express, options: McpResourceOptions): McpResource {
  const counters: ResourceCounters = { requests: 0, unauthorized: 0, toolCalls: {} };
  const requiredScope = options.requiredScope ?? 'mcp:read';
  const metadata = options.metadata;
  const resourceMetadataUrl = metadata === undefined ? undefined : getOAuthProtectedResourceMetadataUrl(new URL(options.url));
  if (metadata !== undefined && resourceMetadataUrl !== undefined) {
    app.get(new URL(resourceMetadataUrl).pathname, (_req, res) => {
      res.set('cache-control', 'no-store').json(metadata());
    });
  }
  const verifier: OAuthTokenVerifier = {
    verifyAccessToken: async (token) => {
      const verified = await options.check(token).catch((error: unknown) => {
        throw new InvalidTokenError(error instanceof Error ? error.message : 'The access token is not valid.');
      });
      return {
        token,
        clientId: verified.clientId,
        scopes: verified.scopes,
        ...(verified.expiresAt === undefined ? {} : { expiresAt: verified.expiresAt }),
        resource: new URL(options.url),
        extra: { sub: verified.payload.sub, iss: verified.payload.iss },
      };
    },
  };
  app.use('/mcp', (_req, res, next) => {
    counters.requests += 1;
    res.on('finish', () => {
      if (res.statusCode === 401) counters.unauthorized += 1;
    });
    next();
  });
  app.use(
    '/mcp',
    express.json(),
    requireBearerAuth({
      verifier,
      requiredScopes: [requiredScope],
      expectedResource: new URL(options.url),
      ...(resourceMetadataUrl === undefined ? {} : { resourceMetadataUrl }),
    }),
  );
  app.all('/mcp', async (req, res) => {
    const server = new McpServer({ name: 'latchkey-test-world-variant', version: '1.0.0' });
    const count = (tool: string): void => {
      counters.toolCalls[tool] = (counters.toolCalls[tool] ?? 0) + 1;
    };
    server.registerTool('echo', { description: `Returns the text it is given. Needs ${requiredScope}.`, inputSchema: { text: z.string() } }, ({ text }) => {
      count('echo');
      return { content: [{ type: 'text', text }] };
    });
    server.registerTool('whoami', { description: 'Returns sub, scope and iss of the access token.' }, () => {
      count('whoami');
      const claims = { sub: req.auth?.extra?.sub, scope: req.auth?.scopes.join(' ') ?? '', iss: req.auth?.extra?.iss };
      return { content: [{ type: 'text', text: JSON.stringify(claims) }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  return { counters, resourceMetadataUrl };
}
