import { describe, expect, it } from 'vitest';
import { SESSION_RETENTION_MS } from '../../../../electron/wallet/agents/agent-registry.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { codeOf } from '../../../support/rejection.js';
import type { ManualScheduler } from './manual-scheduler.js';
import { openRegistry } from './registry-ground.js';

const setup = (): ReturnType<typeof openRegistry> => openRegistry();

describe('AgentRegistry', () => {
  it('shows the secret once and stores only its hash (vault document has no secret)', async () => {
    const { vault, registry } = await setup();
    const { agent, secret } = await registry.enrol('claude-code');
    expect(secret).toMatch(/^lk_agent_/);
    expect(agent).toMatchObject({ name: 'claude-code', kind: 'interactive' });
    expect(agent).not.toHaveProperty('secretHash');
    const stored = JSON.stringify(vault.read());
    expect(stored).not.toContain(secret);
    expect(stored).not.toContain(secret.slice('lk_agent_'.length));
    expect(stored).toContain('secretHash');
    const { secret: sessionSecret } = await registry.startSession(agent.id, { ttlSeconds: 60 });
    expect(JSON.stringify(vault.read())).not.toContain(sessionSecret);
    expect(JSON.stringify(registry.list())).not.toContain('secretHash');
    expect(JSON.stringify(registry.sessions())).not.toContain('secretHash');
  });

  it('refuses a taken name (case-insensitive), a bad name and an unknown parent', async () => {
    const { registry } = await setup();
    const parent = await registry.enrol('bot');
    expect(await codeOf(registry.enrol('BOT'))).toBe(ErrorCode.AgentExists);
    expect(await codeOf(registry.enrol('-x'))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(registry.enrol('a b'))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(registry.enrol('x'.repeat(65)))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(registry.enrol('child', { parentId: 'agt_doesnotexistdoesnotexist' }))).toBe(ErrorCode.AgentNotFound);
    const child = await registry.enrol('child', { parentId: parent.agent.id, kind: 'autonomous' });
    expect(child.agent).toMatchObject({ parentId: parent.agent.id, kind: 'autonomous' });
    expect(registry.list().map((a) => a.name)).toEqual(['bot', 'child']);
  });

  it('gets by id or exact name', async () => {
    const { registry } = await setup();
    const { agent } = await registry.enrol('alpha');
    expect(registry.get(agent.id)?.name).toBe('alpha');
    expect(registry.get('alpha')?.id).toBe(agent.id);
    expect(registry.get('ALPHA')).toBeUndefined();
    expect(registry.get('constructor')).toBeUndefined();
  });

  it('B10: the enrolled secret is the identity; each secret maps to its own agent only', async () => {
    const { registry } = await setup();
    const a = await registry.enrol('a');
    const b = await registry.enrol('b');
    expect(registry.authenticate(a.secret)?.agent.id).toBe(a.agent.id);
    expect(registry.authenticate(b.secret)?.agent.id).toBe(b.agent.id);
    expect(registry.authenticate(a.secret)?.session).toBeUndefined();
    expect(registry.authenticate(a.agent.id)).toBeUndefined();
    expect(registry.authenticate('a')).toBeUndefined();
    expect(registry.authenticate('')).toBeUndefined();
    expect(registry.authenticate(a.secret.slice(0, -1))).toBeUndefined();
    expect(registry.authenticate(`${a.secret} `)).toBeUndefined();
  });

  it('authenticates a session secret until it ends or expires', async () => {
    const { registry, scheduler } = await setup();
    const { agent } = await registry.enrol('runner');
    const one = await registry.startSession('runner', { ttlSeconds: 60, pid: process.pid, command: 'node agent.js' });
    expect(one.session).toMatchObject({ agentId: agent.id, pid: process.pid, command: 'node agent.js' });
    expect(one.session.expiresAt - one.session.createdAt).toBe(60_000);
    expect(registry.authenticate(one.secret)).toMatchObject({ agent: { id: agent.id }, session: { id: one.session.id } });

    scheduler.advance(60_000);
    expect(registry.authenticate(one.secret)).toBeUndefined();
    expect(registry.sessions({ active: false }).map((s) => s.id)).toEqual([one.session.id]);

    const two = await registry.startSession(agent.id, { ttlSeconds: 3600 });
    expect(registry.sessions({ agentId: agent.id, active: true }).map((s) => s.id)).toEqual([two.session.id]);
    const ended = await registry.endSession(two.session.id, 'exited');
    expect(ended).toMatchObject({ endReason: 'exited' });
    expect(registry.authenticate(two.secret)).toBeUndefined();
    expect(await registry.endSession(two.session.id, 'revoked')).toMatchObject({ endReason: 'exited' });
    expect(await registry.endSession('ses_unknownunknownunknown', 'exited')).toBeUndefined();
  });

  it('refuses a bad ttl and an unknown agent for a session', async () => {
    const { registry } = await setup();
    await registry.enrol('a');
    expect(await codeOf(registry.startSession('a', { ttlSeconds: 0 }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(registry.startSession('a', { ttlSeconds: 1.5 }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(registry.startSession('a', { ttlSeconds: 31 * 86400 }))).toBe(ErrorCode.InvalidInput);
    expect(await codeOf(registry.startSession('nobody', { ttlSeconds: 60 }))).toBe(ErrorCode.AgentNotFound);
    const long = await registry.startSession('a', { ttlSeconds: 60, command: 'x'.repeat(2000) });
    expect(long.session.command).toHaveLength(512);
  });

  it('B16: removing an agent refuses its secrets at once and ends its sessions', async () => {
    const { registry } = await setup();
    const a = await registry.enrol('a');
    const b = await registry.enrol('b');
    const session = await registry.startSession('a', { ttlSeconds: 3600 });
    const removed = await registry.remove('a');
    expect(removed.id).toBe(a.agent.id);
    expect(registry.authenticate(a.secret)).toBeUndefined();
    expect(registry.authenticate(session.secret)).toBeUndefined();
    expect(registry.sessions({ agentId: a.agent.id })).toEqual([expect.objectContaining({ endReason: 'revoked' })]);
    expect(registry.authenticate(b.secret)?.agent.name).toBe('b');
    expect(await codeOf(registry.remove('a'))).toBe(ErrorCode.AgentNotFound);
    // The name is free again, and the old secret does not work for the new agent.
    const again = await registry.enrol('a');
    expect(registry.authenticate(a.secret)).toBeUndefined();
    expect(registry.authenticate(again.secret)?.agent.id).toBe(again.agent.id);
  });

  it('drops ended sessions after the retention period', async () => {
    const { registry, scheduler } = await setup();
    await registry.enrol('a');
    const old = await registry.startSession('a', { ttlSeconds: 60 });
    await registry.endSession(old.session.id, 'exited');
    scheduler.advance(SESSION_RETENTION_MS + 1);
    await registry.startSession('a', { ttlSeconds: 60 });
    expect(registry.sessions().map((s) => s.id)).not.toContain(old.session.id);
    expect(registry.sessions()).toHaveLength(1);
  });

  it('touch batches last-seen times: one vault write per interval, flushed on close', async () => {
    const { vault, registry, scheduler } = await setup();
    const a = await registry.enrol('a');
    const b = await registry.enrol('b');
    const generation = vault.generation;
    for (let i = 0; i < 100; i += 1) {
      scheduler.now += 10;
      registry.touch(a.agent.id);
      registry.touch(b.agent.id);
    }
    expect(vault.generation).toBe(generation);
    expect(registry.get('a')?.lastSeenAt).toBe(clockOfNow(scheduler));
    scheduler.advance(60_000);
    await registry.close();
    expect(vault.generation).toBe(generation + 1);
    const stored = (vault.read()['agents'] as Record<string, { lastSeenAt?: number }>)[a.agent.id];
    expect(stored?.lastSeenAt).toBe(1_700_000_000_000 + 1000);

    registry.touch(a.agent.id);
    await registry.close();
    expect(vault.generation).toBe(generation + 2);
    expect(scheduler.pending).toBe(0);
    await registry.close();
    expect(vault.generation).toBe(generation + 2);
  });

  it('a touch for a removed agent writes nothing for it', async () => {
    const { vault, registry } = await setup();
    const a = await registry.enrol('a');
    registry.touch(a.agent.id);
    await registry.remove('a');
    await registry.close();
    expect(JSON.stringify(vault.read())).not.toContain(a.agent.id);
  });

  it('refuses unreadable agent data with VaultCorrupt', async () => {
    const { vault, registry } = await setup();
    await vault.update((doc) => ({ ...doc, agents: { x: { name: 1 } } }));
    expect(() => registry.list()).toThrow(expect.objectContaining({ code: ErrorCode.VaultCorrupt }));
  });
});

function clockOfNow(scheduler: ManualScheduler): number {
  return 1_700_000_000_000 + scheduler.now;
}
