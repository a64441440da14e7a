/**
 * T40 as a confused or hostile sub-agent would try it against a running daemon, through the real
 * CLI: a delegation asking for a server its agent holds no grant for, or for longer than its
 * parent has left, is refused with a code naming what is wider; a chain of delegations deeper
 * than the cap is refused at the first level too many; and when the owner ends the parent session
 * the sub-agent's next token request fails. (test/e2e/delegation.test.ts covers a wider scope and
 * the parent's `latchkey run` exiting.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../shared/agents.js';
import { ErrorCode } from '../../../shared/errors.js';
import { MAX_DELEGATION_DEPTH } from '../../../electron/wallet/agents/delegation.js';
import { startWorld, type World } from '../../world/index.js';
import { startCliDaemon, type CliDaemon } from '../../support/cli-daemon.js';
import { CLI_MAIN, runCli, startCli, stopCli, waitForOutput, type RunningCli } from '../../support/run-cli.js';

let world: World;
let setup: CliDaemon;
const runs: RunningCli[] = [];
/** `latchkey …` as a command line for a child process: node, tsx, the CLI's main. */
const LATCHKEY = [process.execPath, '--import', 'tsx', CLI_MAIN];

beforeAll(async () => {
  world = await startWorld();
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-t40-attack-' });
  await setup.cli(['connect', world.mcpUrl]);
  await setup.cli(['agent', 'add', 'lead']);
  await setup.cli(['grant', 'add', 'lead', world.mcpUrl, '--scope', 'mcp:read']);
}, 90_000);

afterAll(async () => {
  // SIGTERM, which latchkey run passes down the chain: a SIGKILL left the sub-agent's run and its child running.
  await Promise.all(runs.map((run) => stopCli(run)));
  await setup?.close();
  await world?.close();
});

/** `latchkey run --agent lead [runArgs] -- latchkey run --delegate [delegateArgs] -- node -e 0`. */
function delegateOnce(delegateArgs: string[], runArgs: string[] = []): Promise<{ code: number | null; stderr: string }> {
  return runCli(['run', '--agent', 'lead', ...runArgs, '--', ...LATCHKEY, 'run', '--delegate', ...delegateArgs, '--', process.execPath, '-e', 'process.exit(0)'], setup.env);
}

describe('T40: a sub-agent asks for more than its agent holds', () => {
  it('T40: another server is refused, naming the server', async () => {
    const other = 'http://127.0.0.1:9/elsewhere/mcp';
    const run = await delegateOnce(['--resource', other]);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(ErrorCode.DelegationWider);
    expect(run.stderr).toContain(other);
  }, 120_000);

  it('T40: a lifetime longer than the parent has left is refused, naming the lifetime', async () => {
    const run = await delegateOnce(['--ttl', '1h'], ['--ttl', '10m']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain(ErrorCode.DelegationWider);
    expect(run.stderr).toContain('a lifetime of 3600 s');
  }, 120_000);

  it(`T40: ${MAX_DELEGATION_DEPTH} nested delegations work and one more is refused with the depth limit`, async () => {
    const deepest = [process.execPath, '-e', "process.stdout.write('DEEPEST RAN\\n')"];
    const nested = (levels: number): string[] =>
      Array.from({ length: levels }).reduce<string[]>((inner) => [...LATCHKEY, 'run', '--delegate', '--', ...inner], deepest);
    const allowed = await runCli(['run', '--agent', 'lead', '--', ...nested(MAX_DELEGATION_DEPTH)], setup.env);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toContain('DEEPEST RAN');

    const tooDeep = await runCli(['run', '--agent', 'lead', '--', ...nested(MAX_DELEGATION_DEPTH + 1)], setup.env);
    expect(tooDeep.code).not.toBe(0);
    expect(tooDeep.stdout).not.toContain('DEEPEST RAN');
    expect(tooDeep.stderr).toContain(ErrorCode.DelegationLimit);
  }, 240_000);
});

describe('T40: the owner ends the parent session', () => {
  it('T40: the sub-agent\'s next token request fails, and its session is ended as parent-ended', async () => {
    const childEnv = join(setup.home, 'owner-ends-child-env.json');
    // The sub-agent records its environment and stays, as does its parent.
    const child = [
      `require('node:fs').writeFileSync(${JSON.stringify(childEnv)}, JSON.stringify(process.env));`,
      "process.stdout.write('CHILD READY\\n');",
      'setInterval(() => undefined, 60_000);',
    ].join('\n');
    const run = startCli(['run', '--agent', 'lead', '--', ...LATCHKEY, 'run', '--delegate', '--', process.execPath, '-e', child], setup.env);
    runs.push(run);
    await waitForOutput(run, 'CHILD READY', 60_000);
    const childSecret = (JSON.parse(await readFile(childEnv, 'utf8')) as Record<string, string>)['LATCHKEY_SESSION'];
    expect(childSecret).toMatch(/^lk_session_/);
    const before = await runCli(['token', world.mcpUrl], { ...setup.env, LATCHKEY_SESSION: childSecret });
    expect(before.code, before.stderr).toBe(0);

    const sessions = JSON.parse(await setup.cli(['sessions', '--json'])) as SessionSummary[];
    const delegated = sessions.find((s) => s.parentSessionId !== undefined && s.endedAt === undefined);
    expect(delegated).toBeDefined();
    await setup.cli(['session', 'end', delegated!.parentSessionId!]);

    const after = await runCli(['token', world.mcpUrl], { ...setup.env, LATCHKEY_SESSION: childSecret });
    expect(after.code).not.toBe(0);
    expect(after.stdout).toBe('');
    const all = JSON.parse(await setup.cli(['sessions', '--all', '--json'])) as SessionSummary[];
    expect(all.find((s) => s.id === delegated!.id)).toMatchObject({ endReason: 'parent-ended' });
  }, 180_000);
});
