/**
 * The enrolment desk (T12, T32, T33): one approval per enrolment showing the asking process,
 * counted against the enrolment budget; only the owner's approval enrols. Real queue, registry,
 * audit log and memory vault; a manual scheduler for time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { AgentRegistry } from '../../../../electron/wallet/agents/agent-registry.js';
import { ApprovalQueue } from '../../../../electron/wallet/approvals/approval-queue.js';
import { EnrolmentDesk } from '../../../../electron/wallet/approvals/enrolment-desk.js';
import { openAuditLog } from '../../../../electron/wallet/audit/audit-log.js';
import type { EnrolRequester } from '../../../../electron/wallet/bridge/peer.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { ManualScheduler, clockOf } from '../agents/manual-scheduler.js';

const vaults: Vault[] = [];
afterEach(async () => {
  await Promise.all(vaults.splice(0).map((vault) => vault.close()));
});

const REQUESTER: EnrolRequester = { key: 'peer:1000:4242', shown: { pid: 4242, uid: 1000, exe: '/usr/bin/node', cwd: '/home/x/project' } };

async function setup() {
  const scheduler = new ManualScheduler();
  const clock = clockOf(scheduler);
  const vault = await openVault({ dir: '', mode: 'memory' });
  vaults.push(vault);
  const approvals = new ApprovalQueue({ clock, scheduler, maxPendingEnrolments: 2 });
  const agents = new AgentRegistry({ vault, clock, scheduler });
  const audit = await openAuditLog({ clock });
  const desk = new EnrolmentDesk({ approvals, agents, audit, approvalTimeoutMs: 1_000 });
  const raised = (): Promise<Approval> =>
    new Promise((resolve) => {
      const off = approvals.on('raised', (approval) => {
        off();
        resolve(approval);
      });
    });
  return { scheduler, approvals, agents, audit, desk, raised, never: new AbortController().signal };
}

describe('EnrolmentDesk', () => {
  it('T32: the approval shows the asking process; approve → enrolled with a secret, audited', async () => {
    const { desk, approvals, agents, audit, raised, never } = await setup();
    const next = raised();
    const enrolled = desk.enrol({ name: 'nightly-report' }, never, REQUESTER);
    const approval = await next;
    expect(approval).toMatchObject({ kind: 'enrolment', agentName: 'nightly-report', requester: REQUESTER.shown });
    expect(approval.agentId).toBeUndefined();
    approvals.decide(approval.id, 'approve');
    const result = await enrolled;
    expect(result.secret).toMatch(/^lk_agent_/);
    expect(agents.get('nightly-report')?.id).toBe(result.agentId);
    expect((await audit.query()).map((e) => [e.type, e.outcome])).toEqual([
      ['approval.raised', 'ok'],
      ['approval.decided', 'ok'],
      ['agent.enrolled', 'ok'],
    ]);
  });

  it('an unknown requester is shown as unknown; deny → grant.denied, no timeout → approval.timeout; nothing enrolled', async () => {
    const { desk, approvals, agents, scheduler, raised, never } = await setup();
    const next = raised();
    const denied = desk.enrol({ name: 'bot' }, never, { key: 'conn:1' });
    const approval = await next;
    expect(approval.requester).toBeUndefined();
    approvals.decide(approval.id, 'deny');
    await expect(denied).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    const expiring = desk.enrol({ name: 'bot' }, never, { key: 'conn:2' });
    scheduler.advance(1_000);
    await expect(expiring).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
    expect(agents.list()).toEqual([]);
  });

  it('T33: one pending enrolment per requesting process, and the enrolment budget in all → RateLimited', async () => {
    const { desk, approvals, never } = await setup();
    const first = desk.enrol({ name: 'a' }, never, REQUESTER);
    await expect(desk.enrol({ name: 'b' }, never, REQUESTER)).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    const second = desk.enrol({ name: 'c' }, never, { key: 'peer:1000:1' });
    await expect(desk.enrol({ name: 'd' }, never, { key: 'peer:1000:2' })).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    expect(approvals.pendingCount).toBe(2);
    approvals.close();
    await expect(first).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
    await expect(second).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
  });

  it('the caller going away withdraws the approval', async () => {
    const { desk, approvals, raised } = await setup();
    const controller = new AbortController();
    const next = raised();
    const answer = desk.enrol({ name: 'bot' }, controller.signal, REQUESTER);
    const approval = await next;
    controller.abort();
    await expect(answer).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(approvals.get(approval.id)?.status).toBe('expired');
  });
});
