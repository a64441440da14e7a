/** The one JSON reader and writer every Latchkey HTTP server uses. */
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readJsonBody, sendJson, type ReadJsonBodyOptions } from '../../../../electron/base/net/http-json.js';
import { isLatchkeyError } from '../../../../shared/errors.js';

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server | undefined;

afterEach(async () => {
  const running = server;
  server = undefined;
  if (running !== undefined) await new Promise<void>((resolve) => running.close(() => resolve()));
});

/** A server that answers every request with what readJsonBody made of it. */
async function echoServer(options: ReadJsonBodyOptions, headers?: Record<string, string>): Promise<number> {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    readJsonBody(req, options).then(
      (value) => sendJson(res, 200, { value }, headers === undefined ? {} : { headers }),
      (error: unknown) => sendJson(res, 400, { code: isLatchkeyError(error) ? error.code : 'other' }, { close: true }),
    );
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return (server?.address() as AddressInfo).port;
}

function post(port: number, body: Buffer | string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('readJsonBody', () => {
  it('reads a JSON body', async () => {
    const port = await echoServer({ maxBytes: 100 });
    const answer = await post(port, '{"a":[1,2]}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ value: { a: [1, 2] } });
  });

  it('an empty body is what the caller says, or not JSON', async () => {
    expect(JSON.parse((await post(await echoServer({ maxBytes: 100, empty: {} }), '')).body)).toEqual({ value: {} });
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    expect(JSON.parse((await post(await echoServer({ maxBytes: 100 }), '')).body)).toEqual({ code: 'input.invalid' });
  });

  it('refuses bodies past the cap, by Content-Length and by what arrives', async () => {
    const port = await echoServer({ maxBytes: 10 });
    expect(JSON.parse((await post(port, `"${'x'.repeat(20)}"`)).body)).toEqual({ code: 'bridge.payload_too_large' });
    expect(JSON.parse((await post(port, `"${'x'.repeat(20)}"`, { 'transfer-encoding': 'chunked' })).body)).toEqual({ code: 'bridge.payload_too_large' });
  });

  it('refuses text that is not JSON and bytes that are not UTF-8', async () => {
    const port = await echoServer({ maxBytes: 100 });
    expect(JSON.parse((await post(port, '{nope')).body)).toEqual({ code: 'input.invalid' });
    expect(JSON.parse((await post(port, Buffer.from([0x22, 0xff, 0x22]))).body)).toEqual({ code: 'input.invalid' });
  });
});

describe('sendJson', () => {
  it('answers with its length, never cached or sniffed; caller headers merge case-insensitively', async () => {
    const port = await echoServer({ maxBytes: 100 }, { 'Cache-Control': 'no-store', Allow: 'POST' });
    const answer = await post(port, '1');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(answer.headers['allow']).toBe('POST');
    expect(Object.keys(answer.headers).some((name) => name.startsWith('access-control-'))).toBe(false);
  });

  it('answers without options with the same headers: type, length, never cached or sniffed', async () => {
    const port = await echoServer({ maxBytes: 100 });
    const answer = await post(port, '[1, "é"]');
    expect(answer.body).toBe('{"value":[1,"é"]}');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['content-length']).toBe(String(Buffer.byteLength(answer.body)));
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    expect(Object.keys(answer.headers).some((name) => name.startsWith('access-control-'))).toBe(false);
  });
});
