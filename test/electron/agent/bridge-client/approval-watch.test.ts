/**
 * GET /v1/approvals/pending and the client's watch over it: a waiting token request
 * reports the agent's pending approvals once per change; the route wants the agent's secret.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../../../shared/bridge.js';
import { createBridgeClient } from '../../../../electron/agent/bridge-client/client.js';
import { FAKE_AGENT_SECRET, FAKE_TOKEN } from '../../../fakes/fake-bridge-handler.js';
import { goodHeaders, httpCall, startTestBridge, type TestBridge } from '../../wallet/bridge/support.js';

const PENDING: PendingApproval = {
  id: 'apr_AAAAAAAAAAAAAAAAAAAA',
  kind: 'consent',
  agent_name: 'test-agent',
  resource: 'https://mcp.example/mcp',
  scopes: ['read'],
  expires_at: Math.floor(Date.now() / 1000) + 112,
};

describe('waiting agents learn which approval they wait for', () => {
  let bridge: TestBridge;
  beforeEach(async () => {
    bridge = await startTestBridge();
  });
  afterEach(async () => {
    await bridge.close();
  });

  it('the route answers the caller its own pending approvals; without the secret it is 401', async () => {
    bridge.handler.pendingApprovals = [PENDING];
    const ok = await httpCall({ path: bridge.socketPath }, { path: '/v1/approvals/pending', headers: goodHeaders() });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ approvals: [PENDING] });
    expect(bridge.handler.pendingCalls.at(-1)?.agent.name).toBe('test-agent');
    const anonymous = await httpCall({ port: bridge.port }, { path: '/v1/approvals/pending', headers: goodHeaders({ authorization: 'Bearer nope' }) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).not.toContain(PENDING.id);
  });

  it('a token request that waits reports the pending approval once, however long it waits', async () => {
    const seen: PendingApproval[][] = [];
    let reported: () => void = () => undefined;
    const firstReport = new Promise<void>((resolve) => (reported = resolve));
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    bridge.handler.pendingApprovals = [PENDING];
    bridge.handler.tokenImpl = async () => {
      await released;
      return { access_token: FAKE_TOKEN, token_type: 'Bearer', expires_at: 1_700_000_900, scope: 'read' };
    };
    const client = createBridgeClient({
      socketPath: bridge.socketPath,
      secret: FAKE_AGENT_SECRET,
      onWaiting: (approvals) => {
        seen.push([...approvals]);
        reported();
      },
    });
    try {
      const token = client.token('https://mcp.example/mcp');
      await firstReport;
      // Let the watch look again at least twice: the same approval is not reported again.
      const before = bridge.handler.pendingCalls.length;
      await expect.poll(() => bridge.handler.pendingCalls.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(before + 2);
      release();
      expect((await token).access_token).toBe(FAKE_TOKEN);
      expect(seen).toEqual([[PENDING]]);
      // Settled: the watch stops asking.
      const after = bridge.handler.pendingCalls.length;
      await client.token('https://mcp.example/mcp');
      expect(bridge.handler.pendingCalls.length).toBe(after);
    } finally {
      client.close();
    }
  });
});
