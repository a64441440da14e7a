// @vitest-environment node
/**
 * pickWalletClient (preload client when present, else HTTP) and the HTTP client's event feed: one
 * EventSource for all listeners, reopened after the browser gives up on it (e.g. 401 after the
 * host restarted), and a resync of every collection once it is back. Real fetch/EventSource are
 * covered in http-client.test.ts; here the EventSource is a stand-in the test drives.
 */
import { describe, expect, it } from 'vitest';
import type { WalletClient, WalletEvent } from '../../../shared/api.js';
import { pickWalletClient } from '../../../renderer/api/client.js';
import { createHttpWalletClient } from '../../../renderer/api/http-client.js';

class FakeSource {
  static instances: FakeSource[] = [];
  readonly CLOSED = 2;
  readyState = 0;
  onopen: (() => void) | null = null;
  onmessage: ((message: { data: string }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSource.instances.push(this);
  }
  close(): void {
    this.readyState = this.CLOSED;
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }
  send(data: unknown): void {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  fail(closed: boolean): void {
    this.readyState = closed ? this.CLOSED : 0;
    this.onerror?.();
  }
}

function client(): WalletClient {
  FakeSource.instances = [];
  return createHttpWalletClient({ baseUrl: 'http://127.0.0.1:9/', EventSource: FakeSource as unknown as typeof EventSource, reconnectDelayMs: 1, fetch: () => Promise.reject(new Error('offline')) });
}

describe('pickWalletClient', () => {
  it('uses the preload client when the window has one, else the HTTP client', () => {
    const preload: WalletClient = { call: () => Promise.reject(new Error('x')), connect: () => Promise.reject(new Error('x')), subscribe: () => () => undefined };
    expect(pickWalletClient({ latchkey: preload })).toBe(preload);
    const http = pickWalletClient({});
    expect(http).not.toBe(preload);
    expect(typeof http.call).toBe('function');
    expect(pickWalletClient({ latchkey: { call: 1 } as unknown as WalletClient })).not.toHaveProperty('call', 1);
  });
});

describe('HTTP client event feed', () => {
  it('shares one EventSource, delivers only contract-valid events, and closes after the last listener', () => {
    const c = client();
    const a: WalletEvent[] = [];
    const b: WalletEvent[] = [];
    const offA = c.subscribe((e) => a.push(e));
    const offB = c.subscribe((e) => b.push(e));
    expect(FakeSource.instances).toHaveLength(1);
    const source = FakeSource.instances[0]!;
    expect(source.url).toBe('http://127.0.0.1:9/api/v1/events');
    source.open();
    source.send({ type: 'changed', what: 'grants' });
    source.send({ type: 'changed', what: 'nonsense' });
    source.send('not json');
    expect(a).toEqual([{ type: 'changed', what: 'grants' }]);
    expect(b).toEqual(a);
    offA();
    expect(source.readyState).not.toBe(source.CLOSED);
    offB();
    expect(source.readyState).toBe(source.CLOSED);
  });

  it('reopens the stream after the browser gave up on it, then asks every listener to read the collections again', async () => {
    const c = client();
    const seen: WalletEvent[] = [];
    const off = c.subscribe((e) => seen.push(e));
    const first = FakeSource.instances[0]!;
    first.open();
    first.fail(false); // the browser retries by itself: nothing to do
    expect(FakeSource.instances).toHaveLength(1);
    first.fail(true); // it gave up (e.g. 401): the client opens a new one
    await expect.poll(() => FakeSource.instances.length).toBe(2);
    FakeSource.instances[1]!.open();
    expect(seen).toEqual(['connections', 'agents', 'sessions', 'grants'].map((what) => ({ type: 'changed', what })));
    off();
  });

  it('a failed fetch becomes a LatchkeyError saying the daemon is not answering', async () => {
    await expect(client().call('status', {})).rejects.toMatchObject({ name: 'LatchkeyError', code: 'bridge.not_running' });
  });
});
