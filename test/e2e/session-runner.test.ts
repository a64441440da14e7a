/**
 * T36 through real processes: a session lives only as long as the `latchkey run` that started it.
 * The real daemon, a real `latchkey run` whose child stays behind (it would keep the session
 * secret), SIGKILL on the runner: the secret is refused within seconds, the audit says why; also
 * when the runner dies while the daemon is down, while a runner that survives the restart keeps
 * its session.
 */
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, SessionSummary } from '../../shared/agents.js';
import { createBridgeClient } from '../../electron/agent/bridge-client/client.js';
import { keychainMode } from '../support/keychain-env.js';
import { runCli, startCli, waitForOutput, type RunningCli } from '../support/run-cli.js';

let scratch: string;
let runtimeDir: string;
let env: Record<string, string>;
let daemon: RunningCli | undefined;
const orphans: number[] = [];
const runners: RunningCli[] = [];

async function startDaemon(): Promise<void> {
  daemon = startCli(['daemon'], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
}

async function stopDaemon(): Promise<void> {
  if (daemon === undefined || daemon.child.exitCode !== null) return;
  daemon.child.kill('SIGTERM');
  expect((await daemon.done).code).toBe(0);
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'latchkey-t36-'));
  runtimeDir = await mkdtemp('/tmp/lkt36-'); // short: Unix socket paths are limited to 108 bytes
  env = { LATCHKEY_HOME: join(scratch, 'home'), LATCHKEY_RUNTIME_DIR: runtimeDir, ...keychainMode() };
  await startDaemon();
  const added = await runCli(['agent', 'add', 'runner-agent'], env);
  expect(added.code, added.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  for (const pid of orphans) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  for (const runner of runners) if (runner.child.exitCode === null && runner.child.signalCode === null) runner.child.kill('SIGKILL');
  await stopDaemon();
  for (const dir of [scratch, runtimeDir]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

interface StartedRun {
  run: RunningCli;
  /** The agent's process (the runner's child): it outlives a SIGKILLed runner. */
  childPid: number;
  secret: string;
  socketPath: string;
}

/** `latchkey run` with a child that writes its pid and environment, says READY, and then waits forever. */
async function startRun(name: string): Promise<StartedRun> {
  const out = join(scratch, `${name}.json`);
  const script = [
    `require('node:fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({ pid: process.pid, env: process.env }));`,
    "process.stdout.write('READY\\n');",
    'setInterval(() => undefined, 60_000);',
    "process.on('SIGTERM', () => process.exit(0));",
  ].join('\n');
  const run = startCli(['run', '--agent', 'runner-agent', '--', process.execPath, '-e', script], env);
  runners.push(run);
  await waitForOutput(run, 'READY');
  const written = JSON.parse(await readFile(out, 'utf8')) as { pid: number; env: Record<string, string> };
  orphans.push(written.pid);
  return { run, childPid: written.pid, secret: written.env['LATCHKEY_SESSION']!, socketPath: written.env['LATCHKEY_BRIDGE_SOCKET']! };
}

/** Whether the bridge serves this secret now. */
async function served(started: StartedRun): Promise<boolean> {
  const client = createBridgeClient({ socketPath: started.socketPath, secret: started.secret, timeoutMs: 5_000 });
  try {
    await client.whoami();
    return true;
  } catch (error) {
    expect(error).toMatchObject({ code: 'bridge.unauthenticated' });
    return false;
  } finally {
    client.close();
  }
}

async function sessions(): Promise<SessionSummary[]> {
  const listed = await runCli(['sessions', '--all', '--json'], env);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout) as SessionSummary[];
}

async function sessionOf(started: StartedRun): Promise<SessionSummary | undefined> {
  const whoami = (await sessions()).filter((s) => s.pid === started.run.child.pid);
  return whoami[0];
}

async function endedAudits(): Promise<AuditEvent[]> {
  const audit = await runCli(['audit', '--json'], env);
  expect(audit.code, audit.stderr).toBe(0);
  return (JSON.parse(audit.stdout) as AuditEvent[]).filter((e) => e.type === 'session.ended' && e.reason === 'runner-exited');
}

async function exited(run: RunningCli): Promise<void> {
  if (run.child.exitCode === null && run.child.signalCode === null) await once(run.child, 'exit');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('a session ends with its latchkey run (T36)', () => {
  it('T36: SIGKILL on latchkey run → its session secret is refused within seconds, though its child still runs; the audit says runner-exited', async () => {
    const started = await startRun('killed');
    expect(await served(started)).toBe(true);
    const session = await sessionOf(started);
    expect(session, 'the session is bound to the latchkey run process and shows its pid').toMatchObject({ pid: started.run.child.pid });

    const killedAt = Date.now();
    started.run.child.kill('SIGKILL');
    await expect.poll(() => served(started), { timeout: 5_000, interval: 100 }).toBe(false);
    const refusedAfterMs = Date.now() - killedAt;
    expect(isAlive(started.childPid), 'the agent process outlives its runner').toBe(true);
    await expect.poll(async () => (await endedAudits()).some((e) => e.sessionId === session!.id), { timeout: 5_000, interval: 200 }).toBe(true);
    expect((await sessions()).find((s) => s.id === session!.id)).toMatchObject({ endReason: 'runner-exited' });
    console.info(`T36: the secret of a SIGKILLed runner's session was refused after ${refusedAfterMs} ms`);
  }, 60_000);

  it('T36: a runner that dies while the daemon is down loses its session at the restart; one that lives on keeps it', async () => {
    const doomed = await startRun('doomed');
    const survivor = await startRun('survivor');
    await stopDaemon();
    doomed.run.child.kill('SIGKILL');
    await exited(doomed.run); // not `done`: the orphaned child keeps the runner's stdout open
    await startDaemon();

    expect(await served(doomed)).toBe(false); // refused from the first request after the restart
    expect(await served(survivor)).toBe(true);
    const doomedSession = await sessionOf(doomed);
    await expect.poll(async () => (await endedAudits()).some((e) => e.sessionId === doomedSession?.id), { timeout: 5_000, interval: 200 }).toBe(true);
    expect((await sessionOf(survivor))?.endedAt).toBeUndefined();

    // The survivor ends normally: its runner passes SIGTERM on and ends the session (or the daemon sees it gone).
    survivor.run.child.kill('SIGTERM');
    await exited(survivor.run);
    await expect.poll(() => served(survivor), { timeout: 5_000, interval: 100 }).toBe(false);
  }, 90_000);
});
