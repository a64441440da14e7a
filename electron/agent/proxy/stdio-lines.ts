/**
 * A thin stdio transport for the MCP client side of `latchkey mcp`: newline-delimited JSON-RPC,
 * as the MCP stdio transport defines it. Unlike the SDK's StdioServerTransport it does not check
 * messages against one protocol revision's schema (a newer client's messages pass through as
 * they are), it notices when stdin ends, and it answers a line that is not JSON-RPC with a
 * JSON-RPC error instead of dropping it silently.
 */
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** stdin, or a test stream. `destroy` (when there is one) stops a pending read at close. */
export type LineInput = AsyncIterable<string | Buffer> & { destroy?(): unknown };

export interface LineOutput {
  write(chunk: string): unknown;
}

/** The MCP SDK's own limit for one stdio message. */
export const MAX_LINE_BYTES = 10 * 1024 * 1024;

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;

export interface StdioLinesTransport extends Transport {
  /** Resolves when the input has ended or close() was called. */
  readonly ended: Promise<void>;
  /**
   * Called when the input ends while output is still possible (answers to requests already
   * read can still be written). Without it the transport closes at once.
   */
  onend?: (() => void) | undefined;
}

export function createStdioLinesTransport(input: LineInput, output: LineOutput, maxLineBytes = MAX_LINE_BYTES): StdioLinesTransport {
  let closed = false;
  let iterator: AsyncIterator<string | Buffer> | undefined;
  let finish: () => void = () => undefined;
  const ended = new Promise<void>((resolve) => {
    finish = resolve;
  });

  const write = (message: unknown): void => {
    if (!closed) output.write(`${JSON.stringify(message)}\n`);
  };

  const transport: StdioLinesTransport = {
    ended,
    async start() {
      iterator = input[Symbol.asyncIterator]();
      void readAll(iterator).finally(() => {
        if (closed) return;
        finish();
        if (transport.onend === undefined) void transport.close();
        else transport.onend();
      });
    },
    send(message) {
      write(message);
      return Promise.resolve();
    },
    async close() {
      if (closed) return;
      closed = true;
      // A pending read would keep the process alive: end it (process.stdin.destroy() is fine here).
      input.destroy?.();
      void iterator?.return?.().catch(() => undefined);
      transport.onclose?.();
      finish();
    },
  };

  const deliver = (line: string): void => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      transport.onerror?.(new Error('A line on stdin is not JSON.'));
      write({ jsonrpc: '2.0', id: null, error: { code: PARSE_ERROR, message: 'Parse error: the line is not JSON.' } });
      return;
    }
    if (!isJsonRpcMessage(value)) {
      transport.onerror?.(new Error('A line on stdin is not a JSON-RPC 2.0 message.'));
      write({ jsonrpc: '2.0', id: idOf(value), error: { code: INVALID_REQUEST, message: 'Invalid request: not a JSON-RPC 2.0 message.' } });
      return;
    }
    transport.onmessage?.(value);
  };

  async function readAll(source: AsyncIterator<string | Buffer>): Promise<void> {
    let buffer: Buffer = Buffer.alloc(0);
    try {
      for (;;) {
        const next = await source.next();
        if (next.done === true || closed) return;
        const chunk = typeof next.value === 'string' ? Buffer.from(next.value, 'utf8') : next.value;
        buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
        let newline = buffer.indexOf(0x0a);
        while (newline >= 0) {
          deliver(buffer.toString('utf8', 0, newline).replace(/\r$/, ''));
          buffer = buffer.subarray(newline + 1);
          newline = buffer.indexOf(0x0a);
        }
        if (buffer.length > maxLineBytes) {
          transport.onerror?.(new Error(`A message on stdin is larger than ${maxLineBytes} bytes.`));
          return;
        }
      }
    } catch (error) {
      if (!closed) transport.onerror?.(error instanceof Error ? error : new Error(String(error)));
    }
  }

  return transport;
}

/** JSON-RPC 2.0 framing only: the MCP methods and their params are the two ends' business. */
export function isJsonRpcMessage(value: unknown): value is JSONRPCMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (record['jsonrpc'] !== '2.0') return false;
  const hasId = typeof record['id'] === 'string' || typeof record['id'] === 'number';
  if (typeof record['method'] === 'string') return record['id'] === undefined || hasId;
  return hasId && ('result' in record || 'error' in record);
}

function idOf(value: unknown): string | number | null {
  if (typeof value !== 'object' || value === null) return null;
  const id = (value as Record<string, unknown>)['id'];
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}
