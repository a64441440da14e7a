/**
 * Kept plans (plan-memo.ts): a repeated request skips planning only while nothing the plan read
 * has changed. The memo on its own, then the broker over a real memory vault with a clock the test
 * moves: every change an owner can make, and a grant's expiry, reaches the very next request.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { PlanMemo, planKey, type KeptPlan } from '../../../../electron/wallet/broker/plan-memo.js';
import { GrantStore } from '../../../../electron/wallet/grants/grant-store.js';
import { FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { useMemoryWallets } from '../../../support/memory-wallet.js';

const KEPT: KeptPlan = {
  target: { resource: 'https://mcp.example.test/mcp', account: undefined },
  audited: { agentId: 'agt_1', agentName: 'a' },
  plan: { kind: 'issue', scopes: ['mcp:read'], cacheKey: 'k', minRemainingMs: 30_000, reuseCached: true },
  lineage: [],
};

/** A memo that looked `state` up at `madeAt` and kept a copy of KEPT under 'k' until `validUntil`. */
function keeping(state: object, madeAt: number, validUntil = Number.POSITIVE_INFINITY): PlanMemo {
  const memo = new PlanMemo();
  memo.get('k', state, 0, madeAt);
  memo.keep('k', state, 0, structuredClone(KEPT), madeAt, validUntil);
  return memo;
}

describe('PlanMemo', () => {
  it('answers a kept plan only for the same state, the same revocations and before its grants expire', () => {
    const memo = new PlanMemo();
    const state = {};
    expect(memo.get('k', state, 0, 1_000)).toBeUndefined();
    memo.keep('k', state, 0, structuredClone(KEPT), 1_000, 5_000);
    expect(memo.get('k', state, 0, 4_999)).toMatchObject(KEPT);
    expect(memo.get('k', state, 0, 5_000)).toBeUndefined();
    memo.keep('k', state, 0, structuredClone(KEPT), 1_000, Number.POSITIVE_INFINITY);
    expect(memo.get('k', state, 1, 1_000)).toBeUndefined();
    // Revocations moved: nothing kept before survives going back to the same count.
    memo.keep('k', state, 1, structuredClone(KEPT), 1_000, Number.POSITIVE_INFINITY);
    expect(memo.get('k', {}, 1, 1_000)).toBeUndefined();
    expect(memo.get('k', state, 1, 1_000)).toBeUndefined();
  });

  it('a clock stepped back to before a plan was made misses it (expired grants would count again)', () => {
    const state = {};
    const memo = keeping(state, 10_000);
    expect(memo.get('k', state, 0, 10_000)).toBeDefined();
    expect(memo.get('k', state, 0, 9_999)).toBeUndefined();
    expect(memo.get('k', state, 0, 10_000)).toBeUndefined();
  });

  it('what it keeps is frozen: every later request gets the same objects', () => {
    const state = {};
    const kept = keeping(state, 0).get('k', state, 0, 0)!;
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.plan) && Object.isFrozen(kept.plan.scopes) && Object.isFrozen(kept.audited) && Object.isFrozen(kept.target)).toBe(true);
  });

  it('does not keep a plan made from a state it no longer holds', () => {
    const memo = new PlanMemo();
    const old = {};
    const current = {};
    memo.get('k', old, 0, 0);
    memo.get('other', current, 0, 0);
    memo.keep('k', old, 0, structuredClone(KEPT), 0, Number.POSITIVE_INFINITY);
    expect(memo.get('k', current, 0, 0)).toBeUndefined();
  });

  it('keys tell apart every member, and no scopes from an empty list', () => {
    const base = { agentId: 'agt_1', sessionId: undefined, resource: 'https://a.test/mcp', account: undefined, scopes: undefined };
    const keys = [
      planKey(base),
      planKey({ ...base, scopes: [] }),
      planKey({ ...base, scopes: ['a b'] }),
      planKey({ ...base, scopes: ['a', 'b'] }),
      planKey({ ...base, account: 'work' }),
      planKey({ ...base, sessionId: 'ses_1' }),
      planKey({ ...base, agentId: 'agt_2' }),
      planKey({ ...base, resource: 'https://b.test/mcp' }),
      // Whatever the members hold: the broker does not rely on the bridge's schema.
      planKey({ ...base, scopes: ['a\nb'] }),
      planKey({ ...base, scopes: ['a\n', 'b'] }),
      planKey({ ...base, account: '1:x', scopes: undefined }),
      planKey({ ...base, sessionId: '-' }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });
});

const RESOURCE = 'https://mcp.example.test/mcp';
const openWallet = useMemoryWallets();

/** A memory wallet connected to RESOURCE through the fake AS, with agent-a enrolled. */
async function setup() {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 3600;
  const memory = await openWallet({ fetch: endpoint.fetch, compose: { approvalTimeoutMs: 60_000 } });
  await memory.connect(RESOURCE);
  await memory.enrol('agent-a');
  return { memory, wallet: memory.wallet, ask: () => memory.token('agent-a', { resource: RESOURCE }) };
}

describe('T13: the broker with kept plans', () => {
  it('a repeated request is answered from its kept plan, without reading the grants again', async () => {
    const { wallet, ask } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    // The first hand-out plans, mints, and notes the grant's narrowing (a vault write): plan again once.
    await ask();
    await ask();
    const reads = vi.spyOn(GrantStore.prototype, 'listStored');
    for (let i = 0; i < 10; i += 1) await ask();
    // Planning reads them twice; the audit anchor's write may start one plan afresh.
    expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
    reads.mockRestore();
  });

  it('a grant that expires stops answering at its expiry, though the request is the same as before', async () => {
    const { memory, wallet, ask } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'], expiresAt: memory.now + 60_000 });
    expect((await ask()).scope).toBe('mcp:read');
    expect((await ask()).scope).toBe('mcp:read');
    memory.now += 60_000;
    // No grant applies any more: the owner is asked, and says no.
    const after = await memory.ask('agent-a', { resource: RESOURCE });
    expect(after.approval).toMatchObject({ kind: 'consent', agentName: 'agent-a' });
    await wallet.decideApproval({ id: after.approval.id, decision: 'deny' });
    await expect(after.answer).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
  });

  it("the owner's edits reach the next request: narrowed scopes, then a revoke", async () => {
    const { wallet, ask } = await setup();
    const grant = await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read', 'mcp:write'] });
    expect((await ask()).scope).toBe('mcp:read mcp:write');
    await wallet.updateGrant({ id: grant.id, scopes: ['mcp:read'] });
    expect((await ask()).scope).toBe('mcp:read');
    await wallet.revokeGrant({ id: grant.id });
    await expect(ask()).rejects.toMatchObject({ code: ErrorCode.GrantRevoked });
  });

  it('a disconnected server answers no more; connected again, it answers again', async () => {
    const { memory, wallet, ask } = await setup();
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: ['mcp:read'] });
    await ask();
    await wallet.disconnect({ url: RESOURCE });
    await expect(ask()).rejects.toMatchObject({ code: ErrorCode.NotConnected });
    await memory.connect(RESOURCE);
    await expect(ask()).resolves.toMatchObject({ scope: 'mcp:read' });
  });
});
