/**
 * Real MCP servers of both protocol eras for the probe's tests, served on an HttpFixture route
 * (so every request is recorded):
 *
 * - modern: MCP SDK v2 `createMcpHandler(factory, { legacy: 'reject' })`, a 2026-07-28-only
 *   server; optionally behind the SDK's `requireBearerAuth` (every token refused).
 * - legacy: MCP SDK v1 Streamable HTTP, a 2025 server, sessionful or stateless, JSON or SSE answers.
 */
import { McpServer as ModernMcpServer, OAuthError, OAuthErrorCode, createMcpHandler, requireBearerAuth } from '@modelcontextprotocol/server';
import { McpServer as LegacyMcpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { HttpFixture } from '../../../fakes/http-fixture.js';

export type WebHandler = (request: Request) => Promise<Response>;

/** Serves `handler` at `path` of the fixture. */
export function serveWeb(fx: HttpFixture, path: string, handler: WebHandler): void {
  fx.route(path, async (recorded, res) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(recorded.headers)) {
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) headers.append(name, one);
    }
    const hasBody = recorded.method !== 'GET' && recorded.method !== 'HEAD' && recorded.body !== '';
    const response = await handler(new Request(new URL(recorded.path, fx.origin), { method: recorded.method, headers, ...(hasBody ? { body: recorded.body } : {}) }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
}

/** A 2026-07-28-only server; with `resourceMetadataUrl`, every request needs a token (none is accepted). */
export function modernServer(options: { resourceMetadataUrl?: string } = {}): WebHandler {
  const handler = createMcpHandler(
    () => {
      const server = new ModernMcpServer({ name: 'modern-only', version: '1.0.0' });
      server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: 'text', text }] }));
      return server;
    },
    { legacy: 'reject' },
  );
  const { resourceMetadataUrl } = options;
  if (resourceMetadataUrl === undefined) return (request) => handler.fetch(request);
  const auth = requireBearerAuth({
    verifier: { verifyAccessToken: () => Promise.reject(new OAuthError(OAuthErrorCode.InvalidToken, 'No token is accepted here.')) },
    resourceMetadataUrl,
  });
  return async (request) => {
    const checked = await auth(request);
    return checked instanceof Response ? checked : handler.fetch(request, { authInfo: checked });
  };
}

/** A 2025 server on the v1 SDK, without auth. Sessionful servers keep their sessions in `sessions`. */
export function legacyServer(options: { sessionful: boolean; json: boolean }): WebHandler & { sessions: Map<string, WebStandardStreamableHTTPServerTransport> } {
  const sessions = new Map<string, WebStandardStreamableHTTPServerTransport>();
  const connect = async (): Promise<WebStandardStreamableHTTPServerTransport> => {
    const server = new LegacyMcpServer({ name: 'legacy', version: '1.0.0' });
    server.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
    const transport = new WebStandardStreamableHTTPServerTransport({
      enableJsonResponse: options.json,
      ...(options.sessionful
        ? {
            sessionIdGenerator: () => randomUUID(),
            onsessioninitialized: (id: string) => void sessions.set(id, transport),
            onsessionclosed: (id: string) => void sessions.delete(id),
          }
        : { sessionIdGenerator: undefined }),
    });
    await server.connect(transport);
    return transport;
  };
  const handle = async (request: Request): Promise<Response> => {
    const id = request.headers.get('mcp-session-id');
    const transport = (id === null ? undefined : sessions.get(id)) ?? (await connect());
    return transport.handleRequest(request);
  };
  return Object.assign(handle, { sessions });
}
