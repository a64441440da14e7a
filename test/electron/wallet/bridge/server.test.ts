import { access, lstat, readFile, stat } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BridgeDiscovery, Problem, TokenResponse } from '../../../../shared/bridge.js';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { startBridgeServer } from '../../../../electron/wallet/bridge/server.js';
import { FAKE_TOKEN, FakeBridgeHandler } from '../../../fakes/fake-bridge-handler.js';
import {
  corsHeaders,
  goodHeaders,
  GOOD_TOKEN_BODY,
  httpCall,
  makeTempDir,
  rawRequest,
  startTestBridge,
  type TestBridge,
} from './support.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('bridge server', () => {
  let bridge: TestBridge;
  beforeAll(async () => {
    bridge = await startTestBridge();
  });
  afterAll(async () => {
    await bridge.close();
  });

  const tcp = (): { port: number } => ({ port: bridge.port });
  const unix = (): { path: string } => ({ path: bridge.socketPath });

  it('hands out a token over TCP and over the Unix socket, no-store, no CORS headers', async () => {
    for (const target of [tcp(), unix()]) {
      const answer = await httpCall(target, { method: 'POST', path: '/v1/token', headers: goodHeaders(JSON_HEADERS), body: GOOD_TOKEN_BODY });
      expect(answer.status).toBe(200);
      expect(TokenResponse.parse(JSON.parse(answer.body)).access_token).toBe(FAKE_TOKEN);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(corsHeaders(answer.headers)).toEqual([]);
    }
    expect(bridge.handler.tokenCalls.at(-1)?.request).toEqual({ resource: 'https://mcp.example/mcp' });
  });

  it('answers whoami and enrolment; enrolment needs no secret', async () => {
    const who = await httpCall(tcp(), { headers: goodHeaders() });
    expect(who.status).toBe(200);
    expect(JSON.parse(who.body).agent.name).toBe('test-agent');
    const enrol = await httpCall(unix(), {
      method: 'POST',
      path: '/v1/enrol',
      headers: { 'latchkey-bridge': '1', ...JSON_HEADERS },
      body: JSON.stringify({ name: 'new-agent' }),
    });
    expect(enrol.status).toBe(200);
    expect(JSON.parse(enrol.body)).toMatchObject({ agent_id: 'agt_BBBBBBBBBBBBBBBBBBBB', name: 'new-agent' });
  });

  it('writes a 0600 discovery file that says where the bridge is', async () => {
    const path = `${bridge.dir.runtimeDir}/bridge.json`;
    const discovery = BridgeDiscovery.parse(JSON.parse(await readFile(path, 'utf8')));
    expect(discovery).toMatchObject({ version: 1, pid: process.pid, socket: bridge.socketPath, url: `http://127.0.0.1:${bridge.port}` });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it('B1: a raw request with Host: attacker.example is refused before the handler', async () => {
    const before = bridge.handler.handledCalls;
    const authBefore = bridge.handler.authenticateCalls.length;
    for (const host of ['attacker.example', `attacker.example:${bridge.port}`, '127.0.0.1', `127.0.0.1:${bridge.port + 1}`, `[::1]:${bridge.port}`]) {
      const answer = await rawRequest(
        tcp(),
        `GET /v1/whoami HTTP/1.1\r\nHost: ${host}\r\nlatchkey-bridge: 1\r\nAuthorization: Bearer ${goodHeaders().authorization?.slice(7)}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.status, host).toBe(421);
      expect(Problem.parse(JSON.parse(answer.body)).code).toBe(ErrorCode.BadHost);
      expect(answer.headers['content-type']).toBe('application/problem+json');
    }
    const noHost = await rawRequest(tcp(), 'GET /v1/whoami HTTP/1.0\r\nlatchkey-bridge: 1\r\n\r\n');
    expect(noHost.status).toBe(421);
    const socketHost = await rawRequest(unix(), 'GET /v1/whoami HTTP/1.1\r\nHost: attacker.example\r\nlatchkey-bridge: 1\r\nConnection: close\r\n\r\n');
    expect(socketHost.status).toBe(421);
    const duplicateHost = await rawRequest(
      tcp(),
      `GET /v1/whoami HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nHost: attacker.example\r\nlatchkey-bridge: 1\r\nConnection: close\r\n\r\n`,
    );
    expect(duplicateHost.status).toBe(400);
    expect(bridge.handler.handledCalls).toBe(before);
    expect(bridge.handler.authenticateCalls.length).toBe(authBefore);
    expect(bridge.handler.rejections.filter((r) => r.code === ErrorCode.BadHost).length).toBeGreaterThanOrEqual(7);
  });

  it('T14: a header that must come once, sent twice under any spelling of its name, is refused before the handler', async () => {
    const before = bridge.handler.handledCalls;
    const secret = goodHeaders().authorization ?? '';
    const lines = {
      host: `Host: 127.0.0.1:${bridge.port}`,
      bridge: 'latchkey-bridge: 1',
      authorization: `Authorization: ${secret}`,
      type: 'Content-Type: application/json',
    };
    const twice: Record<keyof typeof lines, string> = {
      host: `${lines.host}\r\nHOST: 127.0.0.1:${bridge.port}`,
      bridge: `${lines.bridge}\r\nLatchkey-Bridge: 1`,
      authorization: `${lines.authorization}\r\nauthorization: ${secret}`,
      type: `${lines.type}\r\ncontent-type: application/json`,
    };
    for (const name of Object.keys(lines) as Array<keyof typeof lines>) {
      const head = Object.entries(lines).map(([key, line]) => (key === name ? twice[name] : line));
      const answer = await rawRequest(
        tcp(),
        `POST /v1/token HTTP/1.1\r\n${head.join('\r\n')}\r\nContent-Length: ${GOOD_TOKEN_BODY.length}\r\nConnection: close\r\n\r\n${GOOD_TOKEN_BODY}`,
      );
      expect(answer.status, name).toBe(400);
      expect(Problem.parse(JSON.parse(answer.body)).code, name).toBe(ErrorCode.MalformedRequest);
    }
    const once = await rawRequest(
      tcp(),
      `POST /v1/token HTTP/1.1\r\n${Object.values(lines).join('\r\n')}\r\nContent-Length: ${GOOD_TOKEN_BODY.length}\r\nConnection: close\r\n\r\n${GOOD_TOKEN_BODY}`,
    );
    expect(once.status).toBe(200);
    expect(bridge.handler.handledCalls).toBe(before + 1);
  });

  it('B1: localhost:<port> is a loopback Host too', async () => {
    const answer = await httpCall(tcp(), { headers: goodHeaders({ host: `localhost:${bridge.port}` }) });
    expect(answer.status).toBe(200);
  });

  it('B2: Origin null and a foreign Origin are refused with 403 and no Access-Control-* header', async () => {
    const before = bridge.handler.handledCalls;
    for (const origin of ['null', 'https://evil.example', `http://127.0.0.1:${bridge.port}`]) {
      for (const target of [tcp(), unix()]) {
        const answer = await httpCall(target, { method: 'POST', path: '/v1/token', headers: goodHeaders({ ...JSON_HEADERS, origin }), body: GOOD_TOKEN_BODY });
        expect(answer.status).toBe(403);
        expect(JSON.parse(answer.body).code).toBe(ErrorCode.ForbiddenOrigin);
        expect(corsHeaders(answer.headers)).toEqual([]);
      }
    }
    expect(bridge.handler.handledCalls).toBe(before);
  });

  it('B3: a preflight OPTIONS is refused and gets no CORS headers', async () => {
    const preflight = await rawRequest(
      tcp(),
      `OPTIONS /v1/token HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: latchkey-bridge, authorization, content-type\r\nConnection: close\r\n\r\n`,
    );
    expect(preflight.status).toBe(403);
    expect(corsHeaders(preflight.headerNames)).toEqual([]);
    const bare = await rawRequest(tcp(), `OPTIONS /v1/token HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nlatchkey-bridge: 1\r\nConnection: close\r\n\r\n`);
    expect(bare.status).toBe(405);
    expect(JSON.parse(bare.body).code).toBe(ErrorCode.MethodNotAllowed);
    expect(corsHeaders(bare.headerNames)).toEqual([]);
  });

  it('B4: a request without latchkey-bridge: 1 is refused before authentication', async () => {
    const authBefore = bridge.handler.authenticateCalls.length;
    const before = bridge.handler.handledCalls;
    for (const value of [undefined, '0', 'true', '1, 1']) {
      const headers = goodHeaders(JSON_HEADERS);
      if (value === undefined) delete headers['latchkey-bridge'];
      else headers['latchkey-bridge'] = value;
      const answer = await httpCall(tcp(), { method: 'POST', path: '/v1/token', headers, body: GOOD_TOKEN_BODY });
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).code).toBe(ErrorCode.MissingBridgeHeader);
    }
    expect(bridge.handler.authenticateCalls.length).toBe(authBefore);
    expect(bridge.handler.handledCalls).toBe(before);
  });

  it('B6: a missing or wrong bearer secret gets 401 with WWW-Authenticate, the same answer for every wrong secret', async () => {
    const before = bridge.handler.handledCalls;
    const wrong = ['', 'x', 'lks_agent_secret_0123456789abcdefghijklmnopqrstuw', 'A'.repeat(2000), 'lks_agent_secret_0123456789abcdefghijklmnopqrstu'];
    const bodies = new Set<string>();
    const authBefore = bridge.handler.authenticateCalls.length;
    for (const secret of wrong) {
      const headers = goodHeaders(JSON_HEADERS);
      headers.authorization = `Bearer ${secret}`;
      const answer = await httpCall(tcp(), { method: 'POST', path: '/v1/token', headers, body: GOOD_TOKEN_BODY });
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toMatch(/^Bearer/);
      bodies.add(answer.body);
    }
    // Every well-formed wrong secret, short or long, went to the handler's constant-time lookup.
    expect(bridge.handler.authenticateCalls.slice(authBefore)).toEqual(wrong.filter((secret) => secret !== ''));
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz', 'Bearer']) {
      const headers = goodHeaders(JSON_HEADERS);
      if (authorization === undefined) delete headers.authorization;
      else headers.authorization = authorization;
      const answer = await httpCall(unix(), { method: 'POST', path: '/v1/token', headers, body: GOOD_TOKEN_BODY });
      expect(answer.status).toBe(401);
      bodies.add(answer.body);
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).not.toContain('lks_');
    expect(bridge.handler.handledCalls).toBe(before);
  });

  it('B9: TCP is bound to 127.0.0.1 only', () => {
    expect(new URL(bridge.server.url ?? '').hostname).toBe('127.0.0.1');
  });

  it('refuses non-JSON bodies (415), bodies on GET, unknown paths (404) and wrong methods (405)', async () => {
    const before = bridge.handler.handledCalls;
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1']) {
      const answer = await httpCall(tcp(), { method: 'POST', path: '/v1/token', headers: goodHeaders({ 'content-type': contentType }), body: GOOD_TOKEN_BODY });
      expect(answer.status).toBe(415);
    }
    const noType = await httpCall(tcp(), { method: 'POST', path: '/v1/token', headers: goodHeaders(), body: GOOD_TOKEN_BODY });
    expect(noType.status).toBe(415);
    expect((await httpCall(tcp(), { method: 'GET', path: '/v1/whoami', headers: goodHeaders({ 'content-length': '2' }), body: '{}' })).status).toBe(400);
    for (const path of ['/v1/token/', '/v1/token?x=1', '/V1/TOKEN', '/v1//token', '/', '/v1/tokens']) {
      const answer = await httpCall(tcp(), { method: 'POST', path, headers: goodHeaders(JSON_HEADERS), body: GOOD_TOKEN_BODY });
      expect(answer.status, path).toBe(404);
    }
    const wrongMethod = await httpCall(tcp(), { method: 'GET', path: '/v1/token', headers: goodHeaders() });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('POST');
    expect(bridge.handler.handledCalls).toBe(before);
  });

  it('refuses invalid JSON, unknown fields, control characters and bad UTF-8 with 400 input.invalid', async () => {
    const before = bridge.handler.tokenCalls.length;
    const bodies: Array<string | Buffer> = [
      '{',
      '[]',
      'null',
      '{"resource":"https://mcp.example/mcp","extra":1}',
      '{"resource":"https://mcp.example/mcp\\u0000"}',
      '{"resource":"https://mcp.example/mcp\\n"}',
      '{"resource":"https://mcp.example/mcp\u001b[31m"}',
      '{"resource":"https://mcp.example/m\u00e9"}',
      '{"resource":""}',
      '{"resource":"https://mcp.example/mcp","scopes":"read"}',
      '{"__proto__":{"resource":"x"}}',
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    ];
    for (const body of bodies) {
      const answer = await httpCall(tcp(), { method: 'POST', path: '/v1/token', headers: goodHeaders(JSON_HEADERS), body: body.toString() });
      expect(answer.status, body.toString()).toBe(400);
      expect(JSON.parse(answer.body).code).toBe(ErrorCode.InvalidInput);
    }
    expect(bridge.handler.tokenCalls.length).toBe(before);
  });

  it('maps handler errors to statuses with their codes; upstream text never passes; anything else is 500 internal without detail', async () => {
    const cases: Array<[unknown, number, string]> = [
      [new LatchkeyError(ErrorCode.NoGrant, 'No grant for this agent.'), 403, ErrorCode.NoGrant],
      [new LatchkeyError(ErrorCode.GrantDenied, 'Denied.'), 403, ErrorCode.GrantDenied],
      [new LatchkeyError(ErrorCode.ScopeNotGranted, 'Scope.'), 403, ErrorCode.ScopeNotGranted],
      [new LatchkeyError(ErrorCode.CannotNarrow, 'Narrow.'), 403, ErrorCode.CannotNarrow],
      [new LatchkeyError(ErrorCode.ApprovalTimeout, 'Timeout.'), 403, ErrorCode.ApprovalTimeout],
      [new LatchkeyError(ErrorCode.RateLimited, 'Slow.', { details: { retryAfterSeconds: 7 } }), 429, ErrorCode.RateLimited],
      [new LatchkeyError(ErrorCode.NeedsReauth, 'Sign in again.'), 409, ErrorCode.NeedsReauth],
      [new LatchkeyError(ErrorCode.NotConnected, 'Connect first.'), 409, ErrorCode.NotConnected],
      [new LatchkeyError(ErrorCode.Unauthenticated, 'Session ended.'), 401, ErrorCode.Unauthenticated],
      [new LatchkeyError(ErrorCode.InvalidInput, 'Bad resource.'), 400, ErrorCode.InvalidInput],
      [new LatchkeyError(ErrorCode.ApprovalPending, 'Waiting.', { details: { approvalId: 'apr_CCCCCCCCCCCCCCCCCCCC', retryAfterSeconds: 5 } }), 202, ErrorCode.ApprovalPending],
      [new LatchkeyError(ErrorCode.TokenRequestFailed, 'secret upstream detail'), 502, ErrorCode.TokenRequestFailed],
      [new Error('boom with token eyJhbGciOi.eyJzdWIi.sig'), 500, ErrorCode.Internal],
    ];
    try {
      for (const [error, status, code] of cases) {
        bridge.handler.tokenImpl = () => Promise.reject(error);
        const answer = await httpCall(unix(), { method: 'POST', path: '/v1/token', headers: goodHeaders(JSON_HEADERS), body: GOOD_TOKEN_BODY });
        expect(answer.status, code).toBe(status);
        const problem = Problem.parse(JSON.parse(answer.body));
        expect(problem.code).toBe(code);
        expect(answer.headers['content-type']).toBe('application/problem+json');
        if (status === 500) expect(problem.detail).toBeUndefined();
        // Upstream (authorization server) text and internal messages never reach the agent.
        expect(answer.body).not.toMatch(/secret|boom|eyJ/);
        if (code === ErrorCode.RateLimited) expect(answer.headers['retry-after']).toBe('7');
        if (code === ErrorCode.ApprovalPending) expect(problem.approval_id).toBe('apr_CCCCCCCCCCCCCCCCCCCC');
      }
      bridge.handler.tokenImpl = () => Promise.resolve({ access_token: 't', token_type: 'Bearer', expires_at: 1, scope: '', refresh_token: 'r' } as TokenResponse);
      const stripped = await httpCall(unix(), { method: 'POST', path: '/v1/token', headers: goodHeaders(JSON_HEADERS), body: GOOD_TOKEN_BODY });
      expect(JSON.parse(stripped.body)).not.toHaveProperty('refresh_token');
      expect(Object.keys(JSON.parse(stripped.body)).sort()).toEqual(['access_token', 'expires_at', 'scope', 'token_type']);
      // An answer the schema would refuse is not sent: a fractional expiry is an internal error.
      bridge.handler.tokenImpl = () => Promise.resolve({ access_token: 't', token_type: 'Bearer', expires_at: 1.5, scope: '' });
      const fractional = await httpCall(unix(), { method: 'POST', path: '/v1/token', headers: goodHeaders(JSON_HEADERS), body: GOOD_TOKEN_BODY });
      expect(fractional.status).toBe(500);
      expect(fractional.body).not.toMatch(/"t"/);
    } finally {
      bridge.handler.tokenImpl = undefined;
    }
  });

  it('aborts the handler signal when the caller goes away', async () => {
    bridge.handler.tokenImpl = (call) =>
      new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
    try {
      const next = bridge.handler.nextTokenCall();
      const socket = connect({ host: '127.0.0.1', port: bridge.port });
      socket.on('error', () => undefined);
      socket.write(
        `POST /v1/token HTTP/1.1\r\nHost: 127.0.0.1:${bridge.port}\r\nlatchkey-bridge: 1\r\nAuthorization: ${goodHeaders().authorization}\r\nContent-Type: application/json\r\nContent-Length: ${GOOD_TOKEN_BODY.length}\r\n\r\n${GOOD_TOKEN_BODY}`,
      );
      const call = await next;
      expect(call.signal.aborted).toBe(false);
      const aborted = new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve(), { once: true }));
      socket.destroy();
      await aborted;
    } finally {
      bridge.handler.tokenImpl = undefined;
    }
  });
});

describe('bridge server rate limit', () => {
  it('refuses with 429 and Retry-After once an agent is past its burst, and recovers with time', async () => {
    let now = 1_000_000;
    const bridge = await startTestBridge({ clock: { now: () => now }, limits: { ratePerSecond: 2, rateBurst: 3 } });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) statuses.push((await httpCall({ path: bridge.socketPath }, { headers: goodHeaders() })).status);
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      const limited = await httpCall({ path: bridge.socketPath }, { headers: goodHeaders() });
      expect(limited.headers['retry-after']).toBe('1');
      expect(JSON.parse(limited.body).code).toBe(ErrorCode.RateLimited);
      expect(bridge.handler.rejections.at(-1)).toMatchObject({ code: ErrorCode.RateLimited, status: 429, agentId: 'agt_AAAAAAAAAAAAAAAAAAAA' });
      now += 1_000;
      expect((await httpCall({ path: bridge.socketPath }, { headers: goodHeaders() })).status).toBe(200);
    } finally {
      await bridge.close();
    }
  });
});

describe('bridge server lifecycle', () => {
  it('close() removes the socket and the discovery file', async () => {
    const bridge = await startTestBridge();
    await bridge.server.close();
    await expect(access(bridge.socketPath)).rejects.toThrow();
    await expect(access(`${bridge.dir.runtimeDir}/bridge.json`)).rejects.toThrow();
    await bridge.dir.remove();
  });

  it('replaces a stale socket from a dead bridge, and refuses to start next to a live one', async () => {
    const dir = await makeTempDir();
    try {
      const first = await startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir: dir.runtimeDir });
      await expect(startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir: dir.runtimeDir })).rejects.toMatchObject({ code: ErrorCode.BridgeInUse });
      await first.close();
      const socketPath = first.socketPath ?? '';
      // A daemon killed with SIGKILL leaves its socket file behind: a socket nobody listens on.
      await leaveStaleSocket(socketPath);
      expect((await lstat(socketPath)).isSocket()).toBe(true);
      const second = await startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir: dir.runtimeDir });
      expect((await lstat(second.socketPath ?? '')).isSocket()).toBe(true);
      await second.close();
    } finally {
      await dir.remove();
    }
  });

  it('serves TCP only when the socket path would be too long for a Unix socket', async () => {
    const dir = await makeTempDir();
    try {
      const long = `${dir.base}/${'d'.repeat(100)}`;
      const server = await startBridgeServer({ handler: new FakeBridgeHandler(), runtimeDir: long });
      expect(server.socketPath).toBeUndefined();
      expect(server.discovery.socket).toBeUndefined();
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await server.close();
    } finally {
      await dir.remove();
    }
  });
});

/** Starts a process listening on `path` and SIGKILLs it, as a crashed daemon would. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(process.argv[1], () => console.log('ready'))`, path], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}
