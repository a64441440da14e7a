/**
 * A 2026-07-28-only MCP server for the era bridge tests: MCP SDK v2 `createMcpHandler(factory,
 * { legacy: 'reject' })` on 127.0.0.1, no auth (the proxy's token is accepted and ignored).
 *
 * Tools: `echo` { text }; `ask_name` asks a form elicitation as `input_required` and answers
 * "hello <name>" (or "(<action>)"); `sample` asks sampling and answers with the model's text;
 * `count` { to } sends `to` progress notifications for the call's progressToken, then "counted <to>";
 * `wait` holds the call until the client cancels it (closing its stream) and counts that.
 */
import {
  createMcpHandler,
  inputRequired,
  McpServer,
} from '@modelcontextprotocol/server';
import { z } from 'zod';
import { listenOnLoopback } from '../../../world/http.js';
import { toNodeListener } from '../../../world/web-bridge.js';

export interface ModernTestServer {
  readonly url: string;
  /** Calls of `wait` the client withdrew. */
  readonly cancelled: () => number;
  /** HTTP 400 answers (a 2025 request refused). */
  readonly refusals: () => number;
  /** Resolves when a `wait` call started. */
  waitStarted(): Promise<void>;
  close(): Promise<void>;
}

const NAME_SCHEMA = { type: 'object' as const, properties: { name: { type: 'string' as const } }, required: ['name'] };

export async function startModernTestServer(): Promise<ModernTestServer> {
  let cancelled = 0;
  let refusals = 0;
  let started: () => void = () => undefined;
  let startedOnce = new Promise<void>((resolve) => {
    started = resolve;
  });
  const handler = createMcpHandler(
    () => {
      const server = new McpServer({ name: 'modern-test-server', version: '2.0.0' });
      server.registerTool('echo', { inputSchema: z.object({ text: z.string() }) }, ({ text }) => ({ content: [{ type: 'text', text }] }));
      server.registerTool('ask_name', { description: 'Asks for a name (form elicitation).' }, (ctx) => {
        const answer = z.object({ action: z.string(), content: z.object({ name: z.string() }).optional() }).safeParse(ctx.mcpReq.inputResponses?.['name']);
        if (answer.success) {
          const text = answer.data.action === 'accept' ? `hello ${answer.data.content?.name ?? ''}` : `(${answer.data.action})`;
          return { content: [{ type: 'text', text }] };
        }
        return inputRequired({ inputRequests: { name: inputRequired.elicit({ message: 'Your name?', requestedSchema: NAME_SCHEMA }) }, requestState: 'asked-name' });
      });
      server.registerTool('sample', { description: 'Asks the client to sample.' }, (ctx) => {
        const answer = z.object({ content: z.object({ text: z.string() }) }).safeParse(ctx.mcpReq.inputResponses?.['model']);
        if (answer.success) return { content: [{ type: 'text', text: `model said ${answer.data.content.text}` }] };
        return inputRequired({
          inputRequests: { model: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 }) },
          requestState: 'asked-model',
        });
      });
      server.registerTool('count', { inputSchema: z.object({ to: z.number().int().min(1).max(5) }) }, async ({ to }, ctx) => {
        const progressToken = ctx.mcpReq._meta?.progressToken;
        for (let progress = 1; progress <= to && progressToken !== undefined; progress += 1) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: to } });
        }
        return { content: [{ type: 'text', text: `counted ${to}` }] };
      });
      server.registerTool('wait', { description: 'Holds the call until the client withdraws it.' }, async (ctx) => {
        started();
        await new Promise<void>((resolve) => ctx.mcpReq.signal.addEventListener('abort', () => resolve(), { once: true }));
        cancelled += 1;
        return { content: [{ type: 'text', text: 'withdrawn' }] };
      });
      return server;
    },
    { legacy: 'reject' },
  );
  let origin = '';
  const listener = await listenOnLoopback(
    toNodeListener(
      () => origin,
      async (request) => {
        const response = await handler.fetch(request);
        if (response.status === 400) refusals += 1;
        return response;
      },
    ),
  );
  origin = listener.origin;
  return {
    url: `${origin}/mcp`,
    cancelled: () => cancelled,
    refusals: () => refusals,
    waitStarted: async () => {
      await startedOnce;
      startedOnce = new Promise<void>((resolve) => {
        started = resolve;
      });
    },
    close: async () => {
      await handler.close();
      await listener.close();
    },
  };
}
