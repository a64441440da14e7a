/**
 * The window's store over the real wallet in memory, through the window's client (the one validated
 * call and the wallet's live events). A probe of that transport records, holds or fails calls;
 * every state (approvals, sessions, audit entries, a connect in the browser step) is the wallet's.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWalletStore, memoryPreferences } from '../../../renderer/store/index.js';
import { selectGrantsOf, selectPendingCount, selectResourceChoices } from '../../../renderer/store/selectors.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Opener } from '../../../electron/base/ports.js';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { useMemoryWallets, probeClient, type MemoryWalletOptions } from '../../support/memory-wallet.js';
import { startWorld, type World } from '../../world/index.js';
import { waitForState } from './wait.js';

const NOW = 1_700_000_000_000;
const MCP = 'https://mcp.example.com/mcp';
const OTHER = 'https://other.example.com/mcp';
const SEEN = 'https://seen.example.com/mcp';
const memoryWallet = useMemoryWallets();

/**
 * The real wallet in memory, connected to MCP and OTHER: ci-bot granted MCP, alpha granted OTHER;
 * alpha's session running and an ended one of ci-bot's; alpha asked for MCP and was denied, then
 * asked again, and ci-bot asked for more on MCP (two pending consents, oldest first); ci-bot was
 * refused a token for SEEN, which it has no connection for.
 */
async function seeded(options: MemoryWalletOptions = {}) {
  const memory = await memoryWallet({ now: NOW, fetch: new FakeTokenEndpoint().fetch, ...options });
  for (const server of [MCP, OTHER]) await memory.connect(server);
  await memory.enrol('ci-bot');
  await memory.enrol('alpha');
  const ciBot = (await memory.wallet.listAgents()).find((a) => a.name === 'ci-bot')!;
  const alpha = (await memory.wallet.listAgents()).find((a) => a.name === 'alpha')!;
  const ciBotGrant = await memory.wallet.createGrant({ agent: 'ci-bot', resource: MCP, scopes: ['mcp:read'] });
  await memory.wallet.createGrant({ agent: 'alpha', resource: OTHER, scopes: ['mcp:read'] });
  const running = await memory.wallet.startSession({ agent: 'alpha', ttlSeconds: 3600 });
  const ended = await memory.wallet.startSession({ agent: 'ci-bot', ttlSeconds: 3600 });
  await memory.wallet.endSession({ id: ended.session.id, reason: 'exited' });
  const denied = await memory.ask('alpha', { resource: MCP, scopes: ['mcp:read'] });
  await memory.wallet.decideApproval({ id: denied.approval.id, decision: 'deny' });
  await denied.answer.catch(() => undefined);
  memory.now = NOW + 1000;
  const first = (await memory.ask('alpha', { resource: MCP, scopes: ['mcp:read'] })).approval;
  memory.now = NOW + 2000;
  const second = (await memory.ask('ci-bot', { resource: MCP, scopes: ['mcp:write'] })).approval;
  await expect(memory.token('ci-bot', { resource: SEEN })).rejects.toBeDefined();
  return { memory, client: probeClient(memory.client), ciBot, alpha, ciBotGrant, running: running.session, first, second };
}

describe('wallet store: loading', () => {
  it('start() loads every slice and follows live events', async () => {
    const { memory, client, running, first, second } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    const s = store.getState();
    expect(s.approvals.map((a) => a.id)).toEqual([first.id, second.id]); // pending only, oldest first
    expect(client.callsTo('listApprovals')).toEqual([{ status: 'pending' }]);
    expect(s.agents.map((a) => a.name)).toEqual(['alpha', 'ci-bot']);
    expect(s.grants).toHaveLength(2);
    expect(s.sessions.map((x) => x.id)).toEqual([running.id]);
    expect(client.callsTo('listSessions')).toEqual([{ active: true }]);
    expect(s.connections).toEqual(await memory.wallet.listConnections());
    expect(s.audit.map((e) => e.seq)).toEqual((await memory.wallet.queryAudit({ limit: 500 })).map((e) => e.seq));
    expect(client.callsTo('queryAudit')).toEqual([{ limit: 500 }]);
    expect(s.verification).toMatchObject({ ok: true, count: s.audit.length });
    expect(s.status?.mode).toBe('memory');
    expect(Object.values(s.loads).every((l) => l.state === 'ready')).toBe(true);
    expect(client.subscribers).toBe(1);
    await store.getState().start();
    expect(client.subscribers).toBe(1);
    store.getState().stop();
    expect(client.subscribers).toBe(0);
  });

  it('a failed load keeps its code in loads[collection]; the other slices still load', async () => {
    const { client } = await seeded();
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
    const { client, alpha } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    const s = store.getState();
    expect(selectGrantsOf(alpha.id)(s).map((g) => g.resource)).toEqual([OTHER]);
    expect(selectPendingCount(s)).toBe(2);
    expect(selectResourceChoices(s)).toEqual([MCP, OTHER, SEEN]);
  });
});

describe('wallet store: live events', () => {
  it('approval.raised re-reads the pending approvals without a reload', async () => {
    const { memory, client } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    memory.now = NOW + 9000;
    const raised = (await memory.ask('ci-bot', { resource: OTHER, scopes: ['mcp:read'] })).approval;
    const s = await waitForState(store, (x) => x.approvals.length === 3);
    expect(s.approvals.at(-1)?.id).toBe(raised.id);
  });

  it('approval.decided elsewhere (CLI, tray) removes it from the list', async () => {
    const { memory, client, first } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    await memory.wallet.decideApproval({ id: first.id, decision: 'approve' });
    await waitForState(store, (x) => x.approvals.length === 1);
  });

  it('changed{what} re-reads that collection (agents also re-read sessions)', async () => {
    const { memory, client, ciBotGrant } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    await memory.wallet.disconnect({ url: MCP });
    await waitForState(store, (x) => x.connections.length === 1);
    await memory.wallet.revokeGrant({ id: ciBotGrant.id });
    await waitForState(store, (x) => x.grants.length === 1);
    await memory.wallet.removeAgent({ agent: 'alpha' });
    await waitForState(store, (x) => x.agents.length === 1 && x.sessions.length === 0 && x.grants.length === 0);
  });

  it('audit.appended re-reads the filtered log and re-verifies the chain; a token event refreshes last use', async () => {
    const { memory, client } = await seeded({ passphrase: 'store test passphrase, not a secret' });
    const store = createWalletStore(client);
    await store.getState().start();
    const before = client.callsTo('listGrants').length;
    const shown = store.getState().audit.length;
    // Someone edits a written entry; the next entry makes the window read and verify again.
    const file = join(memory.home, 'audit.jsonl');
    await writeFile(file, (await readFile(file, 'utf8')).replace('"mcp:read"', '"mcp:admin"'));
    await memory.token('ci-bot', { resource: MCP });
    const s = await waitForState(store, (x) => x.audit.length === shown + 1 && x.verification?.ok === false);
    expect(s.verification).toMatchObject({ ok: false, problem: 'changed' });
    await waitForState(store, () => client.callsTo('listGrants').length > before);
    await waitForState(store, (x) => x.grants.some((g) => g.lastUsedAt !== undefined));
  });

  it('a burst of events costs at most one read in flight and one queued', async () => {
    const { memory, client, ciBotGrant } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    const release = client.hold('listGrants');
    const before = client.callsTo('listGrants').length;
    for (let i = 0; i < 20; i += 1) await memory.wallet.updateGrant({ id: ciBotGrant.id, maxTokenLifetimeSeconds: 600 + i * 60 });
    const queued = store.getState().loadGrants(); // the same queued read the events are waiting on
    for (const grant of await memory.wallet.listGrants()) await memory.wallet.revokeGrant({ id: grant.id });
    release();
    await queued;
    expect(store.getState().grants).toEqual([]);
    expect(client.callsTo('listGrants').length - before).toBe(2);
  });
});

describe('wallet store: actions', () => {
  it('decideApproval sends the decision (remember only when asked) and drops the approval', async () => {
    const { memory, client, first, second } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().decideApproval(first.id, 'approve', true)).toBe(true);
    expect(await store.getState().decideApproval(second.id, 'deny')).toBe(true);
    expect(client.callsTo('decideApproval')).toEqual([
      { id: first.id, decision: 'approve', remember: true },
      { id: second.id, decision: 'deny' },
    ]);
    expect(store.getState().approvals).toEqual([]);
    await expect.poll(async () => (await memory.wallet.listGrants({ agent: 'alpha' })).map((g) => g.resource).sort()).toEqual([MCP, OTHER]);
  });

  it('a decision that fails (decided elsewhere already) surfaces its code and re-reads the list', async () => {
    const { memory, client, first, second } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    store.getState().stop(); // so the list is stale when the owner clicks
    await memory.wallet.decideApproval({ id: first.id, decision: 'deny' });
    expect(await store.getState().decideApproval(first.id, 'approve')).toBe(false);
    const [notice] = store.getState().notices;
    expect(notice).toMatchObject({ action: 'Approve', code: 'approval.not_found' });
    expect(store.getState().approvals.map((a) => a.id)).toEqual([second.id]);
    store.getState().dismissNotice(notice?.id ?? 0);
    expect(store.getState().notices).toEqual([]);
  });

  it('grant, session and agent actions call the right methods and re-read', async () => {
    const { client, ciBot, alpha, ciBotGrant, running } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    const s = store.getState();
    expect(await s.updateGrant({ id: ciBotGrant.id, scopes: ['mcp:read', 'mcp:write'], maxTokenLifetimeSeconds: 600, expiresAt: null })).toBe(true);
    expect(store.getState().grants.find((g) => g.id === ciBotGrant.id)?.scopes).toEqual(['mcp:read', 'mcp:write']);
    expect(await s.endSession(running.id)).toBe(true);
    expect(store.getState().sessions).toEqual([]);
    expect(await s.revokeGrant(ciBotGrant.id)).toEqual({ grantId: ciBotGrant.id, revokedTokens: 0, unrevokedTokens: 0 });
    expect(store.getState().grants.map((g) => g.agentId)).toEqual([alpha.id]);
    expect(await s.removeAgent(alpha.id)).toBe(true);
    expect(store.getState().agents.map((a) => a.id)).toEqual([ciBot.id]);
    expect(store.getState().grants).toEqual([]);
    expect(client.callsTo('updateGrant')).toEqual([{ id: ciBotGrant.id, scopes: ['mcp:read', 'mcp:write'], maxTokenLifetimeSeconds: 600, expiresAt: null }]);
    expect(client.callsTo('endSession')).toEqual([{ id: running.id, reason: 'revoked' }]);
    expect(client.callsTo('revokeGrant')).toEqual([{ id: ciBotGrant.id }]);
    expect(client.callsTo('removeAgent')).toEqual([{ agent: alpha.id }]);
  });

  it('a failed action keeps a notice with the action, code and message', async () => {
    const { client, running } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().revokeGrant('grt_0000000000000077')).toBeUndefined();
    expect(store.getState().notices).toEqual([{ id: 1, action: 'Revoke grant', code: 'grant.not_found', message: expect.any(String) as unknown, hint: expect.any(String) as unknown }]);
    client.failNext('endSession', new Error('socket hang up'));
    await store.getState().endSession(running.id);
    expect(store.getState().notices[1]).toMatchObject({ action: 'End session', code: 'internal', message: 'socket hang up' });
  });

  it('disconnect calls disconnect with the resource and re-reads', async () => {
    const { client } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    expect(await store.getState().disconnect(MCP)).toBe(true);
    expect(client.callsTo('disconnect')).toEqual([{ url: MCP }]);
    expect(store.getState().connections.map((c) => c.resource)).toEqual([OTHER]);
  });

  it('the audit filter goes to queryAudit; export returns every match as JSON Lines', async () => {
    const { memory, client, ciBot } = await seeded();
    const store = createWalletStore(client);
    await store.getState().start();
    await store.getState().setAuditView({ outcome: 'denied', agentId: ciBot.id });
    expect(client.callsTo('queryAudit').at(-1)).toEqual({ outcome: 'denied', agentId: ciBot.id, limit: 500 });
    const denied = await memory.wallet.queryAudit({ outcome: 'denied', agentId: ciBot.id });
    expect(denied.map((e) => e.resource)).toEqual([SEEN]);
    expect(store.getState().audit.map((e) => e.seq)).toEqual(denied.map((e) => e.seq));
    const jsonl = await store.getState().exportAudit();
    expect(client.callsTo('queryAudit').at(-1)).toEqual({ outcome: 'denied', agentId: ciBot.id });
    expect(jsonl?.split('\n')).toEqual([...denied.map((e) => JSON.stringify(e)), '']);
    client.failNext('queryAudit', new LatchkeyError(ErrorCode.AuditTampered, 'The audit log was changed.'));
    expect(await store.getState().exportAudit()).toBeUndefined();
    expect(store.getState().notices.at(-1)).toMatchObject({ action: 'Export activity', code: 'audit.tampered' });
  });

  it('the theme choice persists through the preferences port', async () => {
    const { client } = await memoryWallet();
    const preferences = memoryPreferences('dark');
    const store = createWalletStore(client, { preferences });
    expect(store.getState().theme).toBe('dark');
    store.getState().setTheme('light');
    expect(preferences.loadTheme()).toBe('light');
    expect(createWalletStore(client, { preferences }).getState().theme).toBe('light');
  });

  it('each factory call makes a fresh store', async () => {
    const { client } = await seeded();
    const a = createWalletStore(client);
    await a.getState().start();
    a.getState().setScreen('activity');
    const b = createWalletStore((await memoryWallet()).client);
    expect(b.getState().approvals).toEqual([]);
    expect(b.getState().screen).toBe('approvals');
  });
});

describe('wallet store: connect (the test world)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  /** The real wallet on the world's network; its browser step waits until the test hands the page to the world's Chromium. */
  async function connecting() {
    const pages: URL[] = [];
    const waiting: Array<() => void> = [];
    const opener: Opener = {
      open: async (url) => {
        pages.push(url);
        for (const wake of waiting.splice(0)) wake();
      },
    };
    const memory = await memoryWallet({ fetch: (input, init) => fetch(input, init), allowInsecureLoopback: true, opener });
    const browserReached = (): Promise<URL> =>
      pages.length > 0 ? Promise.resolve(pages[0]!) : new Promise<URL>((resolve) => waiting.push(() => resolve(pages[0]!)));
    return { memory, client: probeClient(memory.client), browserReached };
  }

  it('connect shows each progress step and the authorization URL, then the connection', async () => {
    const { client, browserReached } = await connecting();
    const store = createWalletStore(client);
    await store.getState().start();
    const done = store.getState().connect({ url: world.mcpUrl, scopes: ['mcp:read'] });
    const page = await browserReached();
    await waitForState(store, (s) => s.connectFlow.phase === 'running' && s.connectFlow.authorizationUrl !== undefined);
    const running = store.getState().connectFlow;
    expect(running).toMatchObject({ phase: 'running', url: world.mcpUrl, authorizationUrl: page.href });
    expect(running.phase === 'running' && running.steps.map((p) => p.step)).toEqual(['probing', 'discovered', 'registered', 'browser']);
    expect(await store.getState().connect({ url: world.mcpUrl })).toBe(false); // one flow at a time
    await world.opener.open(page); // the owner signs in and consents
    expect(await done).toBe(true);
    const flow = store.getState().connectFlow;
    expect(flow.phase).toBe('connected');
    expect(flow.phase === 'connected' && flow.steps.map((p) => p.step)).toEqual(['probing', 'discovered', 'registered', 'browser', 'exchanging', 'connected']);
    expect(store.getState().connections.map((c) => c.resource)).toEqual([world.mcpUrl]);
    expect(client.callsTo('connect' as never)).toEqual([{ url: world.mcpUrl, scopes: ['mcp:read'] }]);
    store.getState().clearConnectFlow();
    expect(store.getState().connectFlow).toEqual({ phase: 'idle' });
  }, 60_000);

  it('a failed connect keeps its code in the flow', async () => {
    const { client, browserReached } = await connecting();
    const store = createWalletStore(client);
    const done = store.getState().connect({ url: world.mcpUrl });
    const page = await browserReached();
    const behaviour = world.opener.behaviour;
    world.opener.behaviour = { ...behaviour, consent: 'deny' };
    try {
      await world.opener.open(page); // the owner refuses on the AS's consent page
      expect(await done).toBe(false);
    } finally {
      world.opener.behaviour = behaviour;
    }
    expect(store.getState().connectFlow).toMatchObject({ phase: 'failed', error: { code: 'authorize.access_denied' } });
  }, 60_000);
});
