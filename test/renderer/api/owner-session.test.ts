// @vitest-environment node
/**
 * How the window signs in to the headless host (T31): the link's token is taken out of the
 * fragment and the address bar, traded once for a session kept in this tab's sessionStorage, and
 * every way that can fail ends on a sign-in screen that says why. The real exchange against the
 * real host in Chromium is in test/e2e/ui/owner-link.test.ts and http-client.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { sessionSlot, signIn, takeSignInToken } from '../../../renderer/api/owner-session.js';

const TOKEN = 'A'.repeat(43);

function addressBar(hash: string, pathname = '/', search = '') {
  const replaced: string[] = [];
  return { location: { hash, pathname, search }, history: { replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => void replaced.push(String(url)) }, replaced };
}

function memoryStorage() {
  const items = new Map<string, string>();
  return { items, getItem: (key: string) => items.get(key) ?? null, setItem: (key: string, value: string) => void items.set(key, value), removeItem: (key: string) => void items.delete(key) };
}

function host(status: number, body: unknown) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetch = (url: string, init: RequestInit = {}): Promise<Response> => {
    calls.push({ url, init });
    return Promise.resolve(new Response(JSON.stringify(body), { status }));
  };
  return { calls, fetch: fetch as typeof globalThis.fetch };
}

describe('takeSignInToken', () => {
  it('T31: takes the token out of #signin=… and removes the fragment from the address bar at once', () => {
    const bar = addressBar(`#signin=${TOKEN}`, '/', '?x=1');
    expect(takeSignInToken(bar.location, bar.history)).toBe(TOKEN);
    expect(bar.replaced).toEqual(['/?x=1']);
  });

  it('leaves a page without the link alone; an empty token is none (and still leaves the bar)', () => {
    for (const hash of ['', '#', '#other=1']) {
      const bar = addressBar(hash);
      expect(takeSignInToken(bar.location, bar.history), hash).toBeUndefined();
      expect(bar.replaced, hash).toEqual([]);
    }
    const empty = addressBar('#signin=');
    expect(takeSignInToken(empty.location, empty.history)).toBeUndefined();
    expect(empty.replaced).toEqual(['/']);
  });
});

describe('signIn', () => {
  it('T31: trades the token once (POST with the window header, JSON, no credentials) and keeps the session in sessionStorage', async () => {
    const storage = memoryStorage();
    const slot = sessionSlot(storage);
    const h = host(200, { result: { session: 'the-session' } });
    await expect(signIn({ token: TOKEN, slot, fetch: h.fetch, baseUrl: 'http://127.0.0.1:9/' })).resolves.toEqual({ signedIn: true });
    expect(h.calls).toHaveLength(1);
    expect(h.calls[0]!.url).toBe('http://127.0.0.1:9/api/v1/session');
    expect(h.calls[0]!.init).toMatchObject({ method: 'POST', credentials: 'omit', headers: { 'content-type': 'application/json', 'x-latchkey-ui': '1' } });
    expect(JSON.parse(String(h.calls[0]!.init.body))).toEqual({ token: TOKEN });
    expect([...storage.items.values()]).toEqual(['the-session']);
    expect(slot.read()).toBe('the-session');
  });

  it('a reload (no token, a session in this tab) stays signed in without asking the host; a new tab (nothing) is not', async () => {
    const h = host(500, {});
    const slot = sessionSlot(memoryStorage());
    await expect(signIn({ token: undefined, slot, fetch: h.fetch })).resolves.toEqual({ signedIn: false, reason: 'no-link' });
    slot.write('kept');
    await expect(signIn({ token: undefined, slot, fetch: h.fetch })).resolves.toEqual({ signedIn: true });
    expect(h.calls).toHaveLength(0);
  });

  it('a spent link says so; in a tab that is signed in already it changes nothing; a host away is unreachable', async () => {
    const refused = host(403, { error: { code: 'bridge.unauthenticated', message: 'used' } });
    await expect(signIn({ token: TOKEN, slot: sessionSlot(memoryStorage()), fetch: refused.fetch })).resolves.toEqual({ signedIn: false, reason: 'link-refused' });
    const signedIn = sessionSlot(memoryStorage());
    signedIn.write('mine');
    await expect(signIn({ token: TOKEN, slot: signedIn, fetch: refused.fetch })).resolves.toEqual({ signedIn: true });
    expect(signedIn.read()).toBe('mine');
    const away = (() => Promise.reject(new TypeError('fetch failed'))) as typeof fetch;
    await expect(signIn({ token: TOKEN, slot: sessionSlot(undefined), fetch: away })).resolves.toEqual({ signedIn: false, reason: 'unreachable' });
    const odd = host(200, { result: { nope: 1 } });
    await expect(signIn({ token: TOKEN, slot: sessionSlot(undefined), fetch: odd.fetch })).resolves.toEqual({ signedIn: false, reason: 'unreachable' });
  });
});

describe('sessionSlot', () => {
  it('falls back to memory without storage, and survives a storage that throws', () => {
    const memory = sessionSlot(undefined);
    memory.write('m');
    expect(memory.read()).toBe('m');
    memory.clear();
    expect(memory.read()).toBeUndefined();
    const broken = sessionSlot({ getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }, removeItem: () => { throw new Error('denied'); } });
    broken.write('x');
    expect(broken.read()).toBeUndefined();
    expect(() => broken.clear()).not.toThrow();
  });
});
