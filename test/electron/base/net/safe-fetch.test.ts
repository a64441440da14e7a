import type { ServerResponse } from 'node:http';
import { processDiscoveryResponse } from 'oauth4webapi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSafeFetch, type SafeFetch, type SafeFetchOptions } from '../../../../electron/base/net/safe-fetch.js';
import type { Lookup } from '../../../../electron/base/net/address-guard.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { sendJson, startHttpFixture, type HttpFixture } from '../../../fakes/http-fixture.js';
import { rejection } from '../../../support/rejection.js';

let fx: HttpFixture;
const fetches: SafeFetch[] = [];

function safeFetch(options: Partial<SafeFetchOptions> = {}): SafeFetch {
  const f = createSafeFetch({ allowInsecureLoopback: true, env: {}, ...options });
  fetches.push(f);
  return f;
}

/** A resolver that answers from a script, one answer per call, and counts its calls. */
function scriptedLookup(...answers: string[][]): Lookup & { calls: number } {
  const lookup = Object.assign(
    (): Promise<Array<{ address: string; family: 4 | 6 }>> => {
      const answer = answers[Math.min(lookup.calls, answers.length - 1)] ?? [];
      lookup.calls += 1;
      return Promise.resolve(answer.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
    },
    { calls: 0 },
  );
  return lookup;
}

beforeEach(async () => {
  fx = await startHttpFixture();
  fx.route('/ok', (_req, res) => sendJson(res, 200, { ok: true }));
});

afterEach(async () => {
  await Promise.all(fetches.splice(0).map((f) => f.close()));
  await fx.close();
});

describe('safe fetch: addresses (O10)', () => {
  const forms = [
    '127.0.0.1',
    '0x7f000001',
    '2130706433',
    '0177.0.0.1',
    '127.1',
    '0.0.0.0',
    '0',
    '[::1]',
    '[::ffff:127.0.0.1]',
    '[::ffff:7f00:1]',
    '[fe80::1]',
    '169.254.169.254',
    '10.0.0.1',
    '192.168.1.1',
    '100.64.0.1',
  ];

  it.each(forms)('O10: refuses https://%s:<port> without connecting', async (host) => {
    const f = safeFetch({ allowInsecureLoopback: false });
    const error = await rejection(f(`https://${host}:${fx.port}/ok?secret=abc`));
    expect(error.code).toBe(ErrorCode.BlockedAddress);
    expect(error.message).not.toContain('secret');
    expect(fx.connections).toBe(0);
  });

  it.each(['127.0.0.1', '0x7f000001', '2130706433', '127.1', 'localhost'])(
    'O10: refuses plain http://%s:<port> without insecure loopback, without connecting',
    async (host) => {
      const f = safeFetch({ allowInsecureLoopback: false });
      const error = await rejection(f(`http://${host}:${fx.port}/ok`));
      expect(error.code).toBe(ErrorCode.InsecureUrl);
      expect(fx.connections).toBe(0);
    },
  );

  it('O10: refuses 127.0.0.1:<bridge port> reached through a DNS name, without connecting', async () => {
    const lookup = scriptedLookup(['127.0.0.1']);
    const f = safeFetch({ allowInsecureLoopback: false, lookup });
    const error = await rejection(f(`https://bridge.attacker.test:${fx.port}/ok`));
    expect(error.code).toBe(ErrorCode.BlockedAddress);
    expect(error.message).toContain('bridge.attacker.test');
    expect(error.message).toContain('127.0.0.1');
    expect(fx.connections).toBe(0);
  });

  it('O10: refuses a name whose answer mixes a public and a private address', async () => {
    const f = safeFetch({ allowInsecureLoopback: false, lookup: scriptedLookup(['93.184.216.34', '127.0.0.1']) });
    expect((await rejection(f(`https://mixed.test:${fx.port}/ok`))).code).toBe(ErrorCode.BlockedAddress);
    expect(fx.connections).toBe(0);
  });

  it('O10: with insecure loopback allowed, private and metadata ranges stay refused', async () => {
    const f = safeFetch({ lookup: scriptedLookup(['169.254.169.254']) });
    expect((await rejection(f('https://169.254.169.254/latest/meta-data'))).code).toBe(ErrorCode.BlockedAddress);
    expect((await rejection(f('https://10.1.2.3/'))).code).toBe(ErrorCode.BlockedAddress);
    expect((await rejection(f('https://metadata.test/'))).code).toBe(ErrorCode.BlockedAddress);
  });

  it('refuses non-http schemes and URLs with credentials', async () => {
    const f = safeFetch();
    expect((await rejection(f('file:///etc/passwd'))).code).toBe(ErrorCode.InsecureUrl);
    expect((await rejection(f('ftp://example.com/'))).code).toBe(ErrorCode.InsecureUrl);
    expect((await rejection(f(`http://user:pw@127.0.0.1:${fx.port}/ok`))).code).toBe(ErrorCode.InvalidUrl);
    expect((await rejection(f('not a url'))).code).toBe(ErrorCode.InvalidUrl);
    expect(fx.connections).toBe(0);
  });
});

describe('safe fetch: DNS rebinding (O11)', () => {
  it('O11: resolves once per connection and connects to the address it checked', async () => {
    // Answers loopback (allowed in this dev-mode fetch) first, then a private address. A fetch
    // that resolved twice (once to check, once to connect) would check 127.0.0.1 and then try
    // 10.0.0.1; this one must reach the fixture, with exactly one resolution.
    fx.route('/close', (_req, res) => sendJson(res, 200, { ok: true }, { connection: 'close' }));
    const lookup = scriptedLookup(['127.0.0.1'], ['10.0.0.1']);
    const f = safeFetch({ lookup });
    const response = await f(`http://localhost:${fx.port}/close`);
    expect(await response.json()).toEqual({ ok: true });
    expect(lookup.calls).toBe(1);
    expect(fx.connections).toBe(1);

    // The next connection gets the rebound answer: refused, and no new connection anywhere.
    const error = await rejection(f(`http://localhost:${fx.port}/close`));
    expect(error.code).toBe(ErrorCode.BlockedAddress);
    expect(error.message).toContain('10.0.0.1');
    expect(lookup.calls).toBe(2);
    expect(fx.connections).toBe(1);
  });

  it('O11: a resolver answering public then 127.0.0.1 never gets a loopback connection', async () => {
    // Strict mode: the rebound answer (loopback) is refused at connect time. The first answer is
    // a documentation address so the test sends nothing off this machine: it is refused too,
    // which is the point — each answer is judged where it is used.
    const lookup = scriptedLookup(['198.51.100.10'], ['127.0.0.1']);
    const f = safeFetch({ allowInsecureLoopback: false, lookup });
    expect((await rejection(f(`https://rebind.test:${fx.port}/ok`))).code).toBe(ErrorCode.BlockedAddress);
    expect((await rejection(f(`https://rebind.test:${fx.port}/ok`))).code).toBe(ErrorCode.BlockedAddress);
    expect(lookup.calls).toBe(2);
    expect(fx.connections).toBe(0);
  });
});

describe('safe fetch: several addresses', () => {
  it('tries the checked addresses in order (localhost answering ::1 first, server on 127.0.0.1)', async () => {
    const lookup = scriptedLookup(['::1', '127.0.0.1']);
    const response = await safeFetch({ lookup })(`http://localhost:${fx.port}/ok`);
    expect(await response.json()).toEqual({ ok: true });
    expect(lookup.calls).toBe(1);
  });
});

describe('safe fetch: redirects (O12)', () => {
  let other: HttpFixture;
  beforeEach(async () => {
    other = await startHttpFixture();
    other.route('/ok', (_req, res) => sendJson(res, 200, { other: true }));
  });
  afterEach(async () => {
    await other.close();
  });

  const redirect = (location: string, status = 302) => (_req: unknown, res: ServerResponse) => {
    res.writeHead(status, { location });
    res.end();
  };

  it('O12: refuses a redirect to another loopback origin, without connecting to it', async () => {
    fx.route('/r', redirect(`${other.origin}/ok`));
    const error = await rejection(safeFetch()(`${fx.origin}/r`));
    expect(error.code).toBe(ErrorCode.RedirectRefused);
    expect(error.message).toContain(other.origin);
    expect(other.connections).toBe(0);
  });

  it('O12: refuses redirects to 127.0.0.1, localhost, [::1] and metadata addresses', async () => {
    for (const target of ['http://127.0.0.1:1/x', 'http://localhost/x', 'http://[::1]/x', 'http://169.254.169.254/latest']) {
      fx.route('/r', redirect(target, 307));
      expect((await rejection(safeFetch()(`${fx.origin}/r`))).code).toBe(ErrorCode.RedirectRefused);
    }
  });

  it('follows up to 3 same-origin redirects, then refuses', async () => {
    fx.route('/a', redirect('/b', 301));
    fx.route('/b', redirect(`${fx.origin}/c`, 308));
    fx.route('/c', redirect('/ok', 303));
    const response = await safeFetch()(`${fx.origin}/a`);
    expect(response.status).toBe(200);
    expect(response.redirected).toBe(true);
    expect(response.url).toBe(`${fx.origin}/ok`);
    fx.route('/loop', redirect('/loop'));
    expect((await rejection(safeFetch()(`${fx.origin}/loop`))).code).toBe(ErrorCode.RedirectRefused);
    expect(fx.requests.filter((r) => r.path === '/loop')).toHaveLength(4);
  });

  it("honours redirect: 'manual' (openid-client) and 'error'", async () => {
    fx.route('/r', redirect(`${other.origin}/ok`));
    const manual = await safeFetch()(`${fx.origin}/r`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe(`${other.origin}/ok`);
    expect((await rejection(safeFetch()(`${fx.origin}/r`, { redirect: 'error' }))).code).toBe(ErrorCode.RedirectRefused);
    expect(other.connections).toBe(0);
  });

  it('does not replay a POST across a redirect', async () => {
    fx.route('/r', redirect('/ok', 307));
    expect((await rejection(safeFetch()(`${fx.origin}/r`, { method: 'POST', body: 'x' }))).code).toBe(ErrorCode.RedirectRefused);
  });
});

describe('safe fetch: caps (O13)', () => {
  it('O13: aborts an oversized streamed body', async () => {
    fx.route('/big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('['.padEnd(1000, ' '));
      res.write(''.padEnd(1000, ' '));
      res.end(']');
    });
    const response = await safeFetch({ maxResponseBytes: 1024 })(`${fx.origin}/big`);
    expect((await rejection(response.text())).code).toBe(ErrorCode.ResponseTooLarge);
  });

  it('O13: refuses a declared Content-Length over the cap before reading', async () => {
    fx.route('/big', (_req, res) => sendJson(res, 200, { pad: ''.padEnd(4096, 'x') }));
    const error = await rejection(safeFetch({ maxResponseBytes: 1024 })(`${fx.origin}/big`));
    expect(error.code).toBe(ErrorCode.ResponseTooLarge);
    expect(error.message).toContain(`${fx.origin}/big`);
  });

  it('O13: times out a server that never answers', async () => {
    fx.route('/silent', () => undefined);
    const error = await rejection(safeFetch({ timeoutMs: 300 })(`${fx.origin}/silent`));
    expect(error.code).toBe(ErrorCode.Timeout);
  });

  it('O13: times out a body that never finishes', async () => {
    fx.route('/slow', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const response = await safeFetch({ timeoutMs: 300 })(`${fx.origin}/slow`);
    expect((await rejection(response.json())).code).toBe(ErrorCode.Timeout);
  });

  it('O13: errors are not cached: the same URL succeeds once the server is fixed', async () => {
    const f = safeFetch({ timeoutMs: 300 });
    fx.route('/flaky', () => undefined);
    expect((await rejection(f(`${fx.origin}/flaky`))).code).toBe(ErrorCode.Timeout);
    fx.route('/flaky', (_req, res) => sendJson(res, 200, { fixed: true }));
    expect(await (await f(`${fx.origin}/flaky`)).json()).toEqual({ fixed: true });
  });

  it('reports a refused connection as Unreachable', async () => {
    const port = fx.port;
    await fx.close();
    fx = await startHttpFixture();
    const error = await rejection(safeFetch()(`http://127.0.0.1:${port}/ok`));
    expect(error.code).toBe(ErrorCode.Unreachable);
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });
});

describe('safe fetch: a fetch for openid-client', () => {
  it('passes method, headers and body through and returns a standard Response', async () => {
    fx.route('/token', (req, res) => sendJson(res, 200, { method: req.method, type: req.headers['content-type'], body: req.body }));
    const response = await safeFetch()(`${fx.origin}/token`, {
      method: 'POST',
      headers: new Headers({ 'content-type': 'application/x-www-form-urlencoded' }),
      body: new URLSearchParams({ grant_type: 'refresh_token' }),
      redirect: 'manual',
    });
    expect(response).toBeInstanceOf(Response);
    expect(response.url).toBe(`${fx.origin}/token`);
    expect(await response.json()).toEqual({ method: 'POST', type: 'application/x-www-form-urlencoded', body: 'grant_type=refresh_token' });
  });

  it('returns Responses that oauth4webapi accepts as they are', async () => {
    fx.route('/.well-known/oauth-authorization-server', (_req, res) => sendJson(res, 200, { issuer: fx.origin }));
    const response = await safeFetch()(`${fx.origin}/.well-known/oauth-authorization-server`, { redirect: 'manual' });
    expect((await processDiscoveryResponse(new URL(fx.origin), response)).issuer).toBe(fx.origin);
  });

  it("rejects with the caller's abort reason", async () => {
    fx.route('/silent', () => undefined);
    const controller = new AbortController();
    const pending = safeFetch()(`${fx.origin}/silent`, { signal: controller.signal });
    await fx.waitForRequests(1);
    controller.abort(new Error('user cancelled'));
    await expect(pending).rejects.toThrow('user cancelled');
  });

  it('handles 204 and HEAD without a body', async () => {
    fx.route('/none', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    expect((await safeFetch()(`${fx.origin}/none`)).status).toBe(204);
    expect((await safeFetch()(`${fx.origin}/ok`, { method: 'HEAD' })).status).toBe(200);
  });

  it('O14: refuses every request while NODE_TLS_REJECT_UNAUTHORIZED=0', async () => {
    const error = await rejection(safeFetch({ env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } })(`${fx.origin}/ok`));
    expect(error.code).toBe(ErrorCode.TlsVerificationDisabled);
    expect(fx.connections).toBe(0);
  });
});
