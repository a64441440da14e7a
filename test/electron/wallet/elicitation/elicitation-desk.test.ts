/**
 * The elicitation desk's rules (E8/E9/T21/T15): unsafe URLs never reach the owner or the
 * Opener, each server is rate limited, allowed sites open without asking, everything else waits for
 * an approval; stage 'wait' asks when to retry. Real queue, audit log and vault; a fake Clock,
 * Scheduler and Opener (ports).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { ApprovalQueue } from '../../../../electron/wallet/approvals/approval-queue.js';
import { openAuditLog, type AuditLog } from '../../../../electron/wallet/audit/audit-log.js';
import type { BridgeCaller } from '../../../../electron/wallet/bridge/handler.js';
import { ElicitationDesk, unsafeReason } from '../../../../electron/wallet/elicitation/elicitation-desk.js';
import type { ElicitationRateLimit } from '../../../../electron/wallet/elicitation/elicitation-limits.js';
import { RememberedAnswers } from '../../../../electron/wallet/elicitation/remembered-answers.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import type { Opener } from '../../../../electron/base/ports.js';
import { openVault, type Vault } from '../../../../electron/wallet/vault/index.js';
import { isRememberable, urlFacts } from '../../../../shared/url-facts.js';
import { ManualScheduler, clockOf } from '../agents/manual-scheduler.js';

const SERVER = 'https://mcp.example.com/mcp';
/** On another site than the server: its only warning is 'other-site'. */
const PAGE = 'https://pay.example.org/checkout?session=s3cret';
const MESSAGE = 'Confirm the payment of 5 EUR.';
const APPROVAL_MS = 1_000;
const RETRY_MS = 5_000;
const AGENT_ID = 'agt_AAAAAAAAAAAAAAAAAAAA';

class CountingOpener implements Opener {
  readonly opened: string[] = [];
  failWith: Error | undefined;
  open(url: URL): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.opened.push(url.href);
    return Promise.resolve();
  }
}

const vaults: Vault[] = [];
afterEach(async () => {
  await Promise.all(vaults.splice(0).map((vault) => vault.close()));
});

async function setup(options: { rateLimit?: ElicitationRateLimit; agentRateLimit?: ElicitationRateLimit; allowInsecureLoopback?: boolean } = {}) {
  /** Which agents hold a live grant for which servers (every agent for every server unless a test changes it). */
  const granted = { to: (_agentId: string, _resource: string): boolean => true };
  const scheduler = new ManualScheduler();
  const clock = clockOf(scheduler);
  const approvals = new ApprovalQueue({ clock, scheduler });
  const audit = await openAuditLog({ clock });
  const vault = await openVault({ dir: '', mode: 'memory' });
  vaults.push(vault);
  const remembered = new RememberedAnswers(vault, { clock });
  const opener = new CountingOpener();
  const desk = new ElicitationDesk({
    approvals,
    audit,
    remembered,
    policy: { allowInsecureLoopback: options.allowInsecureLoopback ?? false },
    clock,
    logger: silentLogger,
    opener,
    hasGrant: (agentId, resource) => granted.to(agentId, resource),
    approvalTimeoutMs: APPROVAL_MS,
    retryTimeoutMs: RETRY_MS,
    ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
    ...(options.agentRateLimit === undefined ? {} : { agentRateLimit: options.agentRateLimit }),
  });
  const caller: BridgeCaller = { agent: { id: AGENT_ID, name: 'agent-a', kind: 'interactive', createdAt: 0 } };
  const raised = (): Promise<Approval> => new Promise((resolve) => {
    const off = approvals.on('raised', (approval) => {
      off();
      resolve(approval);
    });
  });
  return { scheduler, clock, approvals, audit, remembered, opener, desk, caller, raised, granted, never: new AbortController().signal };
}

async function entries(audit: AuditLog, type?: string) {
  return (await audit.query()).filter((event) => type === undefined || event.type === type);
}

describe('elicitation desk: unsafe URLs (T04, E8)', () => {
  it.each([
    ['javascript:', 'javascript:alert(1)', 'unsafe:scheme', undefined],
    ['userinfo', 'https://user:pw@pay.example.test/', 'unsafe:userinfo', 'example.test'],
    ['plain http to a remote host', 'http://pay.example.test/', 'unsafe:insecure', 'example.test'],
    ['a shell expansion', 'https://pay.example.test/$(id)', 'unsafe:characters', 'example.test'],
    ['a relative URL', '/checkout', 'unsafe:not-absolute', undefined],
  ])('E8: %s → decline, no approval, nothing opened, audit names the reason and site, never the URL', async (_name, url, reason, site) => {
    const { desk, caller, never, approvals, opener, audit } = await setup();
    await expect(desk.elicit(caller, { server: SERVER, url, message: MESSAGE }, never)).resolves.toEqual({ action: 'decline' });
    expect(approvals.list()).toEqual([]);
    expect(opener.opened).toEqual([]);
    const refused = await entries(audit, 'elicitation.refused');
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ reason, resource: SERVER, agentId: AGENT_ID, outcome: 'denied', actor: 'policy' });
    expect(refused[0]?.site).toBe(site);
    expect(JSON.stringify(await audit.query())).not.toContain(url);
  });

  it('E8: an unsafe URL in stage wait → cancel, nobody asked', async () => {
    const { desk, caller, never, approvals } = await setup();
    await expect(desk.elicit(caller, { server: SERVER, url: 'javascript:alert(1)', message: MESSAGE, stage: 'wait' }, never)).resolves.toEqual({ action: 'cancel' });
    expect(approvals.list()).toEqual([]);
  });

  it('unsafeReason gives short stable codes', () => {
    const policy = { allowInsecureLoopback: false };
    expect(unsafeReason(`https://a.test/${'x'.repeat(9000)}`, policy)).toBe('too-long');
    expect(unsafeReason('http://127.0.0.1/', policy)).toBe('insecure');
    expect(unsafeReason('https://a.test/"', policy)).toBe('characters');
  });
});

describe('elicitation desk: asking the owner (E9)', () => {
  it('E9: approve → opened once, accept; audit raised/decided/opened by the owner with the site', async () => {
    const { desk, caller, never, opener, audit, raised, approvals } = await setup();
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    const approval = await next;
    expect(approval).toMatchObject({ kind: 'url-elicitation', resource: SERVER, url: PAGE, message: MESSAGE, agentId: AGENT_ID });
    expect(opener.opened).toEqual([]);
    approvals.decide(approval.id, 'approve');
    await expect(answer).resolves.toEqual({ action: 'accept' });
    expect(opener.opened).toEqual([PAGE]);
    const log = await audit.query();
    expect(log.map((e) => [e.type, e.reason, e.actor, e.site])).toEqual([
      ['approval.raised', `url-elicitation:${approval.id}`, undefined, 'example.org'],
      ['approval.decided', 'approved', 'owner', 'example.org'],
      ['elicitation.opened', undefined, 'owner', 'example.org'],
    ]);
    expect(JSON.stringify(log)).not.toContain('s3cret');
  });

  it('deny → decline, nothing opened; no decision in time → cancel (actor timeout)', async () => {
    const { desk, caller, never, opener, audit, raised, approvals, scheduler } = await setup();
    let next = raised();
    const denied = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    approvals.decide((await next).id, 'deny');
    await expect(denied).resolves.toEqual({ action: 'decline' });
    next = raised();
    const expired = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    await next;
    scheduler.advance(APPROVAL_MS);
    await expect(expired).resolves.toEqual({ action: 'cancel' });
    expect(opener.opened).toEqual([]);
    expect((await entries(audit, 'approval.decided')).map((e) => [e.reason, e.actor])).toEqual([
      ['denied', 'owner'],
      ['expired', 'timeout'],
    ]);
  });

  it('the caller going away withdraws the approval; nothing opened', async () => {
    const { desk, caller, opener, audit, raised, approvals } = await setup();
    const controller = new AbortController();
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, controller.signal);
    await next;
    controller.abort();
    await expect(answer).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(approvals.list({ status: 'pending' })).toEqual([]);
    expect(opener.opened).toEqual([]);
    expect((await entries(audit, 'approval.decided')).map((e) => [e.reason, e.actor])).toEqual([['withdrawn', 'agent']]);
  });

  it('the Opener failing → cancel, audited as an error', async () => {
    const { desk, caller, never, opener, audit, raised, approvals } = await setup();
    opener.failWith = new LatchkeyError(ErrorCode.OpenerFailed, 'no browser');
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    approvals.decide((await next).id, 'approve');
    await expect(answer).resolves.toEqual({ action: 'cancel' });
    expect(await entries(audit, 'elicitation.opened')).toMatchObject([{ outcome: 'error', reason: ErrorCode.OpenerFailed, actor: 'owner' }]);
  });
});

describe('elicitation desk: allowed sites', () => {
  it('approve with remember → site allowed (audited); the next page on that site opens without asking (actor policy)', async () => {
    const { desk, caller, never, opener, audit, raised, approvals, remembered } = await setup();
    const next = raised();
    const first = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    approvals.decide((await next).id, 'approve', { remember: true });
    await expect(first).resolves.toEqual({ action: 'accept' });
    expect(remembered.allowedSites()).toMatchObject([{ server: SERVER, site: 'example.org' }]);
    expect(await entries(audit, 'site.allowed')).toMatchObject([{ resource: SERVER, site: 'example.org', actor: 'owner' }]);

    const again = 'https://shop.example.org/other';
    await expect(desk.elicit(caller, { server: SERVER, url: again, message: MESSAGE }, never)).resolves.toEqual({ action: 'accept' });
    expect(approvals.list()).toHaveLength(1);
    expect(opener.opened).toEqual([PAGE, again]);
    expect((await entries(audit, 'elicitation.opened')).map((e) => e.actor)).toEqual(['owner', 'policy']);
  });

  it('T21: remember is ignored for a URL with a warning besides other-site', async () => {
    const { desk, caller, never, raised, approvals, remembered, audit } = await setup();
    const lookalike = 'https://examp1e.com/login';
    expect(isRememberable(urlFacts(lookalike, { server: SERVER })!)).toBe(false);
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: lookalike, message: MESSAGE }, never);
    approvals.decide((await next).id, 'approve', { remember: true });
    await expect(answer).resolves.toEqual({ action: 'accept' });
    expect(remembered.allowedSites()).toEqual([]);
    expect(await entries(audit, 'site.allowed')).toEqual([]);
  });

  it('T21: an allowed site still asks when the URL carries a warning (plain http)', async () => {
    const { desk, caller, never, raised, remembered, opener, approvals } = await setup({ allowInsecureLoopback: true });
    await remembered.allowSite(SERVER, '127.0.0.1');
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: 'http://127.0.0.1:9/pay', message: MESSAGE }, never);
    const approval = await next;
    expect(opener.opened).toEqual([]);
    approvals.decide(approval.id, 'deny');
    await expect(answer).resolves.toEqual({ action: 'decline' });
  });

  it('E9/T21: an allowed site opens by policy only for an agent holding a live grant for that server; any other agent is refused', async () => {
    const { desk, caller, never, remembered, approvals, opener, audit, granted } = await setup();
    granted.to = (agentId) => agentId === AGENT_ID;
    await remembered.allowSite(SERVER, 'example.org');
    const stranger: BridgeCaller = { agent: { id: 'agt_BBBBBBBBBBBBBBBBBBBB', name: 'agent-b', kind: 'interactive', createdAt: 0 } };
    await expect(desk.elicit(stranger, { server: SERVER, url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
    expect(opener.opened).toEqual([]);

    // agent-a, with its grant, opens by policy; once its grant is gone it is refused too.
    await expect(desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never)).resolves.toEqual({ action: 'accept' });
    granted.to = () => false;
    await expect(desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
    expect(approvals.list()).toEqual([]);
    expect(opener.opened).toEqual([PAGE]);
    expect((await entries(audit, 'elicitation.opened')).map((e) => [e.agentName, e.actor])).toEqual([['agent-a', 'policy']]);
  });

  it('an allowed site counts only for its own server', async () => {
    const { desk, caller, never, raised, remembered, approvals } = await setup();
    await remembered.allowSite('https://other.example.net/mcp', 'example.org');
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    approvals.decide((await next).id, 'deny');
    await expect(answer).resolves.toEqual({ action: 'decline' });
  });
});

describe('elicitation desk: only servers the agent holds a grant for (T33)', () => {
  it('T33: a server the agent holds no grant for → elicitation.not_granted at once, nobody asked, nothing counted; audited once a minute', async () => {
    const { desk, caller, never, approvals, audit, granted, scheduler, remembered, opener } = await setup({ rateLimit: { max: 1, windowMs: 60_000 } });
    granted.to = (_agent, resource) => resource === SERVER;
    const stranger = 'https://evil.example.net/mcp';
    for (let i = 0; i < 5; i += 1) {
      await expect(desk.elicit(caller, { server: stranger, url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
    }
    // A prefix of a granted server is another server: exact canonical match only.
    await expect(desk.elicit(caller, { server: `${SERVER}/sub`, url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
    await expect(desk.elicit(caller, { server: 'https://mcp.example.com/mc', url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
    expect(approvals.list()).toEqual([]);
    const refused = await entries(audit, 'elicitation.refused');
    expect(refused.map((e) => [e.reason, e.resource])).toEqual([
      ['not-granted', stranger],
      ['not-granted', `${SERVER}/sub`],
      ['not-granted', 'https://mcp.example.com/mc'],
    ]);
    scheduler.advance(60_000);
    await expect(desk.elicit(caller, { server: stranger, url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
    expect(await entries(audit, 'elicitation.refused')).toHaveLength(4);
    // The granted server's budget was not touched by any of it (a canonically equal spelling counts as that server).
    await remembered.allowSite(SERVER, 'example.org');
    await expect(desk.elicit(caller, { server: 'HTTPS://MCP.EXAMPLE.COM:443/mcp', url: PAGE, message: MESSAGE }, never)).resolves.toEqual({ action: 'accept' });
    expect(opener.opened).toEqual([PAGE]);
  });

  it('T33: stage wait needs the grant too', async () => {
    const { desk, caller, never, granted } = await setup();
    granted.to = () => false;
    await expect(desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE, stage: 'wait' }, never)).rejects.toMatchObject({ code: ErrorCode.ElicitationNotGranted });
  });
});

describe('elicitation desk: rate limit (T15)', () => {
  it('over the limit per server → cancel, one audit entry per minute, other servers unaffected, the window slides', async () => {
    const { desk, caller, never, remembered, audit, scheduler, opener } = await setup({ rateLimit: { max: 2, windowMs: 60_000 } });
    await remembered.allowSite(SERVER, 'example.org');
    const ask = (server = SERVER) => desk.elicit(caller, { server, url: PAGE, message: MESSAGE }, never);
    expect(await ask()).toEqual({ action: 'accept' });
    expect(await ask()).toEqual({ action: 'accept' });
    expect(await ask()).toEqual({ action: 'cancel' });
    expect(await ask()).toEqual({ action: 'cancel' });
    expect(opener.opened).toHaveLength(2);
    const refused = await entries(audit, 'elicitation.refused');
    expect(refused).toMatchObject([{ reason: 'rate-limited', resource: SERVER, site: 'example.org', actor: 'policy' }]);
    await remembered.allowSite('https://mcp.example.net/mcp', 'example.org');
    expect(await ask('https://mcp.example.net/mcp')).toEqual({ action: 'accept' });
    scheduler.advance(60_000);
    expect(await ask()).toEqual({ action: 'accept' });
  });

  it('T33: the limit is per agent and server: one agent over it leaves another agent on the same server unaffected', async () => {
    const { desk, caller, never, remembered, opener } = await setup({ rateLimit: { max: 2, windowMs: 60_000 } });
    const other: BridgeCaller = { agent: { id: 'agt_BBBBBBBBBBBBBBBBBBBB', name: 'agent-b', kind: 'interactive', createdAt: 0 } };
    await remembered.allowSite(SERVER, 'example.org');
    const ask = (who: BridgeCaller) => desk.elicit(who, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    expect([await ask(caller), await ask(caller), await ask(caller)]).toEqual([{ action: 'accept' }, { action: 'accept' }, { action: 'cancel' }]);
    expect(await ask(other)).toEqual({ action: 'accept' });
    expect(opener.opened).toHaveLength(3);
  });

  it('T33: and per agent over all its servers', async () => {
    const { desk, caller, never, remembered } = await setup({ agentRateLimit: { max: 3, windowMs: 60_000 } });
    const servers = ['https://a.example.com/mcp', 'https://b.example.com/mcp', 'https://c.example.com/mcp', 'https://d.example.com/mcp'];
    for (const server of servers) await remembered.allowSite(server, 'example.org');
    const answers = [];
    for (const server of servers) answers.push(await desk.elicit(caller, { server, url: PAGE, message: MESSAGE }, never));
    expect(answers.map((a) => a.action)).toEqual(['accept', 'accept', 'accept', 'cancel']);
  });

  it('T15: a second page while one like it waits for the owner → RateLimited (429 at the bridge), audited as refused rate-limited', async () => {
    const { desk, caller, never, raised, approvals, audit } = await setup();
    const next = raised();
    const first = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never);
    const approval = await next;
    await expect(desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE }, never)).rejects.toMatchObject({ code: ErrorCode.RateLimited });
    expect(await entries(audit, 'elicitation.refused')).toMatchObject([{ reason: 'rate-limited', resource: SERVER, site: 'example.org', actor: 'policy', outcome: 'denied' }]);
    approvals.decide(approval.id, 'deny');
    await expect(first).resolves.toEqual({ action: 'decline' });
  });

  it('unsafe URLs count too: a flood of them is cut off as rate-limited', async () => {
    const { desk, caller, never, audit } = await setup({ rateLimit: { max: 2, windowMs: 60_000 } });
    const ask = () => desk.elicit(caller, { server: SERVER, url: 'javascript:alert(1)', message: MESSAGE }, never);
    expect([await ask(), await ask(), await ask(), await ask()]).toEqual([{ action: 'decline' }, { action: 'decline' }, { action: 'cancel' }, { action: 'cancel' }]);
    expect((await entries(audit, 'elicitation.refused')).map((e) => e.reason)).toEqual(['unsafe:scheme', 'unsafe:scheme', 'rate-limited']);
  });
});

describe('elicitation desk: stage wait', () => {
  it('raises an elicitation-retry approval with the longer timeout; approve → accept (retry now), nothing opened', async () => {
    const { desk, caller, never, raised, approvals, opener, clock, audit } = await setup();
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE, stage: 'wait' }, never);
    const approval = await next;
    expect(approval).toMatchObject({ kind: 'elicitation-retry', resource: SERVER, url: PAGE, message: MESSAGE, expiresAt: clock.now() + RETRY_MS });
    approvals.decide(approval.id, 'approve');
    await expect(answer).resolves.toEqual({ action: 'accept' });
    expect(opener.opened).toEqual([]);
    expect((await audit.query()).map((e) => [e.type, e.reason])).toEqual([
      ['approval.raised', `elicitation-retry:${approval.id}`],
      ['approval.decided', 'approved'],
    ]);
  });

  it('deny or no decision in time → cancel', async () => {
    const { desk, caller, never, raised, approvals, scheduler } = await setup();
    let next = raised();
    const denied = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE, stage: 'wait' }, never);
    approvals.decide((await next).id, 'deny');
    await expect(denied).resolves.toEqual({ action: 'cancel' });
    next = raised();
    const expired = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE, stage: 'wait' }, never);
    await next;
    scheduler.advance(APPROVAL_MS);
    expect(approvals.pendingCount).toBe(1);
    scheduler.advance(RETRY_MS);
    await expect(expired).resolves.toEqual({ action: 'cancel' });
  });

  it('the completion notification (caller aborts) withdraws it quietly', async () => {
    const { desk, caller, raised, approvals, audit } = await setup();
    const controller = new AbortController();
    const next = raised();
    const answer = desk.elicit(caller, { server: SERVER, url: PAGE, message: MESSAGE, stage: 'wait' }, controller.signal);
    await next;
    controller.abort();
    await expect(answer).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(approvals.pendingCount).toBe(0);
    expect((await entries(audit, 'approval.decided')).map((e) => [e.reason, e.actor])).toEqual([['withdrawn', 'agent']]);
  });
});
