import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { createBridgeClient, DEFAULT_TOKEN_TIMEOUT_MS, locateBridge, requestEnrolment, type BridgeClient } from '../../../../electron/agent/bridge-client/client.js';
import { DEFAULT_APPROVAL_TIMEOUT_MS } from '../../../../electron/wallet/broker/token-broker.js';
import { DEFAULT_BROWSER_TIMEOUT_MS } from '../../../../electron/wallet/connections/connection-service.js';
import { FAKE_AGENT_SECRET, FAKE_TOKEN } from '../../../fakes/fake-bridge-handler.js';
import { startTestBridge, type TestBridge } from '../../wallet/bridge/support.js';

async function caught(promise: Promise<unknown>): Promise<LatchkeyError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LatchkeyError) return error;
    throw error;
  }
  throw new Error('expected a LatchkeyError');
}

describe('bridge client against the real server', () => {
  let bridge: TestBridge;
  const clients: BridgeClient[] = [];
  const client = (options: Partial<Parameters<typeof createBridgeClient>[0]> = {}): BridgeClient => {
    const created = createBridgeClient({ socketPath: bridge.socketPath, secret: FAKE_AGENT_SECRET, ...options });
    clients.push(created);
    return created;
  };
  beforeAll(async () => {
    bridge = await startTestBridge();
  });
  afterAll(async () => {
    clients.forEach((c) => c.close());
    await bridge.close();
  });

  it('gets a token and whoami over the Unix socket and over TCP', async () => {
    for (const c of [client(), client({ socketPath: undefined, url: bridge.server.url })]) {
      const token = await c.token('https://mcp.example/mcp', ['read', 'write']);
      expect(token).toEqual({ access_token: FAKE_TOKEN, token_type: 'Bearer', expires_at: 1_700_000_900, scope: 'read write' });
      expect((await c.whoami()).agent.name).toBe('test-agent');
    }
    expect(bridge.handler.tokenCalls.at(-1)?.request).toEqual({ resource: 'https://mcp.example/mcp', scopes: ['read', 'write'] });
  });

  it('prefers the socket when both are given', async () => {
    const before = bridge.handler.rejections.length;
    await client({ url: 'http://127.0.0.1:1' }).whoami();
    expect(bridge.handler.rejections.length).toBe(before);
  });

  it('turns problem+json into a LatchkeyError with the server code, status and detail, never the secret', async () => {
    const wrong = await caught(client({ secret: 'not-the-secret' }).token('https://mcp.example/mcp'));
    expect(wrong.code).toBe(ErrorCode.Unauthenticated);
    expect(wrong.details['status']).toBe(401);
    expect(JSON.stringify(wrong.toJSON())).not.toContain('not-the-secret');

    bridge.handler.tokenImpl = () => Promise.reject(new LatchkeyError(ErrorCode.NoGrant, 'No grant for test-agent on this server.', { hint: 'Ask the owner.' }));
    const denied = await caught(client().token('https://mcp.example/mcp'));
    expect(denied.code).toBe(ErrorCode.NoGrant);
    expect(denied.message).toBe('No grant for test-agent on this server. Ask the owner.');
    expect(denied.details['status']).toBe(403);

    bridge.handler.tokenImpl = () =>
      Promise.reject(new LatchkeyError(ErrorCode.ApprovalPending, 'Waiting.', { details: { approvalId: 'apr_DDDDDDDDDDDDDDDDDDDD', retryAfterSeconds: 3 } }));
    const pending = await caught(client().token('https://mcp.example/mcp'));
    expect(pending.code).toBe(ErrorCode.ApprovalPending);
    expect(pending.details).toMatchObject({ status: 202, approvalId: 'apr_DDDDDDDDDDDDDDDDDDDD', retryAfterSeconds: 3 });
    bridge.handler.tokenImpl = undefined;
  });

  it('refuses a resource with control characters before sending anything', async () => {
    const before = bridge.handler.authenticateCalls.length;
    expect((await caught(client().token('https://mcp.example/\u001b[2J'))).code).toBe(ErrorCode.InvalidInput);
    expect(bridge.handler.authenticateCalls.length).toBe(before);
  });

  it('times out, and the server sees the caller go away', async () => {
    bridge.handler.tokenImpl = (call) => new Promise((_resolve, reject) => call.signal.addEventListener('abort', () => reject(new Error('gone')), { once: true }));
    try {
      const next = bridge.handler.nextTokenCall();
      const result = caught(client({ timeoutMs: 300, tokenTimeoutMs: 300 }).token('https://mcp.example/mcp'));
      const call = await next;
      const aborted = new Promise<void>((resolve) => call.signal.addEventListener('abort', () => resolve(), { once: true }));
      expect((await result).code).toBe(ErrorCode.Timeout);
      await aborted;
    } finally {
      bridge.handler.tokenImpl = undefined;
    }
  });

  it('T3: a token request (maybe a step-up: approval, then a browser sign-in) outlives the short timeout of other requests', async () => {
    expect(DEFAULT_TOKEN_TIMEOUT_MS).toBeGreaterThan(DEFAULT_APPROVAL_TIMEOUT_MS + DEFAULT_BROWSER_TIMEOUT_MS);
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    bridge.handler.tokenImpl = async () => {
      await released;
      return { access_token: 'at-late', token_type: 'Bearer', expires_at: Math.floor(Date.now() / 1000) + 300, scope: 'mcp:write' };
    };
    bridge.handler.enrolImpl = (_request, signal) => new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('gone')), { once: true }));
    try {
      const next = bridge.handler.nextTokenCall();
      const waiting = client({ timeoutMs: 200 }).token('https://mcp.example/mcp');
      await next;
      // Another request with the same short timeout gives up meanwhile; the token request does not.
      expect((await caught(requestEnrolment({ socketPath: bridge.socketPath }, { name: 'slow' }, 200))).code).toBe(ErrorCode.Timeout);
      release();
      await expect(waiting).resolves.toMatchObject({ access_token: 'at-late' });
    } finally {
      bridge.handler.tokenImpl = undefined;
      bridge.handler.enrolImpl = undefined;
    }
  });

  it('asks for enrolment without a secret', async () => {
    const enrolled = await requestEnrolment({ socketPath: bridge.socketPath }, { name: 'newcomer' });
    expect(enrolled).toMatchObject({ agent_id: 'agt_BBBBBBBBBBBBBBBBBBBB', name: 'newcomer' });
  });

  it('locateBridge: the environment first, else the discovery file', async () => {
    expect(locateBridge({ LATCHKEY_BRIDGE_SOCKET: '/x/bridge.sock' }, bridge.dir.runtimeDir)).toEqual({ socketPath: '/x/bridge.sock', url: undefined });
    expect(locateBridge({}, bridge.dir.runtimeDir)).toEqual({ socketPath: bridge.socketPath, url: bridge.server.url });
    expect(locateBridge({ LATCHKEY_RUNTIME_DIR: bridge.dir.runtimeDir })).toEqual({ socketPath: bridge.socketPath, url: bridge.server.url });
  });
});

describe('bridge client without a bridge', () => {
  it('says the bridge is not running for a missing socket or a closed port', async () => {
    const bridge = await startTestBridge();
    const { socketPath } = bridge;
    const url = bridge.server.url;
    await bridge.close();
    for (const location of [{ socketPath }, { url }]) {
      const c = createBridgeClient({ ...location, secret: FAKE_AGENT_SECRET });
      const error = await caught(c.whoami());
      expect(error.code).toBe(ErrorCode.BridgeNotRunning);
      expect(error.message).not.toContain(FAKE_AGENT_SECRET);
      c.close();
    }
    expect(() => locateBridge({}, bridge.dir.runtimeDir)).toThrow(expect.objectContaining({ code: ErrorCode.BridgeNotRunning }));
  });

  it('sends a secret only to a loopback http URL', () => {
    for (const url of ['http://evil.example:80', 'https://127.0.0.1:443', 'http://127.0.0.1', 'http://127.0.0.1:8080/path', 'not a url']) {
      expect(() => createBridgeClient({ url, secret: FAKE_AGENT_SECRET }), url).toThrow(LatchkeyError);
    }
    expect(() => createBridgeClient({ secret: FAKE_AGENT_SECRET })).toThrow(expect.objectContaining({ code: ErrorCode.BridgeNotRunning }));
  });

  describe('against a server that answers nonsense', () => {
    let server: Server;
    let url: string;
    let answer = '';
    beforeAll(async () => {
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(answer);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    });

    it('refuses an answer that is not the protocol, and strips fields it does not know (no refresh token)', async () => {
      const c = createBridgeClient({ url, secret: FAKE_AGENT_SECRET });
      try {
        for (const body of ['not json', '{"access_token":1}', '[]']) {
          answer = body;
          expect((await caught(c.token('https://mcp.example/mcp'))).code).toBe(ErrorCode.BadResponse);
        }
        answer = JSON.stringify({ access_token: 'a', token_type: 'Bearer', expires_at: 1, scope: '', refresh_token: 'r' });
        expect(await c.token('https://mcp.example/mcp')).not.toHaveProperty('refresh_token');
      } finally {
        c.close();
      }
    });
  });
});
