import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { createStdioLinesTransport } from '../../../../electron/agent/proxy/stdio-lines.js';

function setup() {
  const input = new PassThrough();
  let written = '';
  const transport = createStdioLinesTransport(input, { write: (chunk: string) => (written += chunk) });
  const received: JSONRPCMessage[] = [];
  transport.onmessage = (message) => void received.push(message);
  let closed = 0;
  transport.onclose = () => void (closed += 1);
  return { input, transport, received, written: () => written, closed: () => closed };
}

describe('stdio JSON-lines transport', () => {
  it('delivers messages split across chunks and CRLF lines as they are, unknown fields included', async () => {
    const t = setup();
    await t.transport.start();
    const message = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'x', futureField: { a: 1 } } };
    const line = JSON.stringify(message);
    t.input.write(line.slice(0, 10));
    t.input.write(`${line.slice(10)}\r\n{"jsonrpc":"2.0","method":"notifications/initialized"}\n`);
    t.input.end();
    await t.transport.ended;
    expect(t.received).toEqual([message, { jsonrpc: '2.0', method: 'notifications/initialized' }]);
    expect(t.closed()).toBe(1);
  });

  it('answers a line that is not JSON or not JSON-RPC with an error instead of dropping it', async () => {
    const t = setup();
    await t.transport.start();
    t.input.write('not json\n{"jsonrpc":"1.0","id":7,"method":"x"}\n');
    t.input.end();
    await t.transport.ended;
    const answers = t.written().trim().split('\n').map((l) => JSON.parse(l) as { id: unknown; error: { code: number } });
    expect(answers.map((a) => [a.id, a.error.code])).toEqual([
      [null, -32700],
      [7, -32600],
    ]);
    expect(t.received).toEqual([]);
  });

  it('send() writes one line per message; close() ends reading and is idempotent', async () => {
    const t = setup();
    await t.transport.start();
    await t.transport.send({ jsonrpc: '2.0', id: 'a', result: {} });
    expect(t.written()).toBe('{"jsonrpc":"2.0","id":"a","result":{}}\n');
    await t.transport.close();
    await t.transport.close();
    await t.transport.ended;
    expect(t.closed()).toBe(1);
  });
});
