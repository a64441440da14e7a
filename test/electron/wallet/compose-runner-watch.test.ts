/**
 * The composition root's runner watch (T36) when a host defers it (a daemon starts it once its
 * bridge listens): until then no sweep runs, yet a dead runner's secret is refused at once;
 * started, the watch ends the session and audits why.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/agents.js';
import type { ProcessIdentity, ProcessProbe } from '../../../electron/wallet/agents/runner-process.js';
import { composeWallet, type ComposedWallet } from '../../../electron/wallet/wallet.js';

/** A process table the test edits: pid → identity. */
class StagedProcesses implements ProcessProbe {
  readonly table = new Map<number, ProcessIdentity>();
  identify(pid: number): ProcessIdentity | undefined {
    return this.table.get(pid);
  }
}

const RUNNER_PID = 4242;
let composed: ComposedWallet | undefined;

afterEach(async () => {
  await composed?.wallet.close();
  composed = undefined;
});

describe('the runner watch, deferred by the host (T36)', () => {
  it('T36: no sweep before startRunnerWatch, a dead runner refused all the same; started, its session ends as runner-exited, audited', async () => {
    const processes = new StagedProcesses();
    processes.table.set(RUNNER_PID, { pid: RUNNER_PID, startId: 'boot:1', uid: process.getuid?.() ?? 0 });
    composed = await composeWallet(
      { home: '/nonexistent', allowInsecureLoopback: false, vault: { mode: 'memory' } },
      { env: {}, processes },
      { deferRunnerWatch: true, runnerCheckIntervalMs: 50 },
    );
    const { wallet, broker, audit } = composed;
    await wallet.enrolAgent({ name: 'runner' });
    const { session, secret } = await wallet.startSession({ agent: 'runner', ttlSeconds: 600, pid: RUNNER_PID });
    expect(broker.authenticate(secret)?.session?.id).toBe(session.id);

    processes.table.delete(RUNNER_PID);
    expect(broker.authenticate(secret)).toBeUndefined();
    expect((await wallet.listSessions({ active: true })).map((s) => s.id)).toEqual([session.id]);

    const ended = new Promise<AuditEvent>((resolve) => {
      const stop = audit.on('appended', (event) => {
        if (event.type !== 'session.ended') return;
        stop();
        resolve(event);
      });
    });
    composed.startRunnerWatch();
    expect(await ended).toMatchObject({ sessionId: session.id, reason: 'runner-exited', actor: 'policy' });
    expect(await wallet.listSessions({ active: true })).toEqual([]);
  });
});
