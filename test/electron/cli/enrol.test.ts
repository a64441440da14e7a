/**
 * `latchkey enrol` from the real CLI against a real daemon: it says once, on stderr, what it waits
 * for (the owner's approval to enrol it), where the owner decides and the daemon's approval timeout;
 * the owner approves with the CLI and the secret arrives on stdout only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Approval } from '../../../shared/agents.js';
import { runCli, startCli, waitForOutput, type RunningCli } from '../../support/run-cli.js';

let base: string;
let env: Record<string, string | undefined>;
let daemon: RunningCli;

beforeAll(async () => {
  // Short: the bridge socket's path must fit in sun_path.
  base = await mkdtemp('/tmp/lken-');
  env = {
    LATCHKEY_HOME: join(base, 'home'),
    LATCHKEY_RUNTIME_DIR: join(base, 'run'),
    LATCHKEY_VAULT: 'memory',
    LATCHKEY_BRIDGE_SOCKET: undefined,
    LATCHKEY_BRIDGE_URL: undefined,
    BROWSER: '',
  };
  daemon = startCli(['daemon', '--no-ui', '--approval-timeout', '75'], env);
  await waitForOutput(daemon, 'Press Ctrl-C to stop.');
}, 60_000);

afterAll(async () => {
  if (daemon !== undefined && daemon.child.exitCode === null) {
    daemon.child.kill('SIGTERM');
    await daemon.done;
  }
  if (base !== undefined) await rm(base, { recursive: true, force: true });
});

async function pendingEnrolment(name: string): Promise<Approval> {
  let found: Approval | undefined;
  await expect
    .poll(
      async () => {
        const listed = await runCli(['approvals', '--json'], env);
        found = (JSON.parse(listed.stdout) as Approval[]).find((a) => a.agentName === name && a.status === 'pending');
        return found !== undefined;
      },
      { timeout: 30_000, interval: 200 },
    )
    .toBe(true);
  return found!;
}

describe('latchkey enrol says what it waits for', () => {
  it('prints once on stderr that it waits for the owner to approve enrolling it, where to decide and the daemon timeout (1:15)', async () => {
    const enrolling = startCli(['enrol', 'nightly'], env);
    await waitForOutput(enrolling, 'waiting for the owner to approve enrolling');
    const approval = await pendingEnrolment('nightly');
    expect(approval.kind).toBe('enrolment');
    const line = enrolling.stderr.split('\n').find((l) => l.includes('waiting for the owner'))!;
    expect(line).toBe('latchkey enrol: waiting for the owner to approve enrolling "nightly": decide in the Latchkey window or with `latchkey approvals` and `latchkey approve <id>` — up to 1:15');
    const decided = await runCli(['approve', approval.id], env);
    expect(decided.code, decided.stderr).toBe(0);
    const done = await enrolling.done;
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout.trim()).toMatch(/^lk_agent_/u);
    expect(done.stderr.split('waiting for the owner').length - 1).toBe(1);
    expect(done.stderr).not.toContain(done.stdout.trim());
  }, 60_000);
});
