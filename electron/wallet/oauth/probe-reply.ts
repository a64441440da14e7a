/**
 * Reads the JSON-RPC answer to one probe request from an MCP server's HTTP response: a JSON body,
 * or the first matching message of a `text/event-stream` body (read only as far as that message,
 * then cancelled, so a stream the server keeps open cannot hold discovery). Anything else, and
 * anything unreadable, is `undefined`: the caller judges the HTTP status alone. The body's size
 * and time caps are the guarded fetch's.
 */
import { isJSONRPCErrorResponse, isJSONRPCResultResponse } from '@modelcontextprotocol/client';

export type JsonRpcReply =
  | { kind: 'result'; result: Record<string, unknown> }
  | { kind: 'error'; code: number; message: string; data?: unknown };

export async function readJsonRpcReply(response: Response, id: number): Promise<JsonRpcReply | undefined> {
  const type = (response.headers.get('content-type') ?? '').toLowerCase();
  try {
    if (type.includes('text/event-stream')) return await readFromStream(response, id);
    if (type.includes('json')) return toReply(JSON.parse(await response.text()), id);
  } catch {
    // unreadable: judged by status
  }
  await response.body?.cancel().catch(() => undefined);
  return undefined;
}

function toReply(message: unknown, id: number): JsonRpcReply | undefined {
  if (isJSONRPCResultResponse(message) && message.id === id) return { kind: 'result', result: message.result };
  if (isJSONRPCErrorResponse(message) && (message.id === id || message.id === undefined || message.id === null)) {
    return { kind: 'error', code: message.error.code, message: message.error.message, data: message.error.data };
  }
  return undefined;
}

async function readFromStream(response: Response, id: number): Promise<JsonRpcReply | undefined> {
  const body = response.body;
  if (body === null) return undefined;
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return replyIn(`${buffered}\n\n`, id).reply;
      buffered += chunk.value;
      const { reply, rest } = replyIn(buffered, id);
      if (reply !== undefined) return reply;
      buffered = rest;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/** Scans complete SSE events in `text` for our reply; `rest` is the unfinished tail. */
function replyIn(text: string, id: number): { reply: JsonRpcReply | undefined; rest: string } {
  const events = text.split(/\r?\n\r?\n/u);
  const rest = events.pop() ?? '';
  for (const event of events) {
    const data = event
      .split(/\r?\n/u)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(5).replace(/^ /u, ''))
      .join('\n');
    if (data === '') continue;
    try {
      const reply = toReply(JSON.parse(data), id);
      if (reply !== undefined) return { reply, rest };
    } catch {
      // not JSON: skip the event
    }
  }
  return { reply: undefined, rest };
}
