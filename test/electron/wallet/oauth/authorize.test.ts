import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { LatchkeyError } from '../../../../shared/errors.js';
import { authorizeInBrowser, checkAuthorizationResponse } from '../../../../electron/wallet/oauth/authorize.js';
import { buildClientConfiguration } from '../../../../electron/wallet/oauth/client-config.js';
import { openLoopbackListener, type LoopbackListener } from '../../../../electron/wallet/oauth/loopback.js';
import { CallbackBrowser } from '../../../fakes/callback-browser.js';
import { FAKE_ISSUER, FakeTokenEndpoint, fakePublicClient, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';
import type * as client from 'openid-client';

const RESOURCE = 'https://mcp.example.test/mcp';
const policy = { allowInsecureLoopback: false };
const publicClient = fakePublicClient();

const listeners: LoopbackListener[] = [];
afterEach(async () => {
  await Promise.all(listeners.splice(0).map((l) => l.close()));
});

async function setup(metadata: Partial<client.ServerMetadata> = {}) {
  const as = new FakeTokenEndpoint();
  const browser = new CallbackBrowser(FAKE_ISSUER);
  const listener = await openLoopbackListener();
  listeners.push(listener);
  const config = buildClientConfiguration(fakeServerMetadata(metadata), publicClient, { fetch: as.fetch, policy });
  const run = (overrides: { timeoutMs?: number; signal?: AbortSignal; scopes?: string[] } = {}) =>
    authorizeInBrowser({
      config,
      listener,
      resource: RESOURCE,
      sendResource: true,
      scopes: overrides.scopes ?? ['mcp:read'],
      opener: browser,
      policy,
      timeoutMs: overrides.timeoutMs ?? 10_000,
      signal: overrides.signal,
    });
  return { as, browser, listener, run };
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

describe('authorize: PKCE (T01)', () => {
  it.each([
    ['missing', { code_challenge_methods_supported: undefined }],
    ['plain only', { code_challenge_methods_supported: ['plain'] }],
    ['empty', { code_challenge_methods_supported: [] }],
  ])('A1/O1: refuses an AS whose PKCE support is %s; the opener is never called', async (_name, metadata) => {
    const { as, browser, listener, run } = await setup(metadata);
    await expect(run()).rejects.toMatchObject({ code: ErrorCode.PkceUnsupported });
    expect(browser.opened).toHaveLength(0);
    expect(as.requests).toHaveLength(0);
    expect(listener.closed).toBe(true);
  });

  it('A1/A5/O2: 1,000 flows all use S256, unique verifiers and states, and send resource on both requests', async () => {
    const states = new Set<string>();
    const verifiers = new Set<string>();
    const as = new FakeTokenEndpoint();
    const browser = new CallbackBrowser(FAKE_ISSUER);
    const config = buildClientConfiguration(fakeServerMetadata(), publicClient, { fetch: as.fetch, policy });
    for (let i = 0; i < 1000; i += 1) {
      const listener = await openLoopbackListener();
      const tokens = await authorizeInBrowser({
        config,
        listener,
        resource: RESOURCE,
        sendResource: true,
        scopes: ['mcp:read'],
        opener: browser,
        policy,
        timeoutMs: 5_000,
      });
      expect(tokens.access_token).toMatch(/^at-/);
      const url = browser.opened[i]!;
      const token = as.requests[i]!.params;
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('resource')).toBe(RESOURCE);
      expect(token.get('resource')).toBe(RESOURCE);
      const verifier = token.get('code_verifier')!;
      expect(verifier.length).toBeGreaterThanOrEqual(43);
      expect(url.searchParams.get('code_challenge')).toBe(s256(verifier));
      states.add(url.searchParams.get('state')!);
      verifiers.add(verifier);
      expect(listener.closed).toBe(true);
    }
    expect(states.size).toBe(1000);
    expect(verifiers.size).toBe(1000);
  }, 120_000);
});

describe('authorize: the loopback listener (T01)', () => {
  it('A2/O5: listens on 127.0.0.1 only, and is closed after success', async () => {
    const { listener, run } = await setup();
    expect(listener.host).toBe('127.0.0.1');
    expect(listener.redirectUri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    await run();
    expect(listener.closed).toBe(true);
    await expect(fetch(listener.redirectUri)).rejects.toThrow();
  });

  it('A2/O5: is closed after a timeout, with a clear error', async () => {
    const { browser, listener, run } = await setup();
    browser.silent = true;
    await expect(run({ timeoutMs: 50 })).rejects.toMatchObject({ code: ErrorCode.AuthorizationTimeout });
    expect(listener.closed).toBe(true);
  });

  it('A2/O5: is closed when the user cancels', async () => {
    const { browser, listener, run } = await setup();
    browser.silent = true;
    const controller = new AbortController();
    const running = run({ signal: controller.signal });
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(listener.closed).toBe(true);
  });
});

describe('authorize: state (T02)', () => {
  it.each([
    ['wrong', (p: { state?: string | null }) => ({ ...p, state: 'attacker-state' })],
    ['missing', (p: { state?: string | null }) => ({ ...p, state: null })],
  ])('A3/O3: a %s state gets a 400 page and no token request', async (_name, tamper) => {
    const { as, browser, listener, run } = await setup();
    browser.tamper = tamper;
    const controller = new AbortController();
    const running = run({ signal: controller.signal });
    await expect.poll(() => browser.responses.length).toBe(1);
    // The forged callback did not end the flow: it still waits for the real one.
    expect(listener.closed).toBe(false);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(browser.responses.map((r) => r.status)).toEqual([400]);
    expect(browser.responses[0]!.body).toContain('does not belong');
    expect(as.requestsTo('/token')).toHaveLength(0);
    expect(listener.refused).toBe(1);
  });

  it('A3/O4: the same callback delivered twice makes one token request', async () => {
    const { as, browser, run } = await setup();
    browser.visits = 2;
    await run();
    expect(as.requestsTo('/token')).toHaveLength(1);
    await expect.poll(() => browser.responses.length).toBe(2);
    expect(browser.responses.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  it('A3/O3: a replayed callback after the flow finished reaches nothing', async () => {
    const { as, browser, listener, run } = await setup();
    await run();
    const replay = new URL(listener.redirectUri);
    replay.searchParams.set('code', 'code-1');
    replay.searchParams.set('state', browser.opened[0]!.searchParams.get('state')!);
    await expect(fetch(replay)).rejects.toThrow();
    expect(as.requestsTo('/token')).toHaveLength(1);
  });
});

describe('authorize: RFC 9207 iss (T03)', () => {
  const as = fakeServerMetadata();
  const at = (params: Record<string, string>) => {
    const url = new URL('http://127.0.0.1:1/callback');
    for (const [k, v] of Object.entries({ code: 'c', state: 's', ...params })) url.searchParams.set(k, v);
    return url;
  };

  it.each([
    ['trailing slash', `${FAKE_ISSUER}/`],
    ['upper-case host', FAKE_ISSUER.replace('as.example.test', 'AS.EXAMPLE.TEST')],
    ['explicit :443', FAKE_ISSUER.replace('as.example.test', 'as.example.test:443')],
    ['other issuer', 'https://evil.example.test'],
    ['empty', ''],
  ])('A4/O6: iss with %s is a mismatch', (_name, iss) => {
    expect(() => checkAuthorizationResponse(as, at({ iss }))).toThrowError(expect.objectContaining({ code: ErrorCode.IssuerResponseMismatch }));
  });

  it('A4/O6: iss missing although the AS advertises it is refused', () => {
    expect(() => checkAuthorizationResponse(as, at({}))).toThrowError(expect.objectContaining({ code: ErrorCode.IssuerResponseMismatch }));
  });

  it('A4/O6: iss missing is accepted when the AS does not advertise it; exact iss is accepted', () => {
    const quiet = fakeServerMetadata({ authorization_response_iss_parameter_supported: false });
    expect(() => checkAuthorizationResponse(quiet, at({}))).not.toThrow();
    expect(() => checkAuthorizationResponse(as, at({ iss: FAKE_ISSUER }))).not.toThrow();
  });

  it('A4/O6: on an iss mismatch the error_description is not shown', () => {
    let caught: LatchkeyError | undefined;
    try {
      checkAuthorizationResponse(as, at({ iss: 'https://evil.example.test', error: 'access_denied', error_description: 'call 555-PHISH' }));
    } catch (error) {
      caught = error as LatchkeyError;
    }
    expect(caught?.code).toBe(ErrorCode.IssuerResponseMismatch);
    expect(JSON.stringify(caught?.toJSON())).not.toContain('PHISH');
  });

  it('O7: a full flow whose callback names another issuer makes no token request', async () => {
    const { as: endpoint, browser, run } = await setup();
    browser.tamper = (p) => ({ ...p, iss: 'https://evil.example.test' });
    await expect(run()).rejects.toMatchObject({ code: ErrorCode.IssuerResponseMismatch });
    expect(endpoint.requestsTo('/token')).toHaveLength(0);
    await expect.poll(() => browser.responses[0]?.status).toBe(400);
  });
});

describe('authorize: errors from the AS', () => {
  it('access_denied becomes a clear error; the description is shown as text only', async () => {
    const { as, browser, run } = await setup();
    browser.tamper = (p) => ({ state: p.state ?? null, iss: FAKE_ISSUER, error: 'access_denied', error_description: '<script>alert(1)</script>' });
    await expect(run()).rejects.toMatchObject({ code: ErrorCode.AccessDenied });
    expect(as.requestsTo('/token')).toHaveLength(0);
    await expect.poll(() => browser.responses[0]?.body ?? '').toContain('&lt;script&gt;');
    expect(browser.responses[0]!.body).not.toContain('<script>');
  });

  it('A5: the refresh-free code exchange failure is reported with a code, not a stack', async () => {
    const { as, run } = await setup();
    as.replies['authorization_code'] = { status: 400, body: { error: 'invalid_grant', error_description: 'code expired' } };
    await expect(run()).rejects.toMatchObject({ code: ErrorCode.TokenRequestFailed, message: expect.stringContaining('code expired') });
  });
});
