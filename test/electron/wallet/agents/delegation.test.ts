/**
 * T40 in the agent registry (memory vault): a delegated session's place in the tree, its limits
 * against its parent, and how it ends with any session above it.
 */
import { describe, expect, it } from 'vitest';
import { MAX_DELEGATION_DEPTH, MAX_LIVE_CHILDREN } from '../../../../electron/wallet/agents/delegation.js';
import type { ProcessIdentity, ProcessProbe } from '../../../../electron/wallet/agents/runner-process.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { codeOf } from '../../../support/rejection.js';
import { openRegistry } from './registry-ground.js';

/** A process table the test edits: pids alive until `kill`. */
class ProcessTable implements ProcessProbe {
  private readonly alive = new Map<number, ProcessIdentity>();
  spawn(pid: number): number {
    this.alive.set(pid, { pid, startId: `start-${pid}` });
    return pid;
  }
  kill(pid: number): void {
    this.alive.delete(pid);
  }
  identify(pid: number): ProcessIdentity | undefined {
    return this.alive.get(pid);
  }
}

async function setup() {
  const processes = new ProcessTable();
  const { registry, scheduler } = await openRegistry(processes);
  const { agent } = await registry.enrol('lead');
  const root = await registry.startSession(agent.id, { ttlSeconds: 600, pid: processes.spawn(100) });
  return { registry, scheduler, processes, agent, root };
}

describe('T40: delegated sessions in the registry', () => {
  it('a child is a session of the same agent with its own secret, its parent and its bounds; lineage runs innermost first', async () => {
    const { registry, processes, agent, root } = await setup();
    const child = await registry.delegateSession(root.session.id, { bounds: { scopes: ['mcp:read'] }, ttlSeconds: undefined, pid: processes.spawn(101) });
    expect(child.secret).not.toBe(root.secret);
    expect(child.session).toMatchObject({ agentId: agent.id, parentSessionId: root.session.id, bounds: { scopes: ['mcp:read'] }, expiresAt: root.session.expiresAt });
    expect(registry.authenticate(child.secret)?.session?.id).toBe(child.session.id);
    expect(registry.lineage(child.session.id).map((s) => s.id)).toEqual([child.session.id, root.session.id]);
  });

  it('refuses a child wider than its parent: scopes, all scopes, lifetime; and past the depth and live-children caps', async () => {
    const { registry, processes, root } = await setup();
    const child = await registry.delegateSession(root.session.id, { bounds: { scopes: ['mcp:read'] }, ttlSeconds: 60, pid: processes.spawn(101) });
    expect(await codeOf(registry.delegateSession(child.session.id, { bounds: { scopes: ['mcp:write'] }, ttlSeconds: undefined, pid: 101 }))).toBe(ErrorCode.DelegationWider);
    expect(await codeOf(registry.delegateSession(child.session.id, { bounds: {}, ttlSeconds: undefined, pid: 101 }))).toBe(ErrorCode.DelegationWider);
    expect(await codeOf(registry.delegateSession(child.session.id, { bounds: { scopes: ['mcp:read'] }, ttlSeconds: 61, pid: 101 }))).toBe(ErrorCode.DelegationWider);
    expect(await codeOf(registry.delegateSession(root.session.id, { bounds: {}, ttlSeconds: undefined, pid: 999 }))).toBe(ErrorCode.SessionRunnerUnverified);

    let parent = root.session.id;
    for (let depth = 1; depth <= MAX_DELEGATION_DEPTH; depth += 1) parent = (await registry.delegateSession(parent, { bounds: {}, ttlSeconds: undefined, pid: 100 })).session.id;
    expect(await codeOf(registry.delegateSession(parent, { bounds: {}, ttlSeconds: undefined, pid: 100 }))).toBe(ErrorCode.DelegationLimit);

    const { agent } = await registry.enrol('wide');
    const other = await registry.startSession(agent.id, { ttlSeconds: 600, pid: 100 });
    for (let i = 0; i < MAX_LIVE_CHILDREN; i += 1) await registry.delegateSession(other.session.id, { bounds: {}, ttlSeconds: undefined, pid: 100 });
    expect(await codeOf(registry.delegateSession(other.session.id, { bounds: {}, ttlSeconds: undefined, pid: 100 }))).toBe(ErrorCode.DelegationLimit);
  });

  it("a child's secret stops working the moment its parent's runner is gone; the sweep ends the whole subtree (parent-ended)", async () => {
    const { registry, processes, root } = await setup();
    const child = await registry.delegateSession(root.session.id, { bounds: {}, ttlSeconds: undefined, pid: processes.spawn(101) });
    const grandchild = await registry.delegateSession(child.session.id, { bounds: {}, ttlSeconds: undefined, pid: processes.spawn(102) });
    processes.kill(100);
    expect(registry.authenticate(grandchild.secret)).toBeUndefined();
    expect(registry.authenticate(child.secret)).toBeUndefined();
    const ended = await registry.endSessionsOfExitedRunners();
    expect(ended.map((s) => [s.id, s.endReason])).toEqual([
      [root.session.id, 'runner-exited'],
      [child.session.id, 'parent-ended'],
      [grandchild.session.id, 'parent-ended'],
    ]);
  });

  it('ending a session ends its descendants, not its siblings or its parent; expiry of the parent ends the child too', async () => {
    const { registry, processes, scheduler, root } = await setup();
    const a = await registry.delegateSession(root.session.id, { bounds: {}, ttlSeconds: undefined, pid: processes.spawn(101) });
    const b = await registry.delegateSession(root.session.id, { bounds: {}, ttlSeconds: undefined, pid: processes.spawn(102) });
    const a1 = await registry.delegateSession(a.session.id, { bounds: {}, ttlSeconds: undefined, pid: 101 });
    await registry.endSession(a.session.id, 'exited');
    const byId = new Map(registry.sessions().map((s) => [s.id, s]));
    expect(byId.get(a1.session.id)?.endReason).toBe('parent-ended');
    expect(byId.get(b.session.id)?.endedAt).toBeUndefined();
    expect(byId.get(root.session.id)?.endedAt).toBeUndefined();
    expect(registry.authenticate(b.secret)).toBeDefined();
    scheduler.advance(601_000);
    expect(registry.authenticate(b.secret)).toBeUndefined();
  });
});
