/**
 * T36: a session is bound to its `latchkey run` process (pid and start time) and ends with it.
 * The process table is real here (/proc on Linux) except where a pid reuse or another user's
 * process has to be staged (a fake ProcessProbe).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createProcessProbe, parseProcStat, type ProcessIdentity, type ProcessProbe } from '../../../../electron/wallet/agents/runner-process.js';
import { watchSessionRunners } from '../../../../electron/wallet/agents/runner-watch.js';
import { silentLogger } from '../../../../electron/base/log/logger.js';
import type { SessionSummary } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { ManualScheduler } from './manual-scheduler.js';
import { openRegistry } from './registry-ground.js';

/** A process table the test edits: pid → identity. */
class StagedProcesses implements ProcessProbe {
  readonly table = new Map<number, ProcessIdentity>();
  identify(pid: number): ProcessIdentity | undefined {
    return this.table.get(pid);
  }
}

async function registryWith(processes?: ProcessProbe) {
  const { registry } = await openRegistry(processes);
  await registry.enrol('runner');
  return registry;
}

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', ''], { stdio: 'ignore' }).pid;
}

const linux = process.platform === 'linux';

describe('the process table (T36)', () => {
  it('reads state and start time from /proc/<pid>/stat, whatever the command name holds', () => {
    const fields = ['S', ...Array.from({ length: 18 }, (_, i) => String(i + 4)), '987654', '23', '24'];
    expect(parseProcStat(`1234 (a) b (c) d) ${fields.join(' ')}\n`)).toEqual({ state: 'S', startTicks: '987654' });
    expect(parseProcStat('1234 (x) Z')).toBeUndefined();
  });

  it.skipIf(!linux)('names a live process by pid, boot and start time, with its uid; a dead pid is nobody (Linux /proc)', () => {
    const probe = createProcessProbe('linux');
    const me = probe.identify(process.pid);
    expect(me?.startId).toMatch(/^[0-9a-f-]{36}:\d+$/);
    expect(me?.uid).toBe(process.getuid?.());
    expect(probe.identify(process.pid)?.startId).toBe(me?.startId);
    expect(probe.identify(deadPid())).toBeUndefined();
    expect(probe.identify(0)).toBeUndefined();
    expect(probe.identify(-1)).toBeUndefined();
  });
});

describe('sessions bound to their runner (T36)', () => {
  it('T36: a session bound to a real process stops authenticating when that process is killed', async () => {
    const registry = await registryWith();
    const runner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });
    await once(runner, 'spawn');
    const { session, secret } = await registry.startSession('runner', { ttlSeconds: 3600, pid: runner.pid! });
    expect(session.pid).toBe(runner.pid);
    expect(registry.authenticate(secret)?.session?.id).toBe(session.id);
    runner.kill('SIGKILL');
    await once(runner, 'exit');
    expect(registry.authenticate(secret)).toBeUndefined();
    const ended = await registry.endSessionsOfExitedRunners();
    expect(ended).toEqual([expect.objectContaining({ id: session.id, endReason: 'runner-exited' })]);
    expect(await registry.endSessionsOfExitedRunners()).toEqual([]);
  });

  it('T36: a session is refused for a pid that is not running, or runs as another user', async () => {
    const staged = new StagedProcesses();
    staged.table.set(4242, { pid: 4242, startId: 'b:1', uid: (process.getuid?.() ?? 0) + 1 });
    const registry = await registryWith(staged);
    await expect(registry.startSession('runner', { ttlSeconds: 60, pid: 999_999 })).rejects.toMatchObject({ code: ErrorCode.SessionRunnerUnverified });
    if (process.getuid !== undefined) {
      await expect(registry.startSession('runner', { ttlSeconds: 60, pid: 4242 })).rejects.toMatchObject({ code: ErrorCode.SessionRunnerUnverified });
    }
    expect(registry.sessions()).toEqual([]);
  });

  it('T36: a pid reused by another process does not keep the session (the start time differs)', async () => {
    const staged = new StagedProcesses();
    const uid = process.getuid?.();
    staged.table.set(5000, { pid: 5000, startId: 'boot:100', ...(uid === undefined ? {} : { uid }) });
    const registry = await registryWith(staged);
    const bound = await registry.startSession('runner', { ttlSeconds: 3600, pid: 5000 });
    const unbound = await registry.startSession('runner', { ttlSeconds: 3600 });
    staged.table.set(5000, { pid: 5000, startId: 'boot:900', ...(uid === undefined ? {} : { uid }) }); // died; a new process got its pid
    expect(registry.authenticate(bound.secret)).toBeUndefined();
    expect(registry.authenticate(unbound.secret)?.session?.id).toBe(unbound.session.id);
    expect((await registry.endSessionsOfExitedRunners()).map((s) => s.id)).toEqual([bound.session.id]);
  });

  it('T36: the watch ends dead runners’ sessions at start and then every interval, and reports each once', async () => {
    const staged = new StagedProcesses();
    staged.table.set(7000, { pid: 7000, startId: 'boot:1' });
    staged.table.set(7001, { pid: 7001, startId: 'boot:2' });
    const registry = await registryWith(staged);
    const first = await registry.startSession('runner', { ttlSeconds: 3600, pid: 7000 });
    const second = await registry.startSession('runner', { ttlSeconds: 3600, pid: 7001 });
    staged.table.delete(7000); // died before the watch started (a daemon restart)
    const scheduler = new ManualScheduler();
    const reported: SessionSummary[] = [];
    const watch = watchSessionRunners({
      endSessionsOfExitedRunners: () => registry.endSessionsOfExitedRunners(),
      onEnded: (session) => {
        reported.push(session);
        return Promise.resolve();
      },
      logger: silentLogger,
      intervalMs: 1_000,
      scheduler,
    });
    await watch.check();
    expect(reported.map((s) => s.id)).toEqual([first.session.id]);
    staged.table.delete(7001);
    scheduler.advance(1_000);
    await watch.check();
    expect(reported.map((s) => s.id)).toEqual([first.session.id, second.session.id]);
    await watch.stop();
    expect(scheduler.pending).toBe(0);
  });
});
