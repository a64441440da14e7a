import { describe, expect, it } from 'vitest';
import { createWalletStore, memoryPreferences } from '../../../renderer/store/index.js';
import { selectGrantsOf, selectPendingCount, selectResourceChoices } from '../../../renderer/store/selectors.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { createFakeWalletClient } from '../../fakes/fake-wallet-client.js';
import { fakeId, sampleAgent, sampleApproval, sampleAuditEvent, sampleConnection, sampleGrant, sampleSession } from '../../fakes/fake-wallet.js';
import { waitForState } from './wait.js';

const AGENT = sampleAgent();
const OTHER = sampleAgent({ id: fakeId('agt', 2), name: 'alpha' });

function seededClient() {
  return createFakeWalletClient({
    agents: [AGENT, OTHER],
    grants: [sampleGrant(), sampleGrant({ id: fakeId('grt', 2), agentId: OTHER.id, resource: 'https://other.example.com/mcp' })],
    sessions: [sampleSession(), sampleSession({ id: fakeId('ses', 2), endedAt: 1, endReason: 'exited' })],
    approvals: [
      sampleApproval({ id: fakeId('apr', 2), createdAt: 2 }),
      sampleApproval({ createdAt: 1 }),
      sampleApproval({ id: fakeId('apr', 3), status: 'denied' }),
    ],
    connections: [sampleConnection()],
    audit: [sampleAuditEvent(), sampleAuditEvent({ seq: 2, outcome: 'denied', type: 'token.refused', resource: 'https://seen.example.com/mcp' })],
  });
}

describe('wallet store: loading', () => {
  it('start() loads every slice and follows live events', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const s = store.getState();
    expect(s.approvals.map((a) => a.id)).toEqual([fakeId('apr', 1), fakeId('apr', 2)]); // pending only, oldest first
    expect(client.callsTo('listApprovals')).toEqual([{ status: 'pending' }]);
    expect(s.agents.map((a) => a.name)).toEqual(['alpha', 'ci-bot']);
    expect(s.grants).toHaveLength(2);
    expect(s.sessions.map((x) => x.id)).toEqual([fakeId('ses', 1)]);
    expect(client.callsTo('listSessions')).toEqual([{ active: true }]);
    expect(s.connections).toEqual([sampleConnection()]);
    expect(s.audit.map((e) => e.seq)).toEqual([1, 2]);
    expect(client.callsTo('queryAudit')).toEqual([{ limit: 500 }]);
    expect(s.verification).toEqual({ ok: true, count: 2 });
    expect(s.status?.mode).toBe('keychain');
    expect(Object.values(s.loads).every((l) => l.state === 'ready')).toBe(true);
    expect(client.subscribers).toBe(1);
    await store.getState().start();
    expect(client.subscribers).toBe(1);
    store.getState().stop();
    expect(client.subscribers).toBe(0);
  });

  it('a failed load keeps its code in loads[collection]; the other slices still load', async () => {
    const client = seededClient();
    client.failNext('listAgents', new LatchkeyError(ErrorCode.VaultClosed, 'The vault is closed.', { hint: 'Start Latchkey again.' }));
    const store = createWalletStore(client);
    await store.getState().start();
    expect(store.getState().loads.agents).toEqual({
      state: 'error',
      error: { code: 'vault.closed', message: 'The vault is closed.', hint: 'Start Latchkey again.' },
    });
    expect(store.getState().loads.grants.state).toBe('ready');
    await store.getState().loadAgents();
    expect(store.getState().loads.agents.state).toBe('ready');
  });

  it('selectors derive per-agent grants, the pending count and the resource choices', async () => {
    const store = createWalletStore(seededClient());
    await store.getState().start();
    const s = store.getState();
    expect(selectGrantsOf(OTHER.id)(s).map((g) => g.resource)).toEqual(['https://other.example.com/mcp']);
    expect(selectPendingCount(s)).toBe(2);
    expect(selectResourceChoices(s)).toEqual(['https://mcp.example.com/mcp', 'https://other.example.com/mcp', 'https://seen.example.com/mcp']);
  });
});

describe('wallet store: live events', () => {
  it('approval.raised re-reads the pending approvals without a reload', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const raised = sampleApproval({ id: fakeId('apr', 9), createdAt: 9 });
    client.world.approvals.push(raised);
    client.emit({ type: 'approval.raised', approval: raised });
    const s = await waitForState(store, (x) => x.approvals.length === 3);
    expect(s.approvals.at(-1)?.id).toBe(raised.id);
  });

  it('approval.decided elsewhere (CLI, tray) removes it from the list', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const decided = { ...sampleApproval(), status: 'approved' as const };
    client.world.approvals = client.world.approvals.map((a) => (a.id === decided.id ? decided : a));
    client.emit({ type: 'approval.decided', approval: decided });
    await waitForState(store, (x) => x.approvals.length === 1);
  });

  it('changed{what} re-reads that collection (agents also re-read sessions)', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    client.world.connections = [];
    client.emit({ type: 'changed', what: 'connections' });
    await waitForState(store, (x) => x.connections.length === 0);
    client.world.grants = [];
    client.emit({ type: 'changed', what: 'grants' });
    await waitForState(store, (x) => x.grants.length === 0);
    client.world.sessions = [];
    client.world.agents = [AGENT];
    client.emit({ type: 'changed', what: 'agents' });
    await waitForState(store, (x) => x.agents.length === 1 && x.sessions.length === 0);
  });

  it('audit.appended re-reads the filtered log and re-verifies the chain; a token event refreshes last use', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const before = client.callsTo('listGrants').length;
    const event = sampleAuditEvent({ seq: 3 });
    client.world.audit.push(event);
    client.world.verification = { ok: false, seq: 2, problem: 'changed' };
    client.emit({ type: 'audit.appended', event });
    const s = await waitForState(store, (x) => x.audit.length === 3 && x.verification?.ok === false);
    expect(s.verification).toEqual({ ok: false, seq: 2, problem: 'changed' });
    await waitForState(store, () => client.callsTo('listGrants').length > before);
  });

  it('a burst of events costs at most one read in flight and one queued', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const release = client.hold('listGrants');
    const before = client.callsTo('listGrants').length;
    for (let i = 0; i < 20; i += 1) client.emit({ type: 'changed', what: 'grants' });
    const queued = store.getState().loadGrants(); // the same queued read the events are waiting on
    client.world.grants = [];
    release();
    await queued;
    expect(store.getState().grants).toEqual([]);
    expect(client.callsTo('listGrants').length - before).toBe(2);
  });
});

describe('wallet store: actions', () => {
  it('decideApproval sends the decision (remember only when asked) and drops the approval', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().decideApproval(fakeId('apr', 1), 'approve', true)).toBe(true);
    expect(await store.getState().decideApproval(fakeId('apr', 2), 'deny')).toBe(true);
    expect(client.callsTo('decideApproval')).toEqual([
      { id: fakeId('apr', 1), decision: 'approve', remember: true },
      { id: fakeId('apr', 2), decision: 'deny' },
    ]);
    expect(store.getState().approvals).toEqual([]);
  });

  it('a decision that fails (already expired) surfaces its code and re-reads the list', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    client.world.approvals = [];
    expect(await store.getState().decideApproval(fakeId('apr', 1), 'approve')).toBe(false);
    const [notice] = store.getState().notices;
    expect(notice).toMatchObject({ action: 'Approve', code: 'approval.not_found', hint: 'Reload the list.' });
    expect(store.getState().approvals).toEqual([]);
    store.getState().dismissNotice(notice?.id ?? 0);
    expect(store.getState().notices).toEqual([]);
  });

  it('grant, session and agent actions call the right methods and re-read', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const s = store.getState();
    expect(await s.updateGrant({ id: fakeId('grt', 1), scopes: ['files:read', 'files:write'], maxTokenLifetimeSeconds: 600, expiresAt: null })).toBe(true);
    expect(store.getState().grants.find((g) => g.id === fakeId('grt', 1))?.scopes).toEqual(['files:read', 'files:write']);
    expect(await s.endSession(fakeId('ses', 1))).toBe(true);
    expect(store.getState().sessions).toEqual([]);
    expect(await s.revokeGrant(fakeId('grt', 1))).toEqual({ grantId: fakeId('grt', 1), revokedTokens: 0, unrevokedTokens: 0 });
    expect(store.getState().grants.map((g) => g.id)).toEqual([fakeId('grt', 2)]);
    expect(await s.removeAgent(OTHER.id)).toBe(true);
    expect(store.getState().agents.map((a) => a.id)).toEqual([AGENT.id]);
    expect(store.getState().grants).toEqual([]);
    expect(client.callsTo('updateGrant')).toEqual([{ id: fakeId('grt', 1), scopes: ['files:read', 'files:write'], maxTokenLifetimeSeconds: 600, expiresAt: null }]);
    expect(client.callsTo('endSession')).toEqual([{ id: fakeId('ses', 1), reason: 'revoked' }]);
    expect(client.callsTo('revokeGrant')).toEqual([{ id: fakeId('grt', 1) }]);
    expect(client.callsTo('removeAgent')).toEqual([{ agent: OTHER.id }]);
  });

  it('a failed action keeps a notice with the action, code and message', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().revokeGrant(fakeId('grt', 77))).toBeUndefined();
    expect(store.getState().notices).toEqual([
      { id: 1, action: 'Revoke grant', code: 'grant.not_found', message: `There is no grant ${fakeId('grt', 77)}.`, hint: 'Reload the list.' },
    ]);
    client.failNext('endSession', new Error('socket hang up'));
    await store.getState().endSession(fakeId('ses', 1));
    expect(store.getState().notices[1]).toMatchObject({ action: 'End session', code: 'internal', message: 'socket hang up' });
  });

  it('connect shows each progress step and the authorization URL, then the connection', async () => {
    const client = createFakeWalletClient();
    const store = createWalletStore(client);
    await store.getState().start();
    const url = 'https://new.example.com/mcp';
    const done = store.getState().connect({ url, scopes: ['files:read'] });
    const authorizationUrl = await client.browserReached();
    const running = store.getState().connectFlow;
    expect(running).toMatchObject({ phase: 'running', url, authorizationUrl });
    expect(running.phase === 'running' && running.steps.map((p) => p.step)).toEqual(['probing', 'discovered', 'registered', 'browser']);
    expect(await store.getState().connect({ url })).toBe(false); // one flow at a time
    client.finishBrowser();
    expect(await done).toBe(true);
    const flow = store.getState().connectFlow;
    expect(flow.phase).toBe('connected');
    expect(flow.phase === 'connected' && flow.steps.map((p) => p.step)).toEqual(['probing', 'discovered', 'registered', 'browser', 'exchanging', 'connected']);
    expect(store.getState().connections.map((c) => c.resource)).toEqual([url]);
    expect(client.callsTo('connect' as never)).toEqual([{ url, scopes: ['files:read'] }]);
    store.getState().clearConnectFlow();
    expect(store.getState().connectFlow).toEqual({ phase: 'idle' });
  });

  it('a failed connect keeps its code in the flow', async () => {
    const client = createFakeWalletClient();
    const store = createWalletStore(client);
    const done = store.getState().connect({ url: 'https://new.example.com/mcp' });
    await client.browserReached();
    client.finishBrowser(new LatchkeyError(ErrorCode.AccessDenied, 'The authorization server refused access.'));
    expect(await done).toBe(false);
    expect(store.getState().connectFlow).toMatchObject({ phase: 'failed', error: { code: 'authorize.access_denied' } });
  });

  it('disconnect calls disconnect with the resource and re-reads', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().disconnect('https://mcp.example.com/mcp')).toBe(true);
    expect(client.callsTo('disconnect')).toEqual([{ url: 'https://mcp.example.com/mcp' }]);
    expect(store.getState().connections).toEqual([]);
  });

  it('the audit filter goes to queryAudit; export returns every match as JSON Lines', async () => {
    const client = seededClient();
    const store = createWalletStore(client);
    await store.getState().start();
    await store.getState().setAuditView({ outcome: 'denied', agentId: AGENT.id });
    expect(client.callsTo('queryAudit').at(-1)).toEqual({ outcome: 'denied', agentId: AGENT.id, limit: 500 });
    expect(store.getState().audit.map((e) => e.seq)).toEqual([2]);
    const jsonl = await store.getState().exportAudit();
    expect(client.callsTo('queryAudit').at(-1)).toEqual({ outcome: 'denied', agentId: AGENT.id });
    expect(jsonl?.split('\n')).toEqual([JSON.stringify(client.world.audit[1]), '']);
    client.failNext('queryAudit', new LatchkeyError(ErrorCode.AuditTampered, 'The audit log was changed.'));
    expect(await store.getState().exportAudit()).toBeUndefined();
    expect(store.getState().notices.at(-1)).toMatchObject({ action: 'Export activity', code: 'audit.tampered' });
  });

  it('the theme choice persists through the preferences port', async () => {
    const preferences = memoryPreferences('dark');
    const store = createWalletStore(createFakeWalletClient(), { preferences });
    expect(store.getState().theme).toBe('dark');
    store.getState().setTheme('light');
    expect(preferences.loadTheme()).toBe('light');
    expect(createWalletStore(createFakeWalletClient(), { preferences }).getState().theme).toBe('light');
  });

  it('each factory call makes a fresh store', async () => {
    const a = createWalletStore(seededClient());
    await a.getState().start();
    a.getState().setScreen('activity');
    const b = createWalletStore(createFakeWalletClient());
    expect(b.getState().approvals).toEqual([]);
    expect(b.getState().screen).toBe('approvals');
  });
});
