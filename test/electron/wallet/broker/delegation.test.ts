/**
 * T40 (confused delegation) against the REAL test world: a composed wallet's bridge handler
 * delegates a slice of a session to a child session; the child's tokens come from oidc-provider
 * and are checked there. Wider slices are refused with what is wider; ending the parent, revoking
 * the grant or removing the agent ends every descendant; token.issued carries the chain and owner.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, isLatchkeyError } from '../../../../shared/errors.js';
import type { DelegateRequest } from '../../../../shared/bridge.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import type { BridgeCaller } from '../../../../electron/wallet/bridge/handler.js';
import { MAX_DELEGATION_DEPTH } from '../../../../electron/wallet/agents/delegation.js';
import { codeOf } from '../../../support/rejection.js';
import { startWorld, type World } from '../../../world/index.js';

const never = new AbortController().signal;
let world: World;
let home: string;
let c: ComposedWallet;
let agentCount = 0;

beforeAll(async () => {
  world = await startWorld();
  home = await mkdtemp(join(tmpdir(), 'latchkey-t40-'));
  c = await composeWallet({ home, allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener: world.opener }, { approvalTimeoutMs: 300 });
  await c.wallet.connect({ url: world.mcpUrl });
}, 60_000);

afterAll(async () => {
  await c?.wallet.close();
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

interface Parent {
  agentId: string;
  agentName: string;
  grantId: string;
  sessionId: string;
  caller: BridgeCaller;
}

/** A fresh agent granted mcp:read and mcp:write on the world's server, in a session bound to this process. */
async function parentSession(ttlSeconds = 3600): Promise<Parent> {
  agentCount += 1;
  const { agent } = await c.wallet.enrolAgent({ name: `parent-${agentCount}` });
  const grant = await c.wallet.createGrant({ agent: agent.id, resource: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'] });
  const { session, secret } = await c.wallet.startSession({ agent: agent.id, ttlSeconds, pid: process.pid });
  return { agentId: agent.id, agentName: agent.name, grantId: grant.id, sessionId: session.id, caller: c.bridge.authenticate(secret)! };
}

async function delegate(caller: BridgeCaller, request: Partial<DelegateRequest> = {}): Promise<{ id: string; caller: BridgeCaller; secret: string }> {
  const answer = await c.bridge.delegate!(caller, { pid: process.pid, ...request });
  const child = c.bridge.authenticate(answer.secret);
  if (child === undefined) throw new Error('the child session does not authenticate');
  return { id: answer.session.id, caller: child, secret: answer.secret };
}

describe('T40: delegated sessions are a wallet-enforced slice of their parent', () => {
  it('a child with --scope mcp:read gets read-only tokens the server accepts; asking for mcp:write is refused', async () => {
    const parent = await parentSession();
    const child = await delegate(parent.caller, { scopes: ['mcp:read'], resources: [world.mcpUrl] });
    expect(child.caller.agent.id).toBe(parent.agentId);
    expect(child.caller.session).toMatchObject({ parentSessionId: parent.sessionId, bounds: { scopes: ['mcp:read'], resources: [world.mcpUrl] } });
    const token = await c.bridge.token(child.caller, { resource: world.mcpUrl }, never);
    expect(token.scope).toBe('mcp:read');
    expect(String(decodeJwt(token.access_token).scope)).toBe('mcp:read');
    expect(await codeOf(c.bridge.token(child.caller, { resource: world.mcpUrl, scopes: ['mcp:write'] }, never))).toBe(ErrorCode.ScopeNotGranted);
    expect(await codeOf(c.bridge.token(child.caller, { resource: 'https://other.example/mcp' }, never))).toBe(ErrorCode.GrantDenied);
    // The parent keeps the whole of its grant: it has no bounds.
    expect(parent.caller.session?.bounds).toBeUndefined();
  });

  it('whoami in a delegated session shows its parent, chain and slice, and its grants cut to the slice', async () => {
    const parent = await parentSession();
    const child = await delegate(parent.caller, { scopes: ['mcp:read'], resources: [world.mcpUrl] });
    const grandchild = await delegate(child.caller, { scopes: ['mcp:read'], resources: [world.mcpUrl] });
    const me = c.bridge.whoami(grandchild.caller);
    expect(me.session).toEqual({
      id: grandchild.id,
      expires_at: Math.floor(grandchild.caller.session!.expiresAt / 1000),
      parent_id: child.id,
      chain: [grandchild.id, child.id, parent.sessionId, parent.agentName, 'owner'],
      slice: { resources: [world.mcpUrl], scopes: ['mcp:read'] },
    });
    expect(me.grants).toEqual([expect.objectContaining({ resource: world.mcpUrl, scopes: ['mcp:read'] })]);
    // The root session shows the whole grant and no slice.
    const root = c.bridge.whoami(parent.caller);
    expect(root.session).toEqual({ id: parent.sessionId, expires_at: expect.any(Number) });
    expect(root.grants[0]?.scopes).toEqual(['mcp:read', 'mcp:write']);
  });

  it('anything wider than the agent holds or the parent allows is refused, saying what is wider', async () => {
    const parent = await parentSession(600);
    const wider = async (request: Partial<DelegateRequest>, caller = parent.caller): Promise<string> => {
      try {
        await delegate(caller, request);
      } catch (error) {
        if (isLatchkeyError(error, ErrorCode.DelegationWider)) return error.message;
        throw error;
      }
      throw new Error('delegation was not refused');
    };
    expect(await wider({ scopes: ['mcp:read', 'admin'] })).toContain('admin');
    expect(await wider({ resources: ['https://other.example/mcp'] })).toContain('https://other.example/mcp');
    expect(await wider({ ttl_seconds: 3600 })).toContain('3600 s');
    const child = await delegate(parent.caller, { scopes: ['mcp:read'] });
    expect(await wider({ scopes: ['mcp:write'] }, child.caller)).toContain('mcp:write');
    expect(await wider({}, child.caller)).toContain('all scopes');
    // Without --ttl a child ends when its parent would.
    expect(child.caller.session?.expiresAt).toBe(parent.caller.session?.expiresAt);
  });

  it(`only a session delegates; at most ${MAX_DELEGATION_DEPTH} levels deep`, async () => {
    agentCount += 1;
    const { secret } = await c.wallet.enrolAgent({ name: `bare-${agentCount}` });
    expect(await codeOf(delegate(c.bridge.authenticate(secret)!))).toBe(ErrorCode.DelegationNeedsSession);
    const parent = await parentSession();
    let caller = parent.caller;
    for (let depth = 1; depth <= MAX_DELEGATION_DEPTH; depth += 1) caller = (await delegate(caller)).caller;
    expect(await codeOf(delegate(caller))).toBe(ErrorCode.DelegationLimit);
  });

  it('ending the parent session ends every descendant at once (parent-ended)', async () => {
    const parent = await parentSession();
    const child = await delegate(parent.caller, { scopes: ['mcp:read'] });
    const grandchild = await delegate(child.caller, { scopes: ['mcp:read'], resources: [world.mcpUrl] });
    await c.wallet.endSession({ id: parent.sessionId, reason: 'exited' });
    const sessions = await c.wallet.listSessions({ agent: parent.agentId });
    expect(sessions.find((s) => s.id === child.id)).toMatchObject({ endReason: 'parent-ended' });
    expect(sessions.find((s) => s.id === grandchild.id)).toMatchObject({ endReason: 'parent-ended' });
    // The bridge authenticates every request by its secret: the descendants' no longer work.
    expect(c.bridge.authenticate(child.secret)).toBeUndefined();
    expect(c.bridge.authenticate(grandchild.secret)).toBeUndefined();
  });

  it("revoking the parent's grant or removing the agent ends the child's access", async () => {
    const first = await parentSession();
    const child = await delegate(first.caller, { scopes: ['mcp:read'] });
    await c.wallet.revokeGrant({ id: first.grantId });
    const refused = await codeOf(c.bridge.token(child.caller, { resource: world.mcpUrl }, never));
    expect(refused).not.toBeUndefined();
    const second = await parentSession();
    const other = await delegate(second.caller);
    await c.wallet.removeAgent({ agent: second.agentId });
    expect(c.bridge.authenticate(other.secret)).toBeUndefined();
    const sessions = await c.wallet.listSessions({});
    expect(sessions.find((s) => s.id === other.id)?.endedAt).toBeDefined();
  });

  it('every hand-out is audited with its owner (the JWT sub) and its chain; the audit still verifies', async () => {
    const parent = await parentSession();
    const child = await delegate(parent.caller, { scopes: ['mcp:read'] });
    const token = await c.bridge.token(child.caller, { resource: world.mcpUrl }, never);
    const issued = (await c.wallet.queryAudit({ agentId: parent.agentId, type: 'token.issued' })).at(-1);
    expect(issued).toMatchObject({ sessionId: child.id, chain: [child.id, parent.sessionId, parent.agentName, 'owner'], owner: decodeJwt(token.access_token).sub });
    const started = (await c.wallet.queryAudit({ agentId: parent.agentId, type: 'session.started' })).find((e) => e.sessionId === child.id);
    expect(started).toMatchObject({ reason: 'delegated', chain: [child.id, parent.sessionId, parent.agentName, 'owner'] });
    expect(await c.wallet.verifyAudit({})).toMatchObject({ ok: true });
  });
});
