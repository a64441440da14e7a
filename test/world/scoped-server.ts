/**
 * A scope-demanding MCP server for step-up tests (protocol.md T3): MCP SDK Streamable
 * HTTP (stateless, JSON responses) at `/mcp` on 127.0.0.1, behind the SDK's requireBearerAuth
 * with the world AS's JWT access tokens (issuer, audience = this server, typ at+jwt).
 *
 *   const world = await startWorld();
 *   const files = await startScopedServer(world);   // registers files:read + files:write at world.as
 *   await wallet.connect(files.url);                // PRM advertises files:read only → the connection gets files:read
 *   // An agent calls `write_file` through `latchkey mcp`:
 *   //   403 WWW-Authenticate: Bearer error="insufficient_scope", scope="files:write", resource_metadata="…"
 *   // → step-up approval (currentScopes [files:read], scopes [files:read, files:write]) → approve
 *   // → re-authorization in world.opener's Chromium (login + consent for files:write) → the retried call succeeds.
 *   files.written          // [{ name, text }] stored by write_file, in order
 *   files.counters         // { requests, forbidden, toolCalls }
 *   await files.close();   // (world.close() does not close it)
 *
 * Tools: `list_files` needs files:read (every request does); `write_file` { name, text } also
 * needs files:write and answers "wrote <name>". The 403 names only the missing scope, as servers
 * often do: the client asks for the union of what it holds and that.
 */
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { TestAuthorizationServer } from './authorization-server.js';
import { listenOnLoopback } from './http.js';

export const FILES_READ = 'files:read';
export const FILES_WRITE = 'files:write';
/** Scopes each tool needs. */
export const FILE_TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = {
  list_files: [FILES_READ],
  write_file: [FILES_READ, FILES_WRITE],
};

export interface ScopedServerOptions {
  /** PRM `scopes_supported`, i.e. what a plain `connect` asks for. Default [files:read]. */
  advertised?: readonly string[];
  /** The scopes the AS may grant for this resource. Default [files:read, files:write]. */
  offered?: readonly string[];
}

export interface ScopedServerCounters {
  /** Every request to /mcp. */
  requests: number;
  /** 403 insufficient_scope answers. */
  forbidden: number;
  /** Successful tool calls by name. */
  toolCalls: Record<string, number>;
}

export interface ScopedServer {
  /** Canonical resource URL, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly resourceMetadataUrl: string;
  readonly counters: ScopedServerCounters;
  /** What write_file stored, in order. */
  readonly written: ReadonlyArray<{ name: string; text: string }>;
  close(): Promise<void>;
}

export async function startScopedServer(world: { as: TestAuthorizationServer }, options: ScopedServerOptions = {}): Promise<ScopedServer> {
  const { as } = world;
  const counters: ScopedServerCounters = { requests: 0, forbidden: 0, toolCalls: {} };
  const written: Array<{ name: string; text: string }> = [];
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  app.disable('x-powered-by');
  const listener = await listenOnLoopback(app);
  const url = `${listener.origin}/mcp`;
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(url));
  as.addResourceServer(url, options.offered ?? [FILES_READ, FILES_WRITE]);

  const jwks = createRemoteJWKSet(new URL(as.jwksUri));
  const verifier: OAuthTokenVerifier = {
    verifyAccessToken: async (token) => {
      const payload = await jwtVerify(token, jwks, { issuer: as.issuer, audience: url, typ: 'at+jwt' })
        .then((result) => result.payload)
        .catch(() => {
          throw new InvalidTokenError('The access token is not valid for this server.');
        });
      return {
        token,
        clientId: typeof payload.client_id === 'string' ? payload.client_id : '',
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s !== '') : [],
        ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
        resource: new URL(url),
      };
    },
  };

  app.use(
    new URL(resourceMetadataUrl).pathname,
    metadataHandler({ resource: url, authorization_servers: [as.issuer], scopes_supported: [...(options.advertised ?? [FILES_READ])], resource_name: 'Latchkey test files server' }),
  );
  app.use('/mcp', (_req, res, next) => {
    counters.requests += 1;
    res.on('finish', () => {
      if (res.statusCode === 403) counters.forbidden += 1;
    });
    next();
  });
  app.use('/mcp', requireBearerAuth({ verifier, requiredScopes: [FILES_READ], expectedResource: new URL(url), resourceMetadataUrl }));
  app.use('/mcp', requireToolScopes(resourceMetadataUrl));
  app.all('/mcp', async (req, res) => {
    const mcp = createFilesServer(counters, written);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  return { url, resourceMetadataUrl, counters, written, close: () => listener.close() };
}

const toolCall = z.object({ method: z.literal('tools/call'), params: z.object({ name: z.string() }) });

/** A tools/call whose scopes the token lacks: 403 naming only the missing scope. */
function requireToolScopes(resourceMetadataUrl: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const granted = new Set(req.auth?.scopes ?? []);
    const messages: unknown[] = Array.isArray(req.body) ? req.body : [req.body];
    for (const message of messages) {
      const call = toolCall.safeParse(message);
      if (!call.success) continue;
      const missing = (FILE_TOOL_SCOPES[call.data.params.name] ?? []).filter((scope) => !granted.has(scope));
      if (missing.length === 0) continue;
      res.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${missing.join(' ')}", resource_metadata="${resourceMetadataUrl}"`);
      res.status(403).json({ error: 'insufficient_scope', error_description: `The tool ${call.data.params.name} needs ${missing.join(' ')}` });
      return;
    }
    next();
  };
}

function createFilesServer(counters: ScopedServerCounters, written: Array<{ name: string; text: string }>): McpServer {
  const mcp = new McpServer({ name: 'latchkey-test-files', version: '1.0.0' });
  const count = (tool: string): void => {
    counters.toolCalls[tool] = (counters.toolCalls[tool] ?? 0) + 1;
  };
  mcp.registerTool('list_files', { description: 'Lists the files written so far. Needs files:read.' }, () => {
    count('list_files');
    return { content: [{ type: 'text', text: written.map((file) => file.name).join('\n') }] };
  });
  mcp.registerTool(
    'write_file',
    { description: 'Writes a file. Needs files:read and files:write.', inputSchema: { name: z.string(), text: z.string() } },
    ({ name, text }) => {
      count('write_file');
      written.push({ name, text });
      return { content: [{ type: 'text', text: `wrote ${name}` }] };
    },
  );
  return mcp;
}
