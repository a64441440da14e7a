import { describe, expect, it } from 'vitest';
import { AgentRegistry } from '../../../../electron/wallet/agents/agent-registry.js';
import { decide } from '../../../../electron/wallet/grants/decide.js';
import { GrantStore } from '../../../../electron/wallet/grants/grant-store.js';
import { openVault } from '../../../../electron/wallet/vault/index.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { codeOf } from '../../../support/rejection.js';
import { openGround, type Ground } from '../agents/registry-ground.js';

const R = 'https://mcp.example.com/mcp';
const A = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

async function setup(): Promise<Ground & { store: GrantStore }> {
  const ground = await openGround();
  return { ...ground, store: new GrantStore(ground) };
}

describe('GrantStore', () => {
  it('creates grants with defaults and lists them by agent and resource', async () => {
    const { store } = await setup();
    const g = await store.create({ agentId: A, resource: R, scopes: ['read', 'read', 'write'], mode: 'allow' });
    expect(g).toMatchObject({ agentId: A, resource: R, scopes: ['read', 'write'], mode: 'allow', narrowing: 'unknown' });
    // T38: no maximum by default: tokens live as the server issues them.
    expect(g.maxTokenLifetimeSeconds).toBeUndefined();
    expect(g.id).toMatch(/^grt_/);
    await store.create({ agentId: B, resource: R, scopes: ['read'], mode: 'ask', maxTokenLifetimeSeconds: 3600 });
    expect(store.list()).toHaveLength(2);
    expect(store.list({ agentId: A }).map((x) => x.id)).toEqual([g.id]);
    expect(store.list({ resource: R })).toHaveLength(2);
    expect(store.list({ resource: `${R}/` })).toHaveLength(0);
    expect(store.get(g.id)).toEqual(g);
    expect(store.get('constructor')).toBeUndefined();
  });

  it('validates input: canonical resource, scope names, lifetime cap, future expiry, agent id', async () => {
    const { store, clock } = await setup();
    const base = { agentId: A, resource: R, scopes: ['read'], mode: 'allow' as const };
    expect(await codeOf(store.create({ ...base, resource: 'https://MCP.example.com/mcp' }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, resource: 'https://mcp.example.com/' }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, resource: 'https://mcp.example.com:443/mcp' }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, resource: 'not a url' }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, scopes: ['a b'] }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, scopes: ['"'] }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, maxTokenLifetimeSeconds: 3601 }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, maxTokenLifetimeSeconds: 59 }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, expiresAt: clock.now() }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.create({ ...base, agentId: 'alice' }))).toBe(ErrorCode.InvalidInput);
    expect(store.list()).toEqual([]);
    expect(await codeOf(store.create({ ...base, resource: 'https://mcp.example.com' }))).toBeUndefined();
  });

  it('keeps one live grant per (agent, resource); an expired one is replaced', async () => {
    const { store, clock, scheduler } = await setup();
    const first = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow', expiresAt: clock.now() + 1000 });
    expect(await codeOf(store.create({ agentId: A, resource: R, scopes: ['write'], mode: 'allow' }))).toBe(ErrorCode.GrantExists);
    await store.create({ agentId: B, resource: R, scopes: ['write'], mode: 'allow' });
    scheduler.advance(1000);
    const second = await store.create({ agentId: A, resource: R, scopes: ['write'], mode: 'allow' });
    expect(store.list({ agentId: A }).map((g) => g.id)).toEqual([second.id]);
    expect(store.get(first.id)).toBeUndefined();
  });

  it('updates scopes, lifetime, mode, narrowing and expiry; scope changes reset narrowing', async () => {
    const { store, clock } = await setup();
    const g = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow', expiresAt: clock.now() + 5000 });
    const narrowed = await store.update(g.id, { narrowing: 'unsupported' });
    expect(narrowed.narrowing).toBe('unsupported');
    const widened = await store.update(g.id, { scopes: ['read', 'write'], mode: 'ask', maxTokenLifetimeSeconds: 120, expiresAt: null });
    expect(widened).toMatchObject({ scopes: ['read', 'write'], mode: 'ask', maxTokenLifetimeSeconds: 120, narrowing: 'unknown' });
    expect(widened).not.toHaveProperty('expiresAt');
    expect(await store.update(g.id, { maxTokenLifetimeSeconds: null })).not.toHaveProperty('maxTokenLifetimeSeconds');
    const same = await store.update(g.id, { narrowing: 'ok' });
    expect((await store.update(g.id, { scopes: ['read', 'write'] })).narrowing).toBe(same.narrowing);
    expect((await store.update(g.id, { expiresAt: clock.now() + 10 })).expiresAt).toBe(clock.now() + 10);
    expect(await codeOf(store.update(g.id, { maxTokenLifetimeSeconds: 7200 }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(store.update('grt_nonenonenonenonenonenone', { mode: 'allow' }))).toBe(ErrorCode.GrantNotFound);
  });

  it('B16: revoking a grant makes the next decide refuse at once; revokeForAgent removes all of an agent', async () => {
    const { store, clock } = await setup();
    const g = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow' });
    await store.create({ agentId: A, resource: 'https://other.example/mcp', scopes: ['read'], mode: 'allow' });
    const b = await store.create({ agentId: B, resource: R, scopes: ['read'], mode: 'allow' });
    const connection = { scopes: ['read'] };
    const ask = () => decide({ agent: { id: A, name: 'a' }, request: { resource: R }, grants: store.list({ agentId: A }), connection, declinedStepUps: [], now: clock.now() });
    expect(ask().kind).toBe('issue');
    expect((await store.revoke(g.id)).id).toBe(g.id);
    expect(ask()).toMatchObject({ kind: 'ask', ask: { kind: 'consent', reason: 'no-grant' } });
    expect(await codeOf(store.revoke(g.id))).toBe(ErrorCode.GrantNotFound);
    expect((await store.revokeForAgent(A)).map((x) => x.resource)).toEqual(['https://other.example/mcp']);
    expect(store.list().map((x) => x.id)).toEqual([b.id]);
  });

  it('B10: agent B never rides agent A’s grant, even with the store holding both', async () => {
    const vault = await openVault({ dir: '', mode: 'memory' });
    const registry = new AgentRegistry({ vault });
    const store = new GrantStore({ vault });
    const a = await registry.enrol('a');
    const b = await registry.enrol('b');
    await store.create({ agentId: a.agent.id, resource: R, scopes: ['read', 'write'], mode: 'allow' });
    const callerB = registry.authenticate(b.secret);
    expect(callerB?.agent.id).toBe(b.agent.id);
    if (callerB === undefined) return;
    const connection = { scopes: ['read', 'write'] };
    const decision = decide({ agent: callerB.agent, request: { resource: R, scopes: ['read'] }, grants: store.list(), connection, declinedStepUps: [], now: Date.now() });
    expect(decision).toMatchObject({ kind: 'ask', ask: { kind: 'consent', reason: 'no-grant', scopes: ['read'] } });
    const callerA = registry.authenticate(a.secret);
    if (callerA === undefined) throw new Error('a did not authenticate');
    expect(decide({ agent: callerA.agent, request: { resource: R, scopes: ['read'] }, grants: store.list(), connection, declinedStepUps: [], now: Date.now() })).toMatchObject({ kind: 'issue', scopes: ['read'] });
  });

  it('markUsed is batched into one write per interval and shows at once', async () => {
    const { vault, store, scheduler, clock } = await setup();
    const g = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow' });
    const generation = vault.generation;
    scheduler.now += 5;
    for (let i = 0; i < 50; i += 1) store.markUsed(g.id);
    expect(vault.generation).toBe(generation);
    expect(store.get(g.id)?.lastUsedAt).toBe(clock.now());
    scheduler.advance(60_000);
    await store.close();
    expect(vault.generation).toBe(generation + 1);
    const stored = (vault.read()['grants'] as Record<string, { lastUsedAt?: number }>)[g.id];
    expect(stored?.lastUsedAt).toBe(clock.now() - 60_000);
  });

  it('refuses unreadable grant data with VaultCorrupt', async () => {
    const { vault, store } = await setup();
    await vault.update((doc) => ({ ...doc, grants: { x: { id: 1 } } }));
    expect(() => store.list()).toThrow(expect.objectContaining({ code: ErrorCode.VaultCorrupt }));
  });
});

describe('GrantStore lookups by agent', () => {
  const C = 'agt_cccccccccccccccccccccccccccccccc';
  const S = 'https://other.example.com/mcp';

  it('finds an agent’s grants oldest first, follows every change, and leaves other agents’ out', async () => {
    const { store, scheduler } = await setup();
    const a1 = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow' });
    scheduler.now += 1;
    await store.create({ agentId: B, resource: R, scopes: ['read'], mode: 'allow' });
    scheduler.now += 1;
    const a2 = await store.create({ agentId: A, resource: S, scopes: ['write'], mode: 'ask' });
    expect(store.list({ agentId: A }).map((g) => g.id)).toEqual([a1.id, a2.id]);
    expect(store.list({ agentId: A, resource: S }).map((g) => g.id)).toEqual([a2.id]);
    expect(store.list({ agentId: C })).toEqual([]);
    await store.revoke(a1.id);
    expect(store.list({ agentId: A }).map((g) => g.id)).toEqual([a2.id]);
    const widened = await store.update(a2.id, { scopes: ['write', 'admin'] });
    expect(store.list({ agentId: A })).toEqual([widened]);
    await store.revokeForAgent(A);
    expect(store.list({ agentId: A })).toEqual([]);
    expect(store.list().map((g) => g.agentId)).toEqual([B]);
  });

  it('hands out the stored grants frozen, copying one only to show a pending last-used time', async () => {
    const { store, scheduler, clock } = await setup();
    const g = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow' });
    const [first] = store.list({ agentId: A });
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen(first?.scopes)).toBe(true);
    expect(store.list({ agentId: A })[0]).toBe(first);
    scheduler.now += 5;
    store.markUsed(g.id);
    const [used] = store.list({ agentId: A });
    expect(used).toEqual({ ...first, lastUsedAt: clock.now() });
    expect(Object.isFrozen(used)).toBe(true);
    expect(store.get(g.id)).toEqual(used);
  });

  it('lists an agent’s grants for one server as stored, without the pending last-used time and without copying', async () => {
    const { store, scheduler } = await setup();
    const g = await store.create({ agentId: A, resource: R, scopes: ['read'], mode: 'allow' });
    await store.create({ agentId: A, resource: S, scopes: ['write'], mode: 'allow' });
    await store.create({ agentId: B, resource: R, scopes: ['read'], mode: 'allow' });
    const [stored] = store.listStored(A, R);
    expect(stored).toEqual(g);
    scheduler.now += 5;
    store.markUsed(g.id);
    expect(store.listStored(A, R)).toEqual([stored]);
    expect(store.listStored(A, R)[0]).toBe(stored);
    expect(Object.isFrozen(store.listStored(A, R))).toBe(true);
    expect(store.listStored(C, R)).toEqual([]);
    await store.revoke(g.id);
    expect(store.listStored(A, R)).toEqual([]);
    expect(store.listStored(A, S).map((grant) => grant.scopes)).toEqual([['write']]);
  });
});
