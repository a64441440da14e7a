/**
 * T3 step-up for agents, through the composed wallet: the real broker, approval queue, grant
 * store, remembered answers, audit log and ConnectionService (its browser flow runs against the
 * fake AS of test/fakes with a browser that approves at once). The end-to-end test with the real
 * AS, MCP server and Chromium is test/e2e/step-up.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Approval } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import type { Wallet } from '../../../../electron/wallet/wallet-api.js';
import { ConnectionStore } from '../../../../electron/wallet/connections/connection-store.js';
import { MAX_STEP_UPS } from '../../../../electron/wallet/connections/connection-service.js';
import { problemFromError } from '../../../../electron/wallet/bridge/problems.js';
import { CallbackBrowser } from '../../../fakes/callback-browser.js';
import { FAKE_ISSUER, FakeTokenEndpoint } from '../../../fakes/fake-token-endpoint.js';
import { seedConnection } from '../../../support/seed-connection.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const READ = 'mcp:read';
const WRITE = 'mcp:write';
const ADMIN = 'mcp:admin';
const composed: ComposedWallet[] = [];
afterEach(async () => {
  await Promise.all(composed.splice(0).map((c) => c.wallet.close()));
});

/**
 * A wallet connected to RESOURCE with mcp:read only, agents a and b with grants for mcp:read, and
 * an "AS" whose browser sign-in grants what was asked for (or `granted`, when a test sets it).
 */
async function setup(options: { approvalTimeoutMs?: number } = {}) {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 3600;
  const browser = new CallbackBrowser(FAKE_ISSUER);
  const as = { granted: undefined as string | undefined };
  endpoint.replies['authorization_code'] = async () => ({
    status: 200,
    body: {
      access_token: `at-signin-${browser.opened.length}`,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `rt-signin-${browser.opened.length}`,
      scope: as.granted ?? browser.opened.at(-1)?.searchParams.get('scope') ?? '',
    },
  });
  const c = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } }, { fetch: endpoint.fetch, opener: browser }, options);
  composed.push(c);
  await seedConnection(c.vault, RESOURCE);
  await new ConnectionStore(c.vault).updateConnection({ resource: RESOURCE }, (record) => ({ ...record, scopes: [READ] }));
  const { wallet, broker } = c;
  const a = await wallet.enrolAgent({ name: 'agent-a' });
  const b = await wallet.enrolAgent({ name: 'agent-b' });
  await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: [READ] });
  await wallet.createGrant({ agent: 'agent-b', resource: RESOURCE, scopes: [READ] });
  return {
    c,
    wallet,
    broker,
    browser,
    as,
    callerA: broker.authenticate(a.secret)!,
    callerB: broker.authenticate(b.secret)!,
    never: new AbortController().signal,
    raised: counter(c),
  };
}

/** Counts approvals raised from now on. */
function counter(c: ComposedWallet): { readonly count: number; readonly kinds: string[] } {
  const kinds: string[] = [];
  c.approvals.on('raised', (approval) => kinds.push(approval.kind));
  return {
    get count() {
      return kinds.length;
    },
    kinds,
  };
}

async function pending(wallet: Wallet): Promise<Approval> {
  let found: Approval | undefined;
  await expect.poll(async () => (found = (await wallet.listApprovals({ status: 'pending' }))[0]) !== undefined).toBe(true);
  return found!;
}

async function connectionScopes(wallet: Wallet): Promise<string[]> {
  return (await wallet.listConnections()).find((c) => c.resource === RESOURCE)?.scopes ?? [];
}

describe('T3 step-up for agents', () => {
  it('T3: one step-up approval shows current → union; approving re-authorizes with the union and mints the wider token', async () => {
    const { c, wallet, broker, browser, callerA, never, raised } = await setup();
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    const approval = await pending(wallet);
    expect(approval).toMatchObject({ kind: 'step-up', agentName: 'agent-a', resource: RESOURCE, currentScopes: [READ], scopes: [READ, WRITE] });
    expect(browser.opened).toHaveLength(0); // nothing opens before the owner says yes
    await wallet.decideApproval({ id: approval.id, decision: 'approve' });

    await expect(asking).resolves.toMatchObject({ scope: `${READ} ${WRITE}` });
    expect(browser.opened).toHaveLength(1);
    expect(browser.opened[0]!.searchParams.get('scope')).toBe(`${READ} ${WRITE}`);
    expect(await connectionScopes(wallet)).toEqual([READ, WRITE]);
    expect(raised.kinds).toEqual(['step-up']); // one prompt: no consent on top

    const audit = await c.audit.query({});
    const types = audit.filter((e) => e.agentName === 'agent-a').map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['approval.raised', 'approval.decided', 'step-up.completed', 'token.issued']));
    expect(audit.find((e) => e.type === 'approval.raised' && e.agentName === 'agent-a')?.reason).toBe(`step-up:${approval.id}`);
    expect(audit.find((e) => e.type === 'step-up.completed')).toMatchObject({ actor: 'owner', outcome: 'ok', resource: RESOURCE, scopes: [READ, WRITE] });

    // Approving is consent for this agent, without "remember" too: its grant now holds mcp:write
    // (mode kept), so the next request is neither a step-up nor a consent.
    expect((await wallet.listGrants({ agent: 'agent-a' }))[0]).toMatchObject({ scopes: [READ, WRITE], mode: 'allow' });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never)).resolves.toMatchObject({ scope: `${READ} ${WRITE}` });
    expect(raised.count).toBe(1);
    expect(browser.opened).toHaveLength(1);
  });

  it('T3/T13: the step-up shows what the AGENT holds and will hold, so a scope the connection held but the agent did not is marked new', async () => {
    const { c, wallet, broker, browser, callerA, never } = await setup();
    await new ConnectionStore(c.vault).updateConnection({ resource: RESOURCE }, (record) => ({ ...record, scopes: [READ, ADMIN] }));
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [ADMIN, WRITE] }, never);
    const approval = await pending(wallet);
    // agent-a holds mcp:read; after approval it holds read, admin and write: admin is new for it too.
    expect(approval).toMatchObject({ kind: 'step-up', currentScopes: [READ], scopes: [READ, ADMIN, WRITE] });
    await wallet.decideApproval({ id: approval.id, decision: 'approve' });
    await expect(asking).resolves.toMatchObject({ scope: `${ADMIN} ${WRITE}` });
    // The connection is still re-authorized with connection ∪ requested.
    expect(browser.opened[0]!.searchParams.get('scope')).toBe(`${READ} ${ADMIN} ${WRITE}`);
    // The grant holds exactly what the owner was shown.
    expect((await wallet.listGrants({ agent: 'agent-a' }))[0]?.scopes).toEqual(approval.scopes);
    const raisedEntry = (await c.audit.query({})).find((e) => e.type === 'approval.raised' && e.agentName === 'agent-a');
    expect(raisedEntry?.scopes).toEqual([READ, ADMIN, WRITE]);
  });

  it('T3: a grant set to ask each time keeps its mode after a step-up; an agent without a grant gets one', async () => {
    const { wallet, broker, callerA, never } = await setup();
    const grantA = (await wallet.listGrants({ agent: 'agent-a' }))[0]!;
    await wallet.updateGrant({ id: grantA.id, mode: 'ask' });
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'approve', remember: true });
    await expect(asking).resolves.toMatchObject({ scope: `${READ} ${WRITE}` });
    expect((await wallet.listGrants({ agent: 'agent-a' }))[0]).toMatchObject({ scopes: [READ, WRITE], mode: 'ask' });

    const agentC = await wallet.enrolAgent({ name: 'agent-c' });
    const callerC = broker.authenticate(agentC.secret)!;
    await new ConnectionStore((composed.at(-1) as ComposedWallet).vault).updateConnection({ resource: RESOURCE }, (record) => ({ ...record, scopes: [READ] }));
    const other = broker.token(callerC, { resource: RESOURCE, scopes: [WRITE] }, never);
    const approval = await pending(wallet);
    // The card is about agent-c, which holds nothing here: everything it asks for is new for it.
    expect(approval).toMatchObject({ kind: 'step-up', currentScopes: [], scopes: [WRITE] });
    await wallet.decideApproval({ id: approval.id, decision: 'approve' });
    await expect(other).resolves.toMatchObject({ scope: WRITE });
    expect((await wallet.listGrants({ agent: 'agent-c' }))[0]).toMatchObject({ scopes: [WRITE], mode: 'allow' });
  });

  it('T3: a declined step-up is remembered per agent, resource and scopes: the agent is refused at once, without a prompt', async () => {
    const { c, wallet, broker, browser, callerA, callerB, never, raised } = await setup();
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(1);

    // Asking again, or for the extra scope alone, is refused at once: no approval, no browser.
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never)).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [WRITE] }, never)).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(1);
    expect(browser.opened).toHaveLength(0);
    const refused = (await c.audit.query({})).filter((e) => e.type === 'token.refused' && e.agentName === 'agent-a');
    expect(refused.map((e) => e.reason)).toEqual(['token.step_up_declined', 'token.step_up_declined', 'token.step_up_declined']);
    // What it already had still works.
    await expect(broker.token(callerA, { resource: RESOURCE }, never)).resolves.toMatchObject({ scope: READ });

    // Another agent is not bound by a's answer: it gets its own prompt.
    const other = broker.token(callerB, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    const approval = await pending(wallet);
    expect(approval).toMatchObject({ kind: 'step-up', agentName: 'agent-b' });
    await wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await expect(other).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
  });

  it('T3: a declined step-up is refused at once when any scope new in a later one was declined: a subset or a reworded set asks nobody', async () => {
    const { wallet, broker, browser, callerA, never, raised } = await setup();
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [ADMIN, 'mcp:x1'] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [ADMIN] }, never)).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [READ, ADMIN, 'mcp:x2'] }, never)).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(1);
    expect(browser.opened).toHaveLength(0);
    // Scopes never declined still ask.
    const other = broker.token(callerA, { resource: RESOURCE, scopes: ['mcp:x2'] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(other).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(2);
  });

  it('T3: no answer in time refuses with ApprovalTimeout and is not remembered', async () => {
    const { wallet, broker, callerA, never, raised } = await setup({ approvalTimeoutMs: 50 });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never)).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never)).rejects.toMatchObject({ code: ErrorCode.ApprovalTimeout });
    expect(raised.kinds).toEqual(['step-up', 'step-up']);
    expect(await wallet.listApprovals({ status: 'pending' })).toEqual([]);
  });

  it('T3: changing the grant\'s scopes by hand, or removing the agent, forgets its declined step-ups', async () => {
    const { wallet, broker, callerA, never, raised } = await setup();
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });

    const grant = (await wallet.listGrants({ agent: 'agent-a' }))[0]!;
    await wallet.updateGrant({ id: grant.id, scopes: [READ, WRITE] });
    const again = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    const approval = await pending(wallet);
    expect(approval.kind).toBe('step-up');
    expect(raised.count).toBe(2);
    await wallet.decideApproval({ id: approval.id, decision: 'deny' });
    await expect(again).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });

    await wallet.removeAgent({ agent: 'agent-a' });
    const back = await wallet.enrolAgent({ name: 'agent-a' });
    await wallet.createGrant({ agent: 'agent-a', resource: RESOURCE, scopes: [READ] });
    const caller = broker.authenticate(back.secret)!;
    const fresh = broker.token(caller, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(fresh).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(3);
  });

  it('T3: narrowing the grant by hand keeps the declined step-ups (only widening forgets them)', async () => {
    const { wallet, broker, callerA, never, raised } = await setup();
    const grant = (await wallet.listGrants({ agent: 'agent-a' }))[0]!;
    await wallet.updateGrant({ id: grant.id, scopes: [READ, ADMIN] });
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [WRITE] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    await wallet.updateGrant({ id: grant.id, scopes: [READ] });
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [WRITE] }, never)).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(1);
  });

  it('T3: refusing on the authorization server\'s page counts as a decline and is remembered', async () => {
    const { wallet, broker, browser, callerA, never, raised } = await setup();
    browser.tamper = (params) => ({ state: params.state ?? null, iss: params.iss ?? null, error: 'access_denied' });
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'approve' });
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(await connectionScopes(wallet)).toEqual([READ]);
    await expect(broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never)).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
    expect(raised.count).toBe(1);
    expect(browser.opened).toHaveLength(1);
  });

  it('T3: a sign-in that fails after approval reaches the agent with its own code and a 5xx status, not internal', async () => {
    const { wallet, broker, browser, callerA, never } = await setup();
    browser.tamper = (params) => ({ state: params.state ?? null, iss: params.iss ?? null, error: 'server_error' });
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never).catch((error: unknown) => error);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'approve' });
    const error = await asking;
    expect(error).toMatchObject({ code: ErrorCode.AuthorizationFailed });
    expect(problemFromError(error)).toMatchObject({ code: ErrorCode.AuthorizationFailed, status: 502 });
    expect(await connectionScopes(wallet)).toEqual([READ]);
  });

  it('T3: bounded: an AS that never grants the scope stops being asked after MAX_STEP_UPS sign-ins', async () => {
    const { wallet, broker, browser, as, callerA, never } = await setup();
    as.granted = READ;
    for (let attempt = 1; attempt <= MAX_STEP_UPS + 1; attempt += 1) {
      const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
      await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'approve' });
      await expect(asking).rejects.toMatchObject({ code: attempt <= MAX_STEP_UPS ? ErrorCode.ScopeNotGranted : ErrorCode.StepUpLimit });
    }
    expect(browser.opened).toHaveLength(MAX_STEP_UPS);
    expect(await connectionScopes(wallet)).toEqual([READ]);
  });

  it('T3: two agents\' step-ups approved at once share one sign-in', async () => {
    const { wallet, broker, browser, callerA, callerB, never } = await setup();
    const a = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    const b = broker.token(callerB, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    await expect.poll(async () => (await wallet.listApprovals({ status: 'pending' })).length).toBe(2);
    const [first, second] = await wallet.listApprovals({ status: 'pending' });
    await Promise.all([wallet.decideApproval({ id: first!.id, decision: 'approve' }), wallet.decideApproval({ id: second!.id, decision: 'approve' })]);
    await expect(a).resolves.toMatchObject({ scope: `${READ} ${WRITE}` });
    await expect(b).resolves.toMatchObject({ scope: `${READ} ${WRITE}` });
    expect(browser.opened).toHaveLength(1);
  });

  it('T3: scopes the connection holds but the grant lacks stay an ordinary consent', async () => {
    const { wallet, broker, browser, callerA, never } = await setup();
    await new ConnectionStore((composed.at(-1) as ComposedWallet).vault).updateConnection({ resource: RESOURCE }, (record) => ({ ...record, scopes: [READ, WRITE] }));
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, never);
    const approval = await pending(wallet);
    expect(approval.kind).toBe('consent');
    expect(approval.currentScopes).toBeUndefined();
    await wallet.decideApproval({ id: approval.id, decision: 'approve' });
    await expect(asking).resolves.toMatchObject({ scope: `${READ} ${WRITE}` });
    expect(browser.opened).toHaveLength(0);
  });

  it('T3: the agent going away withdraws the step-up before anything opens', async () => {
    const { c, wallet, broker, browser, callerA } = await setup();
    const gone = new AbortController();
    const asking = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, gone.signal);
    await pending(wallet);
    gone.abort();
    await expect(asking).rejects.toMatchObject({ code: ErrorCode.AuthorizationCancelled });
    expect(browser.opened).toHaveLength(0);
    expect((await c.audit.query({})).find((e) => e.type === 'approval.decided' && e.agentName === 'agent-a')).toMatchObject({ reason: 'withdrawn', actor: 'agent' });
    // Not a decline: the next request asks again.
    const again = broker.token(callerA, { resource: RESOURCE, scopes: [READ, WRITE] }, new AbortController().signal);
    await wallet.decideApproval({ id: (await pending(wallet)).id, decision: 'deny' });
    await expect(again).rejects.toMatchObject({ code: ErrorCode.StepUpDeclined });
  });
});
