/**
 * Real MCP SDK servers (1.32.2, low-level `Server` + stateful StreamableHTTPServerTransport with
 * SSE responses) that ask the client to open URLs (protocol.md E1–E2), on 127.0.0.1.
 *
 *   const server = await startElicitationServer();            // or { auth: { issuer, jwksUri } }
 *   server.url                 // http://127.0.0.1:<port>/mcp
 *   server.counts              // live counters (below)
 *   server.pageUrl('x')        // a counting page: GET /page/x counts the visit and "finishes" x
 *                              // (options.browserFlow: it then redirects to /finished, for world.opener)
 *   await server.nextPageVisit()   // resolves with the id of the next page visited
 *   await server.sendCompletion('unknown-id')   // B14: a completion for any id, to every session
 *   await server.close()
 *
 * Tools:
 *   - `open_page` (E1, 2025-11-25): sends `elicitation/create` mode url (server.elicitInput, on the
 *     call's stream) for a fresh counting page and reports the action: "action: accept".
 *   - `guarded_page` (E1, -32042): throws UrlElicitationRequiredError for the session's page until
 *     that page was visited, then answers "guarded: done". A visit sends
 *     `notifications/elicitation/complete` on the session's GET stream (unless notifyCompletion
 *     is false, so only a retry finds the page done).
 *   - `input_page` (E2, 2026-07-28 style, hand-rolled): answers
 *     `{ resultType: "input_required", inputRequests: { page: elicitation/create url }, requestState }`
 *     until called again with `inputResponses.page` and that `requestState`; then answers
 *     "input: <action>". With argument `{ form: true }` it also asks for a form entry `name`
 *     (answered by the agent): "input: <action>, name: <name>".
 *
 * Counting pages: a visit is what the browser does when the wallet opens the URL, so a test sees
 * 0 visits before the user's click and exactly one after it (E9).
 */
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { metadataHandler } from '@modelcontextprotocol/sdk/server/auth/handlers/metadata.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ListToolsRequestSchema, UrlElicitationRequiredError, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { listenOnLoopback } from './http.js';

export interface ElicitationServerAuth {
  /** The AS issuer the JWT access tokens must come from (world.issuer). */
  issuer: string;
  /** Default `${issuer}/jwks`. */
  jwksUri?: string;
  /** Scopes every request needs and PRM `scopes_supported` (default mcp:read). */
  scopes?: readonly string[];
}

export interface ElicitationServerOptions {
  /** Behind bearer auth with PRM, like the world's MCP server (register the URL with world.as.addResourceServer). */
  auth?: ElicitationServerAuth;
  /** Send notifications/elicitation/complete when a guarded page is visited (default true). */
  notifyCompletion?: boolean;
  /**
   * For the world's BrowserOpener (which follows a page until it reaches its `redirect_uri`): page
   * URLs carry `?redirect_uri=<origin>/finished` and a visit answers 302 to it, so the browser's
   * flow ends cleanly. Default false (plain page URLs).
   */
  browserFlow?: boolean;
}

export interface ElicitationCounts {
  /** Visits of each counting page, by id. */
  pageVisits: Record<string, number>;
  totalPageVisits: number;
  /** tools/call requests by tool name (also those answered with -32042 or input_required). */
  toolCalls: Record<string, number>;
  /** The actions `open_page` got back, in order. */
  actions: Array<ElicitResult['action']>;
  /** `input_page` calls that carried inputResponses: what they carried. */
  inputRetries: Array<{ inputResponses: unknown; requestState: unknown }>;
  /** Completion notifications sent, by elicitation id. */
  completionsSent: string[];
  /** The client capabilities each session declared in initialize. */
  clientCapabilities: unknown[];
  /** Every request to /mcp. */
  requests: number;
}

export interface ElicitationServer {
  /** `http://127.0.0.1:<port>/mcp` (the resource, when behind auth). */
  readonly url: string;
  readonly origin: string;
  readonly counts: ElicitationCounts;
  pageUrl(id: string): string;
  /** Resolves with the id of the next page visited. */
  nextPageVisit(): Promise<string>;
  /** Resolves once some session has its GET (standalone SSE) stream open. */
  waitForGetStream(): Promise<void>;
  /** Sends notifications/elicitation/complete for `id` to every session (B14: ids the server never used). */
  sendCompletion(id: string): Promise<void>;
  close(): Promise<void>;
}

const PAGE_KEY = 'page';
const DONE_PAGE = '<!doctype html><title>Done</title><p>You can close this page.</p>';
const FORM_KEY = 'name';

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  /** The `guarded_page` elicitation of this session. */
  guardedId?: string;
}

const CallSchema = z.object({
  method: z.literal('tools/call'),
  params: z.looseObject({ name: z.string(), arguments: z.record(z.string(), z.unknown()).optional() }),
});

export async function startElicitationServer(options: ElicitationServerOptions = {}): Promise<ElicitationServer> {
  const counts: ElicitationCounts = {
    pageVisits: {},
    totalPageVisits: 0,
    toolCalls: {},
    actions: [],
    inputRetries: [],
    completionsSent: [],
    clientCapabilities: [],
    requests: 0,
  };
  const sessions = new Map<string, Session>();
  /** guarded elicitation id → its session and whether the page was visited. */
  const guarded = new Map<string, { session: Session; done: boolean }>();
  const requestStates = new Set<string>();
  const visitWaiters: Array<(id: string) => void> = [];
  let getStreamOpened: () => void = () => undefined;
  const getStream = new Promise<void>((resolve) => (getStreamOpened = resolve));

  const app = createMcpExpressApp({ host: '127.0.0.1' });
  app.disable('x-powered-by');
  const listener = await listenOnLoopback(app);
  const url = `${listener.origin}/mcp`;
  const finishedUrl = `${listener.origin}/finished`;
  const pageUrl = (id: string): string =>
    `${listener.origin}/page/${encodeURIComponent(id)}` + (options.browserFlow === true ? `?redirect_uri=${encodeURIComponent(finishedUrl)}` : '');

  const complete = async (session: Session, id: string): Promise<void> => {
    counts.completionsSent.push(id);
    await session.server.createElicitationCompletionNotifier(id)().catch(() => undefined);
  };

  app.get('/page/:id', (req: Request, res: Response) => {
    const id = String(req.params['id']);
    counts.pageVisits[id] = (counts.pageVisits[id] ?? 0) + 1;
    counts.totalPageVisits += 1;
    if (options.browserFlow === true) res.redirect(302, finishedUrl);
    else res.type('text/html').send(DONE_PAGE);
    const entry = guarded.get(id);
    if (entry !== undefined && !entry.done) {
      entry.done = true;
      if (options.notifyCompletion !== false) void complete(entry.session, id);
    }
    for (const wake of visitWaiters.splice(0)) wake(id);
  });

  app.get('/finished', (_req: Request, res: Response) => void res.type('text/html').send(DONE_PAGE));

  if (options.auth !== undefined) protect(app, url, options.auth);
  app.use('/mcp', (_req, _res, next) => {
    counts.requests += 1;
    next();
  });
  app.all('/mcp', async (req: Request, res: Response) => {
    const sessionId = req.header('mcp-session-id');
    let session = sessionId === undefined ? undefined : sessions.get(sessionId);
    if (session === undefined) {
      if (sessionId !== undefined) {
        res.status(404).json({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } });
        return;
      }
      const created: Session = {
        server: new Server({ name: 'latchkey-elicitation-server', version: '1.0.0' }, { capabilities: { tools: {} } }),
        transport: new StreamableHTTPServerTransport({
          sessionIdGenerator: () => randomUUID(),
          onsessioninitialized: (id) => void sessions.set(id, created),
          onsessionclosed: (id) => void sessions.delete(id),
        }),
      };
      created.server.oninitialized = () => counts.clientCapabilities.push(created.server.getClientCapabilities());
      registerTools(created);
      await created.server.connect(created.transport);
      session = created;
    }
    if (req.method === 'GET') getStreamOpened();
    await session.transport.handleRequest(req, res, req.body);
  });

  function registerTools(session: Session): void {
    const { server } = session;
    server.setRequestHandler(ListToolsRequestSchema, () => ({
      tools: [
        { name: 'open_page', description: 'Asks the user to open a page (URL elicitation) and reports the action.', inputSchema: { type: 'object' } },
        { name: 'guarded_page', description: 'Fails with -32042 until the user visited a page.', inputSchema: { type: 'object' } },
        { name: 'input_page', description: 'Answers input_required until retried with the answers.', inputSchema: { type: 'object' } },
      ],
    }));
    server.setRequestHandler(CallSchema, async (request, extra) => {
      const { name } = request.params;
      counts.toolCalls[name] = (counts.toolCalls[name] ?? 0) + 1;
      if (name === 'open_page') {
        const id = randomUUID();
        const result = await server.elicitInput(
          { mode: 'url', elicitationId: id, url: pageUrl(id), message: 'Sign in to the example service to continue.' },
          { relatedRequestId: extra.requestId },
        );
        counts.actions.push(result.action);
        return text(`action: ${result.action}`);
      }
      if (name === 'guarded_page') {
        session.guardedId ??= randomUUID();
        const id = session.guardedId;
        if (!guarded.has(id)) guarded.set(id, { session, done: false });
        if (guarded.get(id)?.done !== true) {
          throw new UrlElicitationRequiredError([{ mode: 'url', elicitationId: id, url: pageUrl(id), message: 'Link your account first.' }]);
        }
        return text('guarded: done');
      }
      if (name === 'input_page') return answerInputPage(request.params);
      return { content: [{ type: 'text', text: `unknown tool ${name}` }], isError: true };
    });
  }

  function answerInputPage(params: z.infer<typeof CallSchema>['params']): Record<string, unknown> {
    const withForm = params.arguments?.['form'] === true;
    const responses = params['inputResponses'];
    const state = params['requestState'];
    if (responses !== undefined) counts.inputRetries.push({ inputResponses: responses, requestState: state });
    const answers = typeof responses === 'object' && responses !== null ? (responses as Record<string, { action?: string; content?: Record<string, unknown> }>) : {};
    const page = answers[PAGE_KEY];
    const form = answers[FORM_KEY];
    if (typeof state === 'string' && requestStates.has(state) && page !== undefined && (!withForm || form !== undefined)) {
      requestStates.delete(state);
      return text(`input: ${page.action ?? '?'}` + (withForm ? `, name: ${String(form?.content?.['name'] ?? form?.action)}` : ''));
    }
    const requestState = randomUUID();
    requestStates.add(requestState);
    return {
      content: [],
      resultType: 'input_required',
      inputRequests: {
        [PAGE_KEY]: { method: 'elicitation/create', params: { mode: 'url', url: pageUrl(requestState), message: 'Approve the payment on the example page.' } },
        ...(withForm
          ? {
              [FORM_KEY]: {
                method: 'elicitation/create',
                params: { mode: 'form', message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
              },
            }
          : {}),
      },
      requestState,
    };
  }

  return {
    url,
    origin: listener.origin,
    counts,
    pageUrl,
    nextPageVisit: () => new Promise<string>((resolve) => visitWaiters.push(resolve)),
    waitForGetStream: () => getStream,
    sendCompletion: async (id) => {
      for (const session of sessions.values()) await complete(session, id);
    },
    close: async () => {
      for (const { transport } of sessions.values()) await transport.close().catch(() => undefined);
      await listener.close();
    },
  };
}

function text(value: string): { content: Array<{ type: 'text'; text: string }> } {
  return { content: [{ type: 'text', text: value }] };
}

/** Bearer auth with JWTs from the world's AS (audience = this server) and path-aware PRM. */
function protect(app: ReturnType<typeof createMcpExpressApp>, url: string, auth: ElicitationServerAuth): void {
  const scopes = [...(auth.scopes ?? ['mcp:read'])];
  const jwks = createRemoteJWKSet(new URL(auth.jwksUri ?? `${auth.issuer}/jwks`));
  const resourceMetadataUrl = getOAuthProtectedResourceMetadataUrl(new URL(url));
  const verifier: OAuthTokenVerifier = {
    verifyAccessToken: async (token) => {
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: auth.issuer, audience: url, typ: 'at+jwt' });
        return {
          token,
          clientId: typeof payload['client_id'] === 'string' ? payload['client_id'] : '',
          scopes: typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter((s) => s !== '') : [],
          ...(payload.exp === undefined ? {} : { expiresAt: payload.exp }),
          resource: new URL(url),
        };
      } catch {
        throw new InvalidTokenError('The access token is not valid for this server.');
      }
    },
  };
  app.use(
    new URL(resourceMetadataUrl).pathname,
    metadataHandler({ resource: url, authorization_servers: [auth.issuer], scopes_supported: scopes, resource_name: 'Latchkey elicitation test server' }),
  );
  app.use('/mcp', requireBearerAuth({ verifier, requiredScopes: scopes, expectedResource: new URL(url), resourceMetadataUrl }));
}
