/**
 * A 2026-07-28-only MCP server: MCP SDK v2 `createMcpHandler(factory, { legacy: 'reject' })` (a
 * 2025 `initialize` gets HTTP 400 -32022 "Unsupported protocol version"), mounted on node:http
 * through web-bridge.ts, behind the SDK's `requireBearerAuth` with the world AS's JWT access
 * tokens (issuer, audience = this server, expiry, typ at+jwt; see access-tokens.ts). It serves
 * RFC 9728 protected resource metadata at the path-aware well-known URL.
 *
 *   const modern = await startMcpServer2026(world);   // registers the resource at world.as
 *   modern.url                 // http://127.0.0.1:<port>/mcp
 *   modern.counters            // { requests, unauthorized, forbidden, toolCalls, pageVisits }
 *   await modern.close();      // (world.close() does not close it)
 *
 * Tools: `echo` { text } and `whoami` need mcp:read (every request does); `write_note` { text }
 * also needs mcp:write: without it the SDK's scope challenge answers HTTP 403
 * `insufficient_scope` with `scope="mcp:read mcp:write"`. PRM advertises only mcp:read by
 * default, so a plain connect gets mcp:read and write_note needs a step-up. `open_page` asks for
 * URL elicitation the 2026 way: `input_required` with an `elicitation/create` url request and a
 * `requestState`, until retried with `inputResponses.page` (then "page: <action>"). The page
 * (`/page/<id>?redirect_uri=<origin>/finished`, no auth) counts visits and redirects to
 * `/finished`, where world.opener's browser flow ends. `ask_name` asks the agent for a name with a
 * form elicitation (`input_required`) and answers "hello <name>"; `count` { to } sends progress
 * 1..to for the call's progressToken and answers "counted <to>".
 */
import { randomUUID } from 'node:crypto';
import {
  createMcpHandler,
  getOAuthProtectedResourceMetadataUrl,
  hostHeaderValidationResponse,
  inputRequired,
  McpServer,
  OAuthError,
  OAuthErrorCode,
  requireBearerAuth,
  requireScopes,
  type AuthInfo,
  type OAuthTokenVerifier,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { AccessTokenRejected, createAccessTokenCheck } from './access-tokens.js';
import type { TestAuthorizationServer } from './authorization-server.js';
import { listenOnLoopback } from './http.js';
import { toNodeListener } from './web-bridge.js';

export const MODERN_READ = 'mcp:read';
export const MODERN_WRITE = 'mcp:write';

export interface McpServer2026Options {
  /** PRM `scopes_supported`, what a plain connect asks for. Default [mcp:read]. */
  advertised?: readonly string[];
  /** Scopes the AS may grant for this resource. Default [mcp:read, mcp:write]. */
  offered?: readonly string[];
}

export interface McpServer2026Counters {
  /** Every request to /mcp. */
  requests: number;
  unauthorized: number;
  forbidden: number;
  /** Successful (complete) tool calls by name. */
  toolCalls: Record<string, number>;
  /** Visits of `open_page`'s pages. */
  pageVisits: number;
  /** HTTP status of each /mcp answer, in order (400 for a 2025 request the server rejects). */
  statuses: number[];
}

export interface TestMcpServer2026 {
  /** Canonical resource URL, `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  readonly origin: string;
  readonly resourceMetadataUrl: string;
  readonly counters: McpServer2026Counters;
  /** Notes written by write_note, in order. */
  readonly notes: readonly string[];
  close(): Promise<void>;
}

export async function startMcpServer2026(world: { as: TestAuthorizationServer }, options: McpServer2026Options = {}): Promise<TestMcpServer2026> {
  const { as } = world;
  const counters: McpServer2026Counters = { requests: 0, unauthorized: 0, forbidden: 0, toolCalls: {}, pageVisits: 0, statuses: [] };
  const notes: string[] = [];
  let origin = '';
  let handle: (request: Request) => Promise<Response> = () => Promise.resolve(new Response(null, { status: 503 }));
  const listener = await listenOnLoopback(toNodeListener(() => origin, (request) => handle(request)));
  origin = listener.origin;
  const url = `${origin}/mcp`;
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(url));
  as.addResourceServer(url, options.offered ?? [MODERN_READ, MODERN_WRITE]);

  const check = createAccessTokenCheck(url, () => [{ issuer: as.issuer, jwksUri: as.jwksUri }]);
  const verifier: OAuthTokenVerifier = {
    verifyAccessToken: async (token): Promise<AuthInfo> => {
      const verified = await check(token).catch((error: unknown) => {
        throw new OAuthError(OAuthErrorCode.InvalidToken, error instanceof AccessTokenRejected ? error.message : 'The access token is not valid.');
      });
      return {
        token,
        clientId: verified.clientId,
        scopes: verified.scopes,
        ...(verified.expiresAt === undefined ? {} : { expiresAt: verified.expiresAt }),
        resource: new URL(url),
        extra: { sub: verified.payload.sub, aud: verified.payload.aud },
      };
    },
  };
  const gate = requireBearerAuth({ verifier, requiredScopes: [MODERN_READ], resourceMetadataUrl, expectedResource: new URL(url) });
  const mcp = createMcpHandler(({ authInfo }) => createModernToolServer(authInfo, { counters, notes, pageUrl: (id) => `${origin}/page/${id}?redirect_uri=${encodeURIComponent(`${origin}/finished`)}` }), {
    legacy: 'reject',
  });
  const metadata = {
    resource: url,
    authorization_servers: [as.issuer],
    scopes_supported: [...(options.advertised ?? [MODERN_READ])],
    bearer_methods_supported: ['header'],
    resource_name: 'Latchkey test MCP server (2026-07-28 only)',
  };

  handle = async (request) => {
    const badHost = hostHeaderValidationResponse(request, ['127.0.0.1']);
    if (badHost !== undefined) return badHost;
    const path = new URL(request.url).pathname;
    if (path === new URL(resourceMetadataUrl).pathname) return Response.json(metadata, { headers: { 'cache-control': 'no-store' } });
    if (path.startsWith('/page/')) {
      counters.pageVisits += 1;
      return new Response(null, { status: 302, headers: { location: `${origin}/finished` } });
    }
    if (path === '/finished') return new Response('<p>Done. You can close this page.</p>', { headers: { 'content-type': 'text/html' } });
    if (path !== '/mcp') return new Response('not found', { status: 404 });
    counters.requests += 1;
    const auth = await gate(request);
    const response = auth instanceof Response ? auth : await mcp.fetch(request, { authInfo: auth });
    counters.statuses.push(response.status);
    if (response.status === 401) counters.unauthorized += 1;
    if (response.status === 403) counters.forbidden += 1;
    return response;
  };

  return {
    url,
    origin,
    resourceMetadataUrl,
    counters,
    notes,
    close: async () => {
      await mcp.close();
      await listener.close();
    },
  };
}

interface ModernToolState {
  counters: McpServer2026Counters;
  notes: string[];
  pageUrl(id: string): string;
}

function createModernToolServer(auth: AuthInfo | undefined, state: ModernToolState): McpServer {
  const server = new McpServer({ name: 'latchkey-test-world-2026', version: '1.0.0' });
  const count = (tool: string): void => {
    state.counters.toolCalls[tool] = (state.counters.toolCalls[tool] ?? 0) + 1;
  };
  server.registerTool('echo', { description: 'Returns the text it is given. Needs mcp:read.', inputSchema: z.object({ text: z.string() }) }, ({ text }) => {
    count('echo');
    return { content: [{ type: 'text', text }] };
  });
  server.registerTool('whoami', { description: 'Returns sub, scope and client_id of the access token. Needs mcp:read.' }, () => {
    count('whoami');
    const claims = { sub: auth?.extra?.sub, scope: auth?.scopes.join(' ') ?? '', client_id: auth?.clientId };
    return { content: [{ type: 'text', text: JSON.stringify(claims) }] };
  });
  server.registerTool(
    'write_note',
    {
      description: 'Stores a note. Needs mcp:read and mcp:write.',
      inputSchema: z.object({ text: z.string() }),
      scopeChallenge: requireScopes(MODERN_READ, MODERN_WRITE),
    },
    ({ text }) => {
      count('write_note');
      state.notes.push(text);
      return { content: [{ type: 'text', text: `stored note ${state.notes.length}` }] };
    },
  );
  server.registerTool('ask_name', { description: 'Asks the agent for a name (form elicitation as input_required), then greets it.' }, (ctx) => {
    const answer = z.object({ action: z.string(), content: z.object({ name: z.string() }).optional() }).safeParse(ctx.mcpReq.inputResponses?.name);
    if (answer.success) {
      count('ask_name');
      return { content: [{ type: 'text', text: answer.data.action === 'accept' ? `hello ${answer.data.content?.name ?? ''}` : `(${answer.data.action})` }] };
    }
    const requestedSchema = { type: 'object' as const, properties: { name: { type: 'string' as const } }, required: ['name'] };
    return inputRequired({ inputRequests: { name: inputRequired.elicit({ message: 'Your name?', requestedSchema }) }, requestState: randomUUID() });
  });
  server.registerTool('count', { description: 'Sends progress 1..to for the call, then answers.', inputSchema: z.object({ to: z.number().int().min(1).max(5) }) }, async ({ to }, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    for (let progress = 1; progress <= to && progressToken !== undefined; progress += 1) {
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: to } });
    }
    count('count');
    return { content: [{ type: 'text', text: `counted ${to}` }] };
  });
  server.registerTool('open_page', { description: 'Asks the user to open a page (URL elicitation), then reports the answer.' }, (ctx) => {
    const answer = z.object({ action: z.string() }).safeParse(ctx.mcpReq.inputResponses?.page);
    if (answer.success && typeof ctx.mcpReq.requestState() === 'string') {
      count('open_page');
      return { content: [{ type: 'text', text: `page: ${answer.data.action}` }] };
    }
    const id = randomUUID();
    return inputRequired({
      inputRequests: { page: inputRequired.elicitUrl({ message: 'Open the example page to continue.', url: state.pageUrl(id) }) },
      requestState: id,
    });
  });
  return server;
}
