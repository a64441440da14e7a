/**
 * The device authorization grant (RFC 8628) against a scripted authorization server: what is
 * announced, the polling pace (interval, its floor, slow_down), the outcomes (tokens, declined,
 * expired, our deadline, cancel) and when device sign-in is not available at all. Polling waits
 * run on fake timers; Date is faked too, so each poll's time is exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { ConnectProgress } from '../../../../shared/connections.js';
import { authorizeOnDevice, pollInterval } from '../../../../electron/wallet/oauth/device.js';
import { buildClientConfiguration } from '../../../../electron/wallet/oauth/client-config.js';
import { FAKE_ISSUER, fakePublicClient, fakeServerMetadata } from '../../../fakes/fake-token-endpoint.js';
import type * as client from 'openid-client';

const RESOURCE = 'https://mcp.example.test/mcp';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const policy = { allowInsecureLoopback: false };
const publicClient = fakePublicClient({ grantTypes: ['authorization_code', 'refresh_token', DEVICE_GRANT] });

type Reply = { status: number; body: Record<string, unknown> };

/** A scripted AS: the device authorization answer, then one token answer per poll (the last one repeats). */
class DeviceServer {
  readonly requests: Array<{ path: string; params: URLSearchParams; at: number }> = [];
  device: Reply = {
    status: 200,
    body: {
      device_code: 'dc-1',
      user_code: 'WDJB-MJHT',
      verification_uri: `${FAKE_ISSUER}/device`,
      verification_uri_complete: `${FAKE_ISSUER}/device?user_code=WDJB-MJHT`,
      expires_in: 600,
      interval: 2,
    },
  };
  polls: Reply[] = [{ status: 200, body: { access_token: 'at-1', token_type: 'Bearer', expires_in: 300, refresh_token: 'rt-1', scope: 'mcp:read' } }];

  readonly fetch = async (input: string | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const params = new URLSearchParams(typeof init?.body === 'string' ? init.body : init?.body instanceof URLSearchParams ? init.body.toString() : '');
    this.requests.push({ path: url.pathname, params, at: Date.now() });
    const reply = url.pathname === '/device/auth' ? this.device : this.polls.length > 1 ? this.polls.shift()! : this.polls[0]!;
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json' } });
  };

  polled(): Array<{ params: URLSearchParams; at: number }> {
    return this.requests.filter((r) => r.path === '/token');
  }
}

const pending: Reply = { status: 400, body: { error: 'authorization_pending' } };
const slowDown: Reply = { status: 400, body: { error: 'slow_down' } };

function start(server: DeviceServer, overrides: { metadata?: Partial<client.ServerMetadata>; sendResource?: boolean; timeoutMs?: number; signal?: AbortSignal } = {}) {
  const events: ConnectProgress[] = [];
  const metadata = fakeServerMetadata({ device_authorization_endpoint: `${FAKE_ISSUER}/device/auth`, ...overrides.metadata });
  const run = authorizeOnDevice({
    config: buildClientConfiguration(metadata, publicClient, { fetch: server.fetch, policy }),
    resource: RESOURCE,
    sendResource: overrides.sendResource ?? true,
    scopes: ['mcp:read'],
    policy,
    clock: { now: () => Date.now() },
    timeoutMs: overrides.timeoutMs ?? 300_000,
    signal: overrides.signal,
    onProgress: (event) => events.push(event),
  });
  run.catch(() => undefined);
  return { run, events };
}

/** Advances fake time in small steps until `promise` settles (or `maxMs` passed). */
async function settle(promise: Promise<unknown>, maxMs = 120_000): Promise<void> {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  for (let elapsed = 0; !done && elapsed < maxMs; elapsed += 250) await vi.advanceTimersByTimeAsync(250);
}

describe('device sign-in: polling', () => {
  let t0 = 0;
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    t0 = Date.now();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('announces the code, both URIs and the interval; polls through authorization_pending at that interval; resource on both requests', async () => {
    const server = new DeviceServer();
    server.polls = [pending, pending, ...server.polls];
    const { run, events } = start(server);
    await settle(run);
    await expect(run).resolves.toMatchObject({ access_token: 'at-1', refresh_token: 'rt-1' });
    expect(events).toEqual([
      {
        step: 'device',
        verificationUri: `${FAKE_ISSUER}/device`,
        verificationUriComplete: `${FAKE_ISSUER}/device?user_code=WDJB-MJHT`,
        userCode: 'WDJB-MJHT',
        expiresAt: t0 + 300_000,
        intervalSeconds: 2,
      },
    ]);
    expect(server.polled().map((p) => p.at - t0)).toEqual([2_000, 4_000, 6_000]);
    const [authorization] = server.requests;
    expect(authorization?.params.get('resource')).toBe(RESOURCE);
    expect(authorization?.params.get('scope')).toBe('mcp:read');
    expect(server.polled().every((p) => p.params.get('resource') === RESOURCE && p.params.get('grant_type') === DEVICE_GRANT)).toBe(true);
  });

  it('slow_down adds 5 s to the interval for every later poll', async () => {
    const server = new DeviceServer();
    server.polls = [slowDown, pending, ...server.polls];
    const { run } = start(server);
    await settle(run);
    await expect(run).resolves.toMatchObject({ access_token: 'at-1' });
    expect(server.polled().map((p) => p.at - t0)).toEqual([2_000, 9_000, 16_000]);
  });

  it('no interval means 5 s; a fraction of a second is raised to 1 s and more than a minute capped (no busy polling)', async () => {
    const server = new DeviceServer();
    delete server.device.body['interval'];
    server.polls = [pending, ...server.polls];
    const { run, events } = start(server);
    await settle(run);
    expect(server.polled().map((p) => p.at - t0)).toEqual([5_000, 10_000]);
    expect(events[0]).toMatchObject({ intervalSeconds: 5 });
    expect([pollInterval(undefined), pollInterval(0), pollInterval(0.2), pollInterval(3600)]).toEqual([5, 1, 1, 60]);
  });

  it.each([
    ['access_denied', ErrorCode.AccessDenied],
    ['expired_token', ErrorCode.AuthorizationTimeout],
    ['invalid_grant', ErrorCode.TokenRequestFailed],
  ])('%s while polling ends it as %s; polling stops', async (error, code) => {
    const server = new DeviceServer();
    server.polls = [pending, { status: 400, body: { error } }];
    const { run } = start(server);
    await settle(run);
    await expect(run).rejects.toMatchObject({ code });
    const polls = server.polled().length;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(server.polled()).toHaveLength(polls);
  });

  it('Ctrl-C (the signal) cancels between polls: authorize.cancelled, no poll after it', async () => {
    const server = new DeviceServer();
    server.polls = [pending];
    const cancel = new AbortController();
    const { run } = start(server, { signal: cancel.signal });
    await vi.advanceTimersByTimeAsync(4_500);
    expect(server.polled()).toHaveLength(2);
    cancel.abort();
    await settle(run);
    await expect(run).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    await vi.advanceTimersByTimeAsync(30_000);
    expect(server.polled()).toHaveLength(2);
  });

  it('--no-resource: neither the device request nor the polls carry resource', async () => {
    const server = new DeviceServer();
    const { run } = start(server, { sendResource: false });
    await settle(run);
    await run;
    expect(server.requests.length).toBeGreaterThan(1);
    expect(server.requests.every((r) => !r.params.has('resource'))).toBe(true);
  });
});

describe('device sign-in: deadline and availability', () => {
  it('the code\'s expiry ends the wait (authorize.timeout) when it comes before ours', async () => {
    const server = new DeviceServer();
    server.device.body['expires_in'] = 2;
    server.device.body['interval'] = 1;
    server.polls = [pending];
    const { run, events } = start(server);
    await expect(run).rejects.toMatchObject({ code: ErrorCode.AuthorizationTimeout, message: expect.stringContaining('within 2 s') });
    expect(events[0]).toMatchObject({ step: 'device' });
  }, 10_000);

  it('no device_authorization_endpoint: authorize.device_flow_unavailable, nothing is requested', async () => {
    const server = new DeviceServer();
    const { run } = start(server, { metadata: { device_authorization_endpoint: undefined } });
    await expect(run).rejects.toMatchObject({ code: ErrorCode.DeviceFlowUnavailable, hint: expect.stringContaining('--paste') });
    expect(server.requests).toEqual([]);
  });

  it('a client the server does not allow the grant: authorize.device_flow_unavailable naming --reregister', async () => {
    const server = new DeviceServer();
    server.device = { status: 400, body: { error: 'unauthorized_client' } };
    const { run } = start(server);
    await expect(run).rejects.toMatchObject({ code: ErrorCode.DeviceFlowUnavailable, hint: expect.stringContaining('--reregister') });
    expect(server.polled()).toEqual([]);
  });

  it('a verification URI that is not a web address is refused; a doubtful verification_uri_complete is left out', async () => {
    const bad = new DeviceServer();
    bad.device.body['verification_uri'] = 'javascript:alert(1)';
    await expect(start(bad).run).rejects.toMatchObject({ code: ErrorCode.UnsafeOpenUrl });
    expect(bad.polled()).toEqual([]);

    const doubtful = new DeviceServer();
    doubtful.device.body['verification_uri_complete'] = 'file:///etc/passwd';
    doubtful.device.body['interval'] = 1;
    const { run, events } = start(doubtful);
    await run;
    expect(events[0]).not.toHaveProperty('verificationUriComplete');
  }, 10_000);
});
