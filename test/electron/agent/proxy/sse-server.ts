/**
 * A stateful MCP server for proxy tests of what the (stateless, JSON) world server never does:
 * sessions, SSE responses, server notifications inside a request, server-to-client requests
 * (elicitation) and out-of-band messages on the GET stream. A fixed bearer token stands in for OAuth.
 */
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ElicitResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { listenOnLoopback } from '../../../world/http.js';

export const SSE_SERVER_TOKEN = 'sse-server-token-CANARY-51c0';

export interface SeenRequest {
  method: string;
  authorized: boolean;
  sessionId: string | undefined;
  protocolVersion: string | undefined;
}

export interface SseMcpServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Resolves when a GET (standalone SSE stream) was accepted for a session. */
  waitForGetStream(): Promise<void>;
  /** Calls of the `wait` tool the client cancelled. */
  cancelled(): number;
  /** Calls of the `wait` tool that started. */
  waiting(): number;
  /** Sends notifications/tools/list_changed to every session, out of band. */
  announceToolListChanged(): void;
  close(): Promise<void>;
}

export async function startSseMcpServer(): Promise<SseMcpServer> {
  const app = createMcpExpressApp({ host: '127.0.0.1' });
  const requests: SeenRequest[] = [];
  const counts = { cancelled: 0, waiting: 0 };
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; mcp: McpServer }>();
  let getStreamOpened: () => void = () => undefined;
  const getStream = new Promise<void>((resolve) => {
    getStreamOpened = resolve;
  });

  app.use('/mcp', (req: Request, res: Response, next: NextFunction) => {
    const authorized = req.headers.authorization === `Bearer ${SSE_SERVER_TOKEN}`;
    requests.push({
      method: req.method,
      authorized,
      sessionId: req.header('mcp-session-id'),
      protocolVersion: req.header('mcp-protocol-version'),
    });
    if (!authorized) {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
      return;
    }
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
      const mcp = createTools(counts);
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, { transport, mcp }),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      await mcp.connect(transport);
      session = { transport, mcp };
    }
    if (req.method === 'GET') getStreamOpened();
    await session.transport.handleRequest(req, res, req.body);
  });
  const listener = await listenOnLoopback(app);

  return {
    url: `${listener.origin}/mcp`,
    requests,
    waitForGetStream: () => getStream,
    cancelled: () => counts.cancelled,
    waiting: () => counts.waiting,
    announceToolListChanged: () => {
      for (const { mcp } of sessions.values()) mcp.sendToolListChanged();
    },
    close: async () => {
      for (const { transport } of sessions.values()) await transport.close();
      await listener.close();
    },
  };
}

function createTools(counts: { cancelled: number; waiting: number }): McpServer {
  const mcp = new McpServer({ name: 'sse-test-server', version: '1.0.0' }, { capabilities: { logging: {}, tools: { listChanged: true } } });
  mcp.registerTool(
    'ask_user',
    { description: 'Logs a line, asks the client for a name (elicitation) and returns it.', inputSchema: { question: z.string() } },
    async ({ question }, extra) => {
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: `asking: ${question}` } });
      // Sent on this call's SSE stream (related to the request), answered by the client with a POST.
      const answer = await extra.sendRequest(
        {
          method: 'elicitation/create',
          params: { mode: 'form', message: question, requestedSchema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } },
        },
        ElicitResultSchema,
      );
      const name = answer.action === 'accept' ? String(answer.content?.['name'] ?? '') : `(${answer.action})`;
      return { content: [{ type: 'text', text: `hello ${name}` }] };
    },
  );
  mcp.registerTool('echo', { inputSchema: { text: z.string() } }, ({ text }) => ({ content: [{ type: 'text', text }] }));
  mcp.registerTool('count', { description: 'Sends progress for the call, then answers.', inputSchema: { to: z.number().int().min(1).max(5) } }, async ({ to }, extra) => {
    const progressToken = extra._meta?.progressToken;
    for (let progress = 1; progress <= to && progressToken !== undefined; progress += 1) {
      await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: to } });
    }
    return { content: [{ type: 'text', text: `counted ${to}` }] };
  });
  mcp.registerTool('wait', { description: 'Holds the call until the client cancels it.' }, async (extra) => {
    counts.waiting += 1;
    await new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => resolve(), { once: true }));
    counts.cancelled += 1;
    return { content: [{ type: 'text', text: 'withdrawn' }] };
  });
  return mcp;
}

