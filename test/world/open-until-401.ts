/**
 * An MCP server that lets some calls through without a token (protocol.md T9): MCP SDK v1
 * Streamable HTTP (stateless, JSON responses) at `/mcp` on 127.0.0.1. `initialize`,
 * notifications and `tools/list` pass unauthenticated; anything else (a `tools/call`) without a
 * valid token of the world AS is refused with
 *   401 WWW-Authenticate: Bearer error="invalid_token", scope="notes:read", resource_metadata="…"
 * and a token lacking the tool's scope gets 403 insufficient_scope naming it (a step-up).
 *
 *   const open = await startOpenUntil401Server(world);   // registers notes:read + notes:write at world.as
 *   await wallet.connect({ url: open.url });              // stored as open: no metadata read, nobody signs in
 *   open.counters                                         // { unauthenticated, challenged, metadataReads, toolCalls }
 *   await open.close();                                   // (world.close() does not close it)
 *
 * Tools: `read_note` needs notes:read; `write_note` { text } needs notes:read and notes:write.
 * Its metadata advertises both scopes (`scopes_supported`), so a client that signs in up front
 * with them is told apart from one that asks for the challenge's scope.
 */
import type { NextFunction, Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { TestAuthorizationServer } from './authorization-server.js';
import { listenOnLoopback } from './http.js';

export const NOTES_READ = 'notes:read';
export const NOTES_WRITE = 'notes:write';
const TOOL_SCOPES: Readonly<Record<string, readonly string[]>> = { read_note: [NOTES_READ], write_note: [NOTES_READ, NOTES_WRITE] };
/** What passes without a token (server/discover too: this 2025 server answers it with method-not-found, as such servers do). */
const OPEN_METHODS = new Set(['initialize', 'tools/list', 'ping', 'server/discover']);

export interface OpenUntil401Counters {
  /** Requests answered without a token. */
  unauthenticated: number;
  /** 401 answers. */
  challenged: number;
  /** Reads of its protected resource metadata. */
  metadataReads: number;
  /** Successful tool calls by name. */
  toolCalls: Record<string, number>;
}

export interface OpenUntil401Server {
  /** Canonical resource URL, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly resourceMetadataUrl: string;
  readonly counters: OpenUntil401Counters;
  close(): Promise<void>;
}

const message = z.object({ method: z.string(), params: z.object({ name: z.string().optional() }).passthrough().optional() }).passthrough();

export async function startOpenUntil401Server(world: { as: TestAuthorizationServer }): Promise<OpenUntil401Server> {
  const { as } = world;
  const counters: OpenUntil401Counters = { unauthenticated: 0, challenged: 0, metadataReads: 0, toolCalls: {} };
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  app.disable('x-powered-by');
  const listener = await listenOnLoopback(app);
  const url = `${listener.origin}/mcp`;
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(url));
  as.addResourceServer(url, [NOTES_READ, NOTES_WRITE]);
  const jwks = createRemoteJWKSet(new URL(as.jwksUri));
  const scopesOf = async (authorization: string | undefined): Promise<string[] | undefined> => {
    if (authorization?.startsWith('Bearer ') !== true) return undefined;
    try {
      const { payload } = await jwtVerify(authorization.slice('Bearer '.length), jwks, { issuer: as.issuer, audience: url, typ: 'at+jwt' });
      return typeof payload.scope === 'string' ? payload.scope.split(' ').filter((s) => s !== '') : [];
    } catch {
      return undefined;
    }
  };

  const metadataPath = new URL(resourceMetadataUrl).pathname;
  app.use(metadataPath, (_req, _res, next) => {
    counters.metadataReads += 1;
    next();
  });
  app.use(metadataPath, metadataHandler({ resource: url, authorization_servers: [as.issuer], scopes_supported: [NOTES_READ, NOTES_WRITE], resource_name: 'Latchkey test notes server (open until 401)' }));
  app.use('/mcp', (req: Request, res: Response, next: NextFunction) => {
    void guard(req, res, next);
  });

  async function guard(req: Request, res: Response, next: NextFunction): Promise<void> {
    const messages = (Array.isArray(req.body) ? req.body : [req.body]).map((m: unknown) => message.safeParse(m)).flatMap((m) => (m.success ? [m.data] : []));
    const needed = [...new Set(messages.flatMap((m) => (OPEN_METHODS.has(m.method) || m.method.startsWith('notifications/') ? [] : (TOOL_SCOPES[m.params?.name ?? ''] ?? [NOTES_READ]))))];
    if (needed.length === 0) {
      counters.unauthenticated += 1;
      next();
      return;
    }
    const granted = await scopesOf(req.headers.authorization);
    if (granted === undefined) {
      counters.challenged += 1;
      res.set('WWW-Authenticate', `Bearer error="invalid_token", scope="${needed.length === 0 ? NOTES_READ : needed[0]}", resource_metadata="${resourceMetadataUrl}"`);
      res.status(401).json({ error: 'invalid_token', error_description: 'This call needs a sign-in.' });
      return;
    }
    const missing = needed.filter((scope) => !granted.includes(scope));
    if (missing.length > 0) {
      res.set('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${missing.join(' ')}", resource_metadata="${resourceMetadataUrl}"`);
      res.status(403).json({ error: 'insufficient_scope', error_description: `This call needs ${missing.join(' ')}` });
      return;
    }
    next();
  }

  app.all('/mcp', async (req, res) => {
    const mcp = createNotesServer(counters);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });

  return { url, resourceMetadataUrl, counters, close: () => listener.close() };
}

function createNotesServer(counters: OpenUntil401Counters): McpServer {
  const mcp = new McpServer({ name: 'latchkey-test-open-notes', version: '1.0.0' });
  const notes: string[] = [];
  const count = (tool: string): void => {
    counters.toolCalls[tool] = (counters.toolCalls[tool] ?? 0) + 1;
  };
  mcp.registerTool('read_note', { description: 'Reads the notes. Needs notes:read.' }, () => {
    count('read_note');
    return { content: [{ type: 'text', text: notes.join('\n') }] };
  });
  mcp.registerTool('write_note', { description: 'Writes a note. Needs notes:read and notes:write.', inputSchema: { text: z.string() } }, ({ text }) => {
    count('write_note');
    notes.push(text);
    return { content: [{ type: 'text', text: `wrote ${text}` }] };
  });
  return mcp;
}
