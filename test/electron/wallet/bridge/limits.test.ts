import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { RateLimiter } from '../../../../electron/wallet/bridge/limits.js';
import { goodHeaders, GOOD_TOKEN_BODY, httpCall, parseRawResponse, rawRequest, startTestBridge, type TestBridge } from './support.js';

const HUNDRED_MB = 100 * 1024 * 1024;

function head(port: number, lines: string[]): string {
  return [`Host: 127.0.0.1:${port}`, 'latchkey-bridge: 1', `Authorization: ${goodHeaders().authorization}`, ...lines].join('\r\n');
}

/** Resolves when the socket has closed (errors such as EPIPE on the way are expected). */
function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Opens a TCP connection and resolves once it is established. */
async function open(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

/** Streams up to `total` bytes until the server closes the connection; returns what was written and the answer. */
async function streamUntilClosed(socket: Socket, total: number, chunkOf: (size: number) => Buffer): Promise<{ written: number; answer: string }> {
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  let written = 0;
  let closed = false;
  const closing = new Promise<void>((resolve) => socket.once('close', resolve)).then(() => {
    closed = true;
  });
  const chunk = chunkOf(64 * 1024);
  while (!closed && written < total) {
    written += chunk.length;
    if (!socket.write(chunk)) await new Promise<void>((resolve) => waitForDrainOrClose(socket, resolve));
  }
  await closing;
  return { written, answer: Buffer.concat(received).toString('latin1') };
}

function waitForDrainOrClose(socket: Socket, resolve: () => void): void {
  const done = (): void => {
    socket.off('drain', done);
    socket.off('close', done);
    resolve();
  };
  socket.once('drain', done);
  socket.once('close', done);
}

describe('B12: bridge size and time caps', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge({ limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, timeoutCheckIntervalMs: 200 } });
  });
  afterAll(async () => {
    await bridge.close();
  });

  it('B12: a request with both Content-Length and Transfer-Encoding is refused with 400', async () => {
    const answer = await rawRequest(
      { port: bridge.port },
      `POST /v1/token HTTP/1.1\r\n${head(bridge.port, ['Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'])}\r\n\r\n0\r\n\r\n`,
    );
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).code).toBe(ErrorCode.MalformedRequest);
    expect(bridge.handler.tokenCalls).toHaveLength(0);
    expect(bridge.handler.rejections.at(-1)).toMatchObject({ code: ErrorCode.MalformedRequest, status: 400, transport: 'tcp' });
  });

  it('B12: 16 KB of headers get 431', async () => {
    for (const target of [{ port: bridge.port }, { path: bridge.socketPath }]) {
      const answer = await rawRequest(target, `GET /v1/whoami HTTP/1.1\r\n${head(bridge.port, [`X-Padding: ${'a'.repeat(16 * 1024)}`])}\r\n\r\n`);
      expect(answer.status).toBe(431);
      expect(JSON.parse(answer.body).code).toBe(ErrorCode.HeadersTooLarge);
      expect(answer.headers['connection']).toBe('close');
    }
  });

  it('B12: a 100 MB body is refused with 413 from its Content-Length, and the connection closes without reading it', async () => {
    const socket = await open(bridge.port);
    socket.write(`POST /v1/token HTTP/1.1\r\n${head(bridge.port, ['Content-Type: application/json', `Content-Length: ${HUNDRED_MB}`])}\r\n\r\n`);
    const { written, answer } = await streamUntilClosed(socket, HUNDRED_MB, (size) => Buffer.alloc(size, 0x20));
    const parsed = parseRawResponse(answer);
    expect(parsed.status).toBe(413);
    expect(JSON.parse(parsed.body).code).toBe(ErrorCode.PayloadTooLarge);
    // What got written before the close is kernel buffering, far below the body's size.
    expect(written).toBeLessThan(HUNDRED_MB / 4);
    expect(bridge.handler.tokenCalls).toHaveLength(0);
  });

  it('B12: a chunked 100 MB body is cut off with 413 after the 16 KiB cap', async () => {
    const socket = await open(bridge.port);
    socket.write(`POST /v1/token HTTP/1.1\r\n${head(bridge.port, ['Content-Type: application/json', 'Transfer-Encoding: chunked'])}\r\n\r\n`);
    const { written, answer } = await streamUntilClosed(socket, HUNDRED_MB, (size) =>
      Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), Buffer.alloc(size, 0x20), Buffer.from('\r\n')]),
    );
    expect(parseRawResponse(answer).status).toBe(413);
    expect(written).toBeLessThan(HUNDRED_MB / 4);
    expect(bridge.handler.tokenCalls).toHaveLength(0);
  });

  it('B12: a slowloris trickling its headers is dropped by the header timeout; so is a silent connection', async () => {
    const trickler = await open(bridge.port);
    const silent = await open(bridge.port);
    silent.resume();
    const started = Date.now();
    trickler.write('POST /v1/token HTTP/1.1\r\n');
    let line = 0;
    const drip = setInterval(() => {
      if (!trickler.destroyed) trickler.write(`X-Slow-${(line += 1)}: a\r\n`);
    }, 100);
    const received: Buffer[] = [];
    trickler.on('data', (chunk: Buffer) => received.push(chunk));
    try {
      await Promise.all([closed(trickler), closed(silent)]);
    } finally {
      clearInterval(drip);
    }
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5_000);
    const answer = parseRawResponse(Buffer.concat(received).toString('latin1'));
    if (answer.status !== 0) expect(answer.status).toBe(408);
    expect(bridge.handler.rejections.some((r) => r.code === ErrorCode.Timeout)).toBe(true);
  });
});

describe('B12: many idle connections', () => {
  it('B12: 1,000 idle sockets stay open while other clients are still served', async () => {
    const bridge = await startTestBridge();
    const idle: Socket[] = [];
    try {
      for (let i = 0; i < 1_000; i += 1) {
        const socket = i % 2 === 0 ? connect({ host: '127.0.0.1', port: bridge.port }) : connect({ path: bridge.socketPath });
        socket.on('error', () => undefined);
        socket.resume();
        idle.push(socket);
      }
      await Promise.all(idle.map((socket) => once(socket, 'connect')));
      // Half of them also start a request head and stop there.
      idle.forEach((socket, i) => {
        if (i % 4 < 2) socket.write('POST /v1/token HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      });
      const started = performance.now();
      for (const target of [{ port: bridge.port }, { path: bridge.socketPath }]) {
        const answer = await httpCall(target, { method: 'POST', path: '/v1/token', headers: goodHeaders({ 'content-type': 'application/json' }), body: GOOD_TOKEN_BODY });
        expect(answer.status).toBe(200);
      }
      const elapsedMs = performance.now() - started;
      expect(elapsedMs).toBeLessThan(2_000);
      expect(idle.filter((socket) => socket.destroyed)).toHaveLength(0);
    } finally {
      idle.forEach((socket) => socket.destroy());
      await bridge.close();
    }
  });

  it('drops connections beyond maxConnections at accept, and serves again once they go', async () => {
    const bridge = await startTestBridge({ socket: false, limits: { maxConnections: 3 } });
    const held: Socket[] = [];
    try {
      for (let i = 0; i < 3; i += 1) held.push(await open(bridge.port));
      const extra = await open(bridge.port);
      await once(extra, 'close');
      held.forEach((socket) => socket.destroy());
      await Promise.all(held.map((socket) => (socket.closed ? Promise.resolve() : once(socket, 'close'))));
      const served = await waitUntilServed(bridge);
      expect(served).toBe(200);
    } finally {
      held.forEach((socket) => socket.destroy());
      await bridge.close();
    }
  });
});

/** Retries whoami until the server has noticed the closed connections (it learns of them asynchronously). */
async function waitUntilServed(bridge: TestBridge): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    try {
      return (await httpCall({ port: bridge.port }, { headers: goodHeaders() })).status;
    } catch {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  return 0;
}

describe('RateLimiter', () => {
  it('refills at the sustained rate and never above the burst', () => {
    let now = 0;
    const limiter = new RateLimiter(20, 40, { now: () => now });
    let allowed = 0;
    for (let i = 0; i < 100; i += 1) if (limiter.take('a').allowed) allowed += 1;
    expect(allowed).toBe(40);
    expect(limiter.take('b').allowed).toBe(true);
    now += 500;
    allowed = 0;
    for (let i = 0; i < 100; i += 1) if (limiter.take('a').allowed) allowed += 1;
    expect(allowed).toBe(10);
    now += 3_600_000;
    allowed = 0;
    for (let i = 0; i < 100; i += 1) if (limiter.take('a').allowed) allowed += 1;
    expect(allowed).toBe(40);
  });
});
