import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { createTokenCache, type TokenSource } from '../../../../electron/agent/proxy/token-cache.js';
import { fingerprint } from '../../../../electron/base/log/fingerprint.js';

const NOW = 1_700_000_000_000;

function clockAt(start: number): { now(): number; advance(ms: number): void } {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

function source(lifetimeSeconds: number, clock: { now(): number }, extra: Record<string, unknown> = {}): TokenSource & { calls: Array<readonly string[] | undefined> } {
  const calls: Array<readonly string[] | undefined> = [];
  return {
    calls,
    fetchToken: (scopes) => {
      calls.push(scopes);
      return Promise.resolve({
        access_token: `tok-${calls.length}`,
        token_type: 'Bearer',
        expires_at: Math.floor(clock.now() / 1000) + lifetimeSeconds,
        scope: (scopes ?? ['read']).join(' '),
        ...extra,
      });
    },
  };
}

describe('token cache', () => {
  it('keeps a token until shortly before expires_at (30 s, or half a short lifetime)', async () => {
    const clock = clockAt(NOW);
    const src = source(900, clock);
    const cache = createTokenCache({ source: src, clock, recheckMs: Number.POSITIVE_INFINITY });
    expect(await cache.current()).toBe('tok-1');
    clock.advance(869_000);
    expect(await cache.current()).toBe('tok-1');
    clock.advance(2_000);
    expect(await cache.current()).toBe('tok-2');

    const shortClock = clockAt(NOW);
    const short = createTokenCache({ source: source(10, shortClock), clock: shortClock, recheckMs: Number.POSITIVE_INFINITY });
    expect(await short.current()).toBe('tok-1');
    shortClock.advance(4_000);
    expect(await short.current()).toBe('tok-1');
    shortClock.advance(1_500);
    expect(await short.current()).toBe('tok-2');
  });

  it('B16: asks the bridge again after a second, so a revoked grant stops a running agent', async () => {
    const clock = clockAt(NOW);
    let calls = 0;
    let revoked = false;
    const cache = createTokenCache({
      clock,
      source: {
        fetchToken: async () => {
          calls += 1;
          if (revoked) throw new Error('grant.none');
          return { access_token: 'tok', token_type: 'Bearer', expires_at: Math.floor(NOW / 1000) + 900, scope: 'mcp:read' };
        },
      },
    });
    expect(await cache.current()).toBe('tok');
    clock.advance(500);
    expect(await cache.current()).toBe('tok');
    expect(calls).toBe(1);
    revoked = true;
    clock.advance(600);
    await expect(cache.current()).rejects.toThrow('grant.none');
    expect(calls).toBe(2);
  });

  it('renew() after a 401 fetches once however many requests saw the same rejected token', async () => {
    const clock = clockAt(NOW);
    const src = source(900, clock);
    const cache = createTokenCache({ source: src, clock });
    const rejected = await cache.current();
    const renewed = await Promise.all([cache.renew(rejected), cache.renew(rejected), cache.renew(rejected)]);
    expect(renewed).toEqual(['tok-2', 'tok-2', 'tok-2']);
    expect(src.calls).toHaveLength(2);
    // A late 401 for the old token does not throw away the new one.
    expect(await cache.renew(rejected)).toBe('tok-2');
    expect(src.calls).toHaveLength(2);
  });

  it('renew() tells the source which token was refused (its fingerprint, never the token) and the challenge, when it fits the bridge\'s bounds', async () => {
    const clock = clockAt(NOW);
    const told: unknown[] = [];
    const src = source(900, clock);
    const cache = createTokenCache({ source: { fetchToken: (scopes, rejected) => (told.push(rejected), src.fetchToken(scopes)) }, clock });
    const first = await cache.current();
    const challenge = 'Bearer resource_metadata="https://mcp.example.test/.well-known/oauth-protected-resource"';
    const second = await cache.renew(first, challenge);
    expect(told[1]).toEqual({ status: 401, token_fingerprint: fingerprint(first!), www_authenticate: challenge });
    expect(JSON.stringify(told)).not.toContain(first);
    await cache.renew(second, `Bearer ${'x'.repeat(3000)}`);
    expect(told[2]).toEqual({ status: 401, token_fingerprint: fingerprint(second!) });
  });

  it('widen() asks for the rejected token\'s scopes ∪ the challenge\'s, and keeps asking for them', async () => {
    const clock = clockAt(NOW);
    const src = source(60, clock);
    const cache = createTokenCache({ source: src, clock });
    const narrow = await cache.current();
    expect(await cache.widen(narrow, ['write'])).toBe('tok-2');
    expect(src.calls[1]).toEqual(['read', 'write']);
    expect(cache.scopes).toEqual(['read', 'write']);
    clock.advance(61_000);
    await cache.current();
    expect(src.calls[2]).toEqual(['read', 'write']);
  });

  it('a refused widening leaves the narrower token usable', async () => {
    const clock = clockAt(NOW);
    let refuse = false;
    const cache = createTokenCache({
      clock,
      source: {
        fetchToken: (scopes) =>
          refuse
            ? Promise.reject(new LatchkeyError(ErrorCode.GrantDenied, 'denied'))
            : Promise.resolve({ access_token: 'narrow', token_type: 'Bearer', expires_at: NOW / 1000 + 600, scope: (scopes ?? ['read']).join(' ') }),
      },
    });
    const narrow = await cache.current();
    refuse = true;
    await expect(cache.widen(narrow, ['write'])).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    expect(await cache.current()).toBe('narrow');
  });

  it('B15 (client): bridge answers are validated as TokenResponse: extra fields dropped, an unknown token type or a malformed answer refused (Bearer and DPoP are the two kinds)', async () => {
    const clock = clockAt(NOW);
    const cache = createTokenCache({ source: source(600, clock, { refresh_token: 'REFRESH-CANARY' }), clock });
    expect(await cache.current()).toBe('tok-1');
    for (const answer of [
      { access_token: 'a', token_type: 'MAC', expires_at: NOW / 1000 + 60, scope: '' },
      { access_token: 'a', token_type: 'Bearer', scope: '' },
      'a-bare-string',
    ]) {
      const refused = createTokenCache({ clock, source: { fetchToken: () => Promise.resolve(answer) } });
      await expect(refused.current()).rejects.toMatchObject({ code: ErrorCode.BadResponse });
    }
  });
});
