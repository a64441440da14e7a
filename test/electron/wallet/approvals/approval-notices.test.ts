/**
 * The tray path's notices (E8/E9): one notice per raised approval naming the server and the agent,
 * the page's site up front, the warnings before the server's words; its buttons decide the approval
 * and any decision takes it away. Real ApprovalQueue; a fake Notifier (the port).
 */
import { describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { attachApprovalNotices, noticeFor } from '../../../../electron/wallet/approvals/approval-notices.js';
import { ApprovalQueue } from '../../../../electron/wallet/approvals/approval-queue.js';
import type { Logger } from '../../../../electron/base/ports.js';
import { ManualScheduler, clockOf } from '../agents/manual-scheduler.js';
import { FakeNotifier } from '../../../fakes/fake-notifier.js';

const AGENT_ID = 'agt_AAAAAAAAAAAAAAAAAAAA';
const SERVER = 'https://mcp.example.com/mcp';

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const none = (): void => undefined;
  return { warnings, debug: none, info: none, error: none, warn: (message) => warnings.push(message) };
}

function setup(openWindow?: () => void) {
  const scheduler = new ManualScheduler();
  const approvals = new ApprovalQueue({ clock: clockOf(scheduler), scheduler });
  const notifier = new FakeNotifier();
  const logger = recordingLogger();
  const detach = attachApprovalNotices({ approvals, notifier, logger, ...(openWindow === undefined ? {} : { openWindow }) });
  const elicit = (url: string, message = 'Sign in to continue.') =>
    approvals.raise({ kind: 'url-elicitation', agentId: AGENT_ID, agentName: 'claude', resource: SERVER, url, message }, { timeoutMs: 1000 });
  return { scheduler, approvals, notifier, logger, detach, elicit };
}

describe('approval notices (tray path)', () => {
  it('E9: a url-elicitation notice names server and agent, emphasises the site, warnings then the message', () => {
    const { notifier, elicit } = setup();
    const { approval } = elicit('https://accounts.example.com.evil.test/login?t=1', 'Log in at https://evil.test now');
    const [notice] = notifier.shown;
    expect(notice).toMatchObject({ id: approval.id, emphasis: 'evil.test' });
    expect(notice?.title).toContain('mcp.example.com');
    expect(notice?.title).toContain('claude');
    const lines = notice!.body.split('\n');
    expect(lines[0]).toContain('looks like example.com');
    expect(lines[1]).toContain('not on the server');
    expect(lines.at(-1)).toBe('“Log in at https://evil.test now”');
    expect(notice?.body).not.toContain('t=1');
    expect(notice?.actions).toEqual([
      { action: 'approve', label: 'Open page' },
      { action: 'deny', label: 'Decline' },
    ]);
  });

  it('E8: a page on the server\'s own site has no warnings; a long message is clipped', () => {
    const { notifier, elicit } = setup();
    elicit('https://login.example.com/', 'x'.repeat(2000));
    const [notice] = notifier.shown;
    expect(notice?.emphasis).toBe('example.com');
    expect(notice?.body).not.toContain('⚠');
    expect(notice!.body.length).toBeLessThan(300);
  });

  it('E9: Approve on the notice approves; the notice goes away on any decision', async () => {
    const { notifier, elicit, approvals } = setup();
    const { approval, decision } = elicit('https://pay.example.org/');
    notifier.press(approval.id, 'approve');
    await expect(decision).resolves.toMatchObject({ status: 'approved' });
    expect(notifier.dismissed).toEqual([approval.id]);
    expect(approvals.list({ status: 'pending' })).toEqual([]);
  });

  it('Decline on the notice denies', async () => {
    const { notifier, elicit } = setup();
    const { approval, decision } = elicit('https://pay.example.org/');
    notifier.press(approval.id, 'deny');
    await expect(decision).resolves.toMatchObject({ status: 'denied' });
  });

  it('expired and withdrawn approvals take their notices away', () => {
    const { notifier, elicit, approvals, scheduler } = setup();
    const first = elicit('https://pay.example.org/').approval;
    scheduler.advance(1000);
    const controller = new AbortController();
    const second = approvals.raise({ kind: 'consent', agentId: AGENT_ID, agentName: 'claude', resource: SERVER, scopes: ['read'] }, { timeoutMs: 1000, signal: controller.signal }).approval;
    controller.abort();
    expect(notifier.dismissed).toEqual([first.id, second.id]);
    expect(notifier.open).toEqual([]);
  });

  it('a click on the notice opens the window; a late button press is logged and opens the window, never thrown', () => {
    let opened = 0;
    const { notifier, elicit, approvals, logger } = setup(() => (opened += 1));
    const { approval } = elicit('https://pay.example.org/');
    const onAction = notifier.handlerOf(approval.id)!;
    notifier.press(approval.id, 'open');
    expect(opened).toBe(1);
    approvals.decide(approval.id, 'deny');
    expect(() => onAction('approve')).not.toThrow();
    expect(logger.warnings).toEqual(['deciding from a notification failed']);
    expect(opened).toBe(2);
  });

  it('a failing notifier never breaks raising an approval', () => {
    const scheduler = new ManualScheduler();
    const approvals = new ApprovalQueue({ clock: clockOf(scheduler), scheduler });
    const logger = recordingLogger();
    attachApprovalNotices({ approvals, logger, notifier: { show: () => { throw new Error('no display'); }, dismiss: () => undefined } });
    expect(() => approvals.raise({ kind: 'enrolment', agentName: 'x' }, { timeoutMs: 1000 })).not.toThrow();
    expect(logger.warnings).toEqual(['could not show a notification']);
  });

  it('the unsubscribe stops notices', () => {
    const { notifier, elicit, detach } = setup();
    detach();
    elicit('https://pay.example.org/');
    expect(notifier.shown).toEqual([]);
  });

  it('T32: an enrolment notice names the asking process: pid, program and working directory, as plain text', () => {
    const base = { id: 'apr_AAAAAAAAAAAAAAAAAAAA', agentName: 'new-tool', createdAt: 0, expiresAt: 1, status: 'pending' } as const;
    const notice = noticeFor({ ...base, kind: 'enrolment', requester: { pid: 4242, uid: 1000, exe: '/usr/bin/node', cwd: '/home/x/project\nApprove' } });
    expect(notice.body).toBe('Requested by pid 4242 · /usr/bin/node · cwd /home/x/project\ufffdApprove\nApprove only if you just started this program.');
  });

  it('other kinds: consent, step-up, enrolment, retry', () => {
    const base = { id: 'apr_AAAAAAAAAAAAAAAAAAAA', agentId: AGENT_ID, agentName: 'claude', createdAt: 0, expiresAt: 1, status: 'pending' } as const;
    const consent = noticeFor({ ...base, kind: 'consent', resource: SERVER, scopes: ['read', 'write'] } satisfies Approval);
    expect(consent).toMatchObject({ title: 'claude asks for access to mcp.example.com', body: 'Scopes: read write' });
    const stepUp = noticeFor({ ...base, kind: 'step-up', resource: SERVER, currentScopes: ['read'], scopes: ['read', 'write'] });
    expect(stepUp.body).toBe('Agent holds: read\nNew for it: write\nApproving signs you in again.');
    const enrol = noticeFor({ ...base, kind: 'enrolment', agentName: 'new-tool' });
    expect(enrol.title).toContain('new-tool');
    expect(enrol.body).toBe('Requester unknown: Latchkey could not tell which program asks.\nApprove only if you just started this program.');
    const retry = noticeFor({ ...base, kind: 'elicitation-retry', resource: SERVER, url: 'https://pay.example.org/x', message: 'Pay here.' });
    expect(retry).toMatchObject({ emphasis: 'example.org', actions: [{ action: 'approve', label: 'Retry now' }, { action: 'deny', label: 'Give up' }] });
  });
});

