// @vitest-environment node
/**
 * pickWalletClient (preload client when present, else HTTP) and the HTTP client's session and
 * event feed: one stream for all listeners read through fetch with the window's headers (the
 * session too: T31), reopened after it drops or the host is away, a resync of every collection
 * once it is back, and a 401 that ends the session once. Real fetch against the real host is
 * covered in http-client.test.ts; here fetch is a stand-in host the test drives.
 */
import { describe, expect, it } from 'vitest';
import type { WalletClient, WalletEvent } from '../../../shared/api.js';
import { desktopClient, pickWalletClient } from '../../../renderer/api/client.js';
import { readEventStream } from '../../../renderer/api/event-feed.js';
import { createHttpWalletClient } from '../../../renderer/api/http-client.js';
import { sessionSlot, type SessionSlot } from '../../../renderer/api/owner-session.js';

interface Pending {
  url: string;
  init: RequestInit;
  answer(status: number): void;
  send(data: unknown): void;
  drop(): void;
  fail(): void;
}

/** A host the test answers by hand: every fetch waits until the test says what comes back. */
class FakeHost {
  readonly requests: Pending[] = [];
  readonly fetch = (url: string, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
      const body = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
      init.signal?.addEventListener('abort', () => {
        try {
          controller?.error(new Error('aborted'));
        } catch {
          // already closed
        }
      });
      const encoder = new TextEncoder();
      this.requests.push({
        url,
        init,
        answer: (status) => resolve(new Response(status === 200 ? body : '{}', { status })),
        send: (data) => controller?.enqueue(encoder.encode(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)),
        drop: () => controller?.close(),
        fail: () => reject(new TypeError('fetch failed')),
      });
    });
}

function headersOf(request: Pending): Record<string, string> {
  return request.init.headers as Record<string, string>;
}

function client(host: FakeHost, session: SessionSlot = sessionSlot(undefined), onSignedOut: () => void = () => undefined): WalletClient {
  return createHttpWalletClient({ baseUrl: 'http://127.0.0.1:9/', fetch: host.fetch as typeof fetch, reconnectDelayMs: 1, session, onSignedOut });
}

describe('pickWalletClient', () => {
  it('uses the preload client when the window has one, else the HTTP client', () => {
    expect(desktopClient({})).toBeUndefined();
    const preload: WalletClient = { call: () => Promise.reject(new Error('x')), connect: () => Promise.reject(new Error('x')), subscribe: () => () => undefined };
    expect(pickWalletClient({ latchkey: preload })).toBe(preload);
    const http = pickWalletClient({});
    expect(http).not.toBe(preload);
    expect(typeof http.call).toBe('function');
    expect(pickWalletClient({ latchkey: { call: 1 } as unknown as WalletClient })).not.toHaveProperty('call', 1);
  });
});

describe('HTTP client event feed', () => {
  it('shares one stream sent with the window\'s headers, delivers only contract-valid events, and closes after the last listener', async () => {
    const host = new FakeHost();
    const session = sessionSlot(undefined);
    session.write('s3ss10n');
    const c = client(host, session);
    const a: WalletEvent[] = [];
    const b: WalletEvent[] = [];
    const offA = c.subscribe((e) => a.push(e));
    const offB = c.subscribe((e) => b.push(e));
    expect(host.requests).toHaveLength(1);
    const stream = host.requests[0]!;
    expect(stream.url).toBe('http://127.0.0.1:9/api/v1/events');
    expect(stream.init).toMatchObject({ method: 'GET', credentials: 'omit' });
    expect(headersOf(stream)).toEqual({ accept: 'text/event-stream', 'x-latchkey-ui': '1', 'x-latchkey-session': 's3ss10n' });
    stream.answer(200);
    stream.send({ type: 'changed', what: 'grants' });
    stream.send({ type: 'changed', what: 'nonsense' });
    stream.send('not json');
    await expect.poll(() => a).toEqual([{ type: 'changed', what: 'grants' }]);
    expect(b).toEqual(a);
    offA();
    expect(stream.init.signal?.aborted).toBe(false);
    offB();
    expect(stream.init.signal?.aborted).toBe(true);
    expect(host.requests).toHaveLength(1);
  });

  it('reopens the stream after it drops or the host is away, then asks every listener to read the collections again', async () => {
    const host = new FakeHost();
    const c = client(host);
    const seen: WalletEvent[] = [];
    const off = c.subscribe((e) => seen.push(e));
    host.requests[0]!.answer(200);
    await Promise.resolve();
    expect(seen).toEqual([]); // the first open is no resync
    host.requests[0]!.drop(); // e.g. the daemon restarted
    await expect.poll(() => host.requests.length).toBe(2);
    host.requests[1]!.fail(); // nobody listening yet: try again later
    await expect.poll(() => host.requests.length).toBe(3);
    host.requests[2]!.answer(200);
    await expect.poll(() => seen).toEqual(['connections', 'agents', 'sessions', 'grants'].map((what) => ({ type: 'changed', what })));
    off();
  });

  it('a 401 on the stream ends the session: the slot is cleared, onSignedOut is told once, and the stream is not reopened', async () => {
    const host = new FakeHost();
    const session = sessionSlot(undefined);
    session.write('gone');
    let signedOut = 0;
    const c = client(host, session, () => (signedOut += 1));
    const off = c.subscribe(() => undefined);
    host.requests[0]!.answer(401);
    await expect.poll(() => signedOut).toBe(1);
    expect(session.read()).toBeUndefined();
    const call = c.call('status', {});
    await expect.poll(() => host.requests.length).toBe(2);
    expect(host.requests[1]!.url).toBe('http://127.0.0.1:9/api/v1/call/status');
    host.requests[1]!.answer(401);
    await expect(call).rejects.toMatchObject({ code: 'net.bad_response' });
    expect(signedOut).toBe(1);
    expect(host.requests).toHaveLength(2);
    off();
  });

  it('calls carry the session header and no cookie; a 401 answer clears the session and tells onSignedOut', async () => {
    const host = new FakeHost();
    const session = sessionSlot(undefined);
    session.write('abc');
    let signedOut = 0;
    const c = client(host, session, () => (signedOut += 1));
    const call = c.call('listAgents', {});
    await expect.poll(() => host.requests.length).toBe(1);
    expect(host.requests[0]!.init).toMatchObject({ method: 'POST', credentials: 'omit' });
    expect(headersOf(host.requests[0]!)).toEqual({ 'content-type': 'application/json', 'x-latchkey-ui': '1', 'x-latchkey-session': 'abc' });
    host.requests[0]!.answer(401);
    await expect(call).rejects.toMatchObject({ name: 'LatchkeyError' });
    expect(signedOut).toBe(1);
    expect(session.read()).toBeUndefined();
  });

  it('a failed fetch becomes a LatchkeyError saying the daemon is not answering', async () => {
    const c = createHttpWalletClient({ baseUrl: 'http://127.0.0.1:9/', fetch: () => Promise.reject(new Error('offline')) });
    await expect(c.call('status', {})).rejects.toMatchObject({ name: 'LatchkeyError', code: 'bridge.not_running' });
  });
});

describe('readEventStream', () => {
  it('joins data lines, skips comments and other fields, and copes with CRLF and events split across chunks', async () => {
    const chunks = ['retry: 2000\n: connected\n\ndata: {"a":', '1}\n\ndata: one\r\ndata: two\r\n\r\n', 'event: x\nid: 3\ndata:no-space\n\n: keep-alive\n\ndata: tail'];
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
        controller.close();
      },
    });
    const seen: string[] = [];
    await readEventStream(body, (data) => seen.push(data));
    expect(seen).toEqual(['{"a":1}', 'one\ntwo', 'no-space']);
  });
});
