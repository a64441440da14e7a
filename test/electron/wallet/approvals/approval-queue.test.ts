import { describe, expect, it } from 'vitest';
import { ApprovalQueue, type RaiseInput } from '../../../../electron/wallet/approvals/approval-queue.js';
import type { Approval } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { clockOf, ManualScheduler } from '../agents/manual-scheduler.js';

const A = 'agt_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'agt_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const R = 'https://mcp.example.com/mcp';
const consent: RaiseInput = { kind: 'consent', agentId: A, agentName: 'a', resource: R, scopes: ['read'], lifetimeSeconds: 900 };

function setup(
  options: { maxPending?: number; maxPendingPerAgentKind?: number; maxPendingEnrolments?: number; historyLimit?: number } = {},
): { queue: ApprovalQueue; scheduler: ManualScheduler } {
  const scheduler = new ManualScheduler();
  return { queue: new ApprovalQueue({ clock: clockOf(scheduler), scheduler, ...options }), scheduler };
}

function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code ?? 'no-code';
  }
}

describe('ApprovalQueue', () => {
  it('raises a pending approval and resolves the asker with the owner’s decision', async () => {
    const { queue } = setup();
    const { approval, decision } = queue.raise(consent, { timeoutMs: 30_000 });
    expect(approval).toMatchObject({ kind: 'consent', agentId: A, agentName: 'a', resource: R, scopes: ['read'], lifetimeSeconds: 900, status: 'pending' });
    expect(approval.expiresAt - approval.createdAt).toBe(30_000);
    expect(queue.list({ status: 'pending' })).toEqual([approval]);
    const decided = queue.decide(approval.id, 'approve', { remember: true });
    expect(decided).toMatchObject({ status: 'approved', remembered: true });
    expect(await decision).toEqual({ status: 'approved', remember: true });
    expect(queue.get(approval.id)?.status).toBe('approved');
    expect(queue.list({ status: 'pending' })).toEqual([]);
    expect(queue.pendingCount).toBe(0);
  });

  it('a denial never carries remember', async () => {
    const { queue } = setup();
    const { approval, decision } = queue.raise(consent, { timeoutMs: 1000 });
    expect(queue.decide(approval.id, 'deny', { remember: true })).not.toHaveProperty('remembered');
    expect(await decision).toEqual({ status: 'denied', remember: false });
  });

  it('B13: one pending prompt per (kind, agent, resource); a second raise is RateLimited; others are not blocked', () => {
    const { queue } = setup();
    const first = queue.raise(consent, { timeoutMs: 60_000 });
    expect(codeOf(() => queue.raise({ ...consent, scopes: ['write'] }, { timeoutMs: 60_000 }))).toBe(ErrorCode.RateLimited);
    try {
      queue.raise(consent, { timeoutMs: 60_000 });
    } catch (error) {
      expect((error as { details: Record<string, unknown> }).details['retryAfterSeconds']).toBe(60);
    }
    // Another agent, another resource, another kind: each gets its own prompt.
    queue.raise({ ...consent, agentId: B, agentName: 'b' }, { timeoutMs: 60_000 });
    queue.raise({ ...consent, resource: 'https://other.example/mcp' }, { timeoutMs: 60_000 });
    queue.raise({ ...consent, kind: 'step-up' }, { timeoutMs: 60_000 });
    expect(queue.pendingCount).toBe(4);
    // Once decided, the same asker may ask again.
    queue.decide(first.approval.id, 'deny');
    expect(() => queue.raise(consent, { timeoutMs: 60_000 })).not.toThrow();
  });

  it('B13: unknown callers enrolling are keyed by requester (else by name), and pending enrolments are capped in all', () => {
    const { queue } = setup({ maxPendingEnrolments: 3 });
    const enrol = (name: string, requesterKey?: string): RaiseInput => ({ kind: 'enrolment', agentName: name, ...(requesterKey === undefined ? {} : { requesterKey }) });
    queue.raise(enrol('x'), { timeoutMs: 1000 });
    expect(codeOf(() => queue.raise(enrol('x'), { timeoutMs: 1000 }))).toBe(ErrorCode.RateLimited);
    // One process asking under another name is still one requester.
    queue.raise(enrol('y', 'peer:0:42'), { timeoutMs: 1000 });
    expect(codeOf(() => queue.raise(enrol('y2', 'peer:0:42'), { timeoutMs: 1000 }))).toBe(ErrorCode.RateLimited);
    queue.raise(enrol('z', 'peer:0:43'), { timeoutMs: 1000 });
    expect(codeOf(() => queue.raise(enrol('w', 'peer:0:44'), { timeoutMs: 1000 }))).toBe(ErrorCode.RateLimited);
    expect(queue.pendingCount).toBe(3);
  });

  it('T33: an enrolment flood never takes an enrolled agent’s place, and one agent’s flood of one kind never takes another’s', () => {
    const { queue } = setup({ maxPendingPerAgentKind: 4, maxPendingEnrolments: 3, maxPending: 6 });
    let refusedEnrolments = 0;
    for (let pid = 1; pid <= 100; pid += 1) {
      if (codeOf(() => queue.raise({ kind: 'enrolment', agentName: `bot${pid}`, requesterKey: `peer:0:${pid}` }, { timeoutMs: 60_000 })) !== undefined) refusedEnrolments += 1;
    }
    expect(refusedEnrolments).toBe(97);
    // Agent a floods pages on 34 servers: 4 pending, the rest refused.
    const page = (i: number): RaiseInput => ({ kind: 'url-elicitation', agentId: A, agentName: 'a', resource: `https://h${i}.example/mcp`, url: 'https://pay.example/x', message: 'm' });
    const refusedPages = Array.from({ length: 34 }, (_, i) => codeOf(() => queue.raise(page(i), { timeoutMs: 60_000 }))).filter((code) => code !== undefined);
    expect(refusedPages).toHaveLength(30);
    // Agent a still asks for consent in its own budget, and agent b is not starved by either flood.
    expect(() => queue.raise(consent, { timeoutMs: 60_000 })).not.toThrow();
    expect(() => queue.raise({ ...consent, agentId: B, agentName: 'b' }, { timeoutMs: 60_000 })).not.toThrow();
    // The backstop over all agents' prompts (6 here) counts agents only, never enrolments.
    expect(queue.pendingCount).toBe(3 + 4 + 2);
    expect(codeOf(() => queue.raise({ ...consent, agentId: B, agentName: 'b', resource: 'https://x.example/mcp' }, { timeoutMs: 60_000 }))).toBe(ErrorCode.RateLimited);
  });

  it('enrolment approvals carry the requesting process as given; budgets free up when decided', () => {
    const { queue } = setup({ maxPendingEnrolments: 1 });
    const requester = { pid: 4242, uid: 1000, exe: '/usr/bin/node', cwd: '/home/x/project' };
    const { approval } = queue.raise({ kind: 'enrolment', agentName: 'bot', requesterKey: 'peer:1000:4242', requester }, { timeoutMs: 60_000 });
    expect(approval.requester).toEqual(requester);
    expect(Object.isFrozen(approval.requester)).toBe(true);
    expect(codeOf(() => queue.raise({ kind: 'enrolment', agentName: 'bot2', requesterKey: 'peer:1000:1' }, { timeoutMs: 60_000 }))).toBe(ErrorCode.RateLimited);
    queue.decide(approval.id, 'deny');
    expect(() => queue.raise({ kind: 'enrolment', agentName: 'bot2', requesterKey: 'peer:1000:1' }, { timeoutMs: 60_000 })).not.toThrow();
  });

  it('B13: no decision in time → expired (a refusal), and the id is then refused', async () => {
    const { queue, scheduler } = setup();
    const { approval, decision } = queue.raise(consent, { timeoutMs: 5000 });
    scheduler.advance(4999);
    expect(queue.get(approval.id)?.status).toBe('pending');
    scheduler.advance(1);
    expect(await decision).toEqual({ status: 'expired', remember: false });
    expect(queue.get(approval.id)?.status).toBe('expired');
    expect(codeOf(() => queue.decide(approval.id, 'approve'))).toBe(ErrorCode.ApprovalNotFound);
  });

  it('B13: a late decision after the deadline is refused even if the timer has not fired yet', async () => {
    const scheduler = new ManualScheduler();
    let now = 0;
    const queue = new ApprovalQueue({ clock: { now: () => now }, scheduler });
    const { approval, decision } = queue.raise(consent, { timeoutMs: 1000 });
    now = 1000;
    expect(codeOf(() => queue.decide(approval.id, 'approve'))).toBe(ErrorCode.ApprovalNotFound);
    expect((await decision).status).toBe('expired');
    expect(scheduler.pending).toBe(0);
  });

  it('B14: approval ids are random and unique over 10k; unknown and replayed ids are refused', () => {
    const { queue } = setup({ maxPending: 10_001, maxPendingPerAgentKind: 10_001, historyLimit: 10 });
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i += 1) {
      const { approval } = queue.raise({ kind: 'consent', agentId: A, agentName: 'a', resource: `https://h${i}.example` }, { timeoutMs: 60_000 });
      ids.add(approval.id);
    }
    expect(ids.size).toBe(10_000);
    expect([...ids].filter((id) => !/^apr_[A-Za-z0-9_-]{32}$/.test(id))).toEqual([]);
    const [one] = ids;
    if (one === undefined) throw new Error('no id');
    queue.decide(one, 'approve');
    expect(codeOf(() => queue.decide(one, 'approve'))).toBe(ErrorCode.ApprovalNotFound);
    expect(codeOf(() => queue.decide(one, 'deny'))).toBe(ErrorCode.ApprovalNotFound);
    expect(codeOf(() => queue.decide('apr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'approve'))).toBe(ErrorCode.ApprovalNotFound);
    expect(codeOf(() => queue.decide('__proto__', 'approve'))).toBe(ErrorCode.ApprovalNotFound);
    queue.close();
    expect(queue.pendingCount).toBe(0);
    // History is bounded.
    expect(queue.list().length).toBe(10);
  });

  it('emits raised and decided events; unsubscribe stops them; a throwing listener breaks nothing', async () => {
    const { queue } = setup();
    const seen: string[] = [];
    queue.on('raised', () => {
      throw new Error('listener bug');
    });
    const off = queue.on('raised', (a: Approval) => seen.push(`raised:${a.id}`));
    queue.on('decided', (a: Approval) => seen.push(`decided:${a.status}`));
    const one = queue.raise(consent, { timeoutMs: 1000 });
    queue.decide(one.approval.id, 'deny');
    off();
    const two = queue.raise(consent, { timeoutMs: 1000 });
    queue.close();
    expect(await two.decision).toEqual({ status: 'expired', remember: false });
    expect(seen).toEqual([`raised:${one.approval.id}`, 'decided:denied', 'decided:expired']);
  });

  it('an aborted asker withdraws its approval', async () => {
    const { queue } = setup();
    const controller = new AbortController();
    const { approval, decision } = queue.raise(consent, { timeoutMs: 60_000, signal: controller.signal });
    controller.abort();
    expect(await decision).toEqual({ status: 'expired', remember: false });
    expect(codeOf(() => queue.decide(approval.id, 'approve'))).toBe(ErrorCode.ApprovalNotFound);
    const aborted = queue.raise(consent, { timeoutMs: 60_000, signal: AbortSignal.abort() });
    expect((await aborted.decision).status).toBe('expired');
  });

  it('refuses invalid input', () => {
    const { queue } = setup();
    expect(codeOf(() => queue.raise(consent, { timeoutMs: 0 }))).toBe(ErrorCode.InvalidInput);
    expect(codeOf(() => queue.raise({ ...consent, agentName: 'x'.repeat(65) }, { timeoutMs: 10 }))).toBe(ErrorCode.InvalidInput);
    expect(codeOf(() => queue.raise({ ...consent, agentId: 'nope' }, { timeoutMs: 10 }))).toBe(ErrorCode.InvalidInput);
    expect(queue.pendingCount).toBe(0);
  });

  it('returned approvals are immutable', () => {
    const { queue } = setup();
    const { approval } = queue.raise(consent, { timeoutMs: 1000 });
    expect(() => {
      (approval as { status: string }).status = 'approved';
    }).toThrow(TypeError);
    expect(() => approval.scopes?.push('admin')).toThrow(TypeError);
  });
});
