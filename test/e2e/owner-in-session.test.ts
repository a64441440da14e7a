/**
 * Owner commands inside an agent session, through the real CLI process: every verb that is not
 * agent mode (the long-lived ones too: `latchkey daemon`, `start`, `ui`) says "owner commands
 * cannot run inside an agent session" with agent.owner_command_refused, whatever the vault mode,
 * before it asks for a passphrase, offers the first-run vault choice or starts anything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { COMMANDS } from '../../electron/cli/commands/index.js';
import { startCli, type CliResult } from '../support/run-cli.js';

const URL = 'https://mcp.example.com/mcp';

/** Arguments each owner verb parses without a usage error (the refusal comes after the arguments are checked). */
const OWNER_INVOCATIONS: Record<string, string[]> = {
  connect: ['connect', URL],
  connections: ['connections'],
  disconnect: ['disconnect', URL],
  'client add': ['client', 'add', 'https://as.example.com', '--client-id', 'c1'],
  'client list': ['client', 'list'],
  'client remove': ['client', 'remove', 'https://as.example.com'],
  'agent add': ['agent', 'add', 'bot'],
  'agent list': ['agent', 'list'],
  'agent remove': ['agent', 'remove', 'bot'],
  'agent credentials': ['agent', 'credentials', 'bot', '--server', URL, '--client-id', 'c1', '--key'],
  'agent jwks': ['agent', 'jwks', 'bot'],
  'agent show': ['agent', 'show', 'bot'],
  'enterprise set': ['enterprise', 'set', '--idp', 'https://idp.example.com', '--client-id', 'c1'],
  'enterprise sign-in': ['enterprise', 'sign-in'],
  'enterprise status': ['enterprise', 'status'],
  'enterprise forget': ['enterprise', 'forget'],
  sessions: ['sessions'],
  'session end': ['session', 'end', 'ses_x'],
  'grant list': ['grant', 'list'],
  'grant add': ['grant', 'add', 'bot', URL, '--scope', 'mcp:read'],
  'grant edit': ['grant', 'edit', 'grt_x', '--ask'],
  'grant revoke': ['grant', 'revoke', 'grt_x'],
  approvals: ['approvals'],
  approve: ['approve', 'apr_x'],
  deny: ['deny', 'apr_x'],
  sites: ['sites'],
  'policy export': ['policy', 'export'],
  'policy diff': ['policy', 'diff', 'policy.json'],
  'policy apply': ['policy', 'apply', 'policy.json', '--yes'],
  audit: ['audit'],
  daemon: ['daemon', '--no-ui'],
  start: ['start', '--headless'],
  ui: ['ui'],
  run: ['run', '--agent', 'bot', '--', 'true'],
};

/** What a session's environment holds, per secret kind (values are not real secrets). */
const SESSIONS: Record<string, Record<string, string>> = {
  'latchkey run session': { LATCHKEY_SESSION: 'lk_session_not_a_real_secret' },
  'agent secret': { LATCHKEY_AGENT_SECRET: 'lk_agent_not_a_real_secret' },
};

let home: string;
let base: Record<string, string>;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lk-owner-session-'));
  // No daemon, no saved vault choice, no passphrase: anything that got past the refusal would prompt, fail or start a host.
  base = { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: join(home, 'run'), LATCHKEY_SESSION: '', LATCHKEY_AGENT_SECRET: '', LATCHKEY_PASSPHRASE: '' };
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

/** Runs the CLI; a command that is still running after 20 s (a host that started) is stopped and fails the test. */
async function runRefused(args: string[], env: Record<string, string>): Promise<CliResult> {
  const running = startCli(args, env);
  const timer = setTimeout(() => running.child.kill('SIGTERM'), 20_000);
  try {
    return await running.done;
  } finally {
    clearTimeout(timer);
  }
}

function expectRefused(result: CliResult, what: string): void {
  expect(result.code, `${what}\n${result.stderr}`).toBe(1);
  expect(result.signal, what).toBeNull();
  expect(result.stdout, what).toBe('');
  expect(result.stderr, what).toContain(`error[${ErrorCode.OwnerCommandInSession}]: Owner commands cannot run inside an agent session.`);
  expect(result.stderr, what).not.toContain(ErrorCode.VaultBadPassphrase);
  expect(result.stderr, what).not.toMatch(/passphrase:|Choose 1, 2 or 3|daemon running|Electron cannot start/u);
}

/** Runs `jobs` at most `limit` at a time (the machine is shared; each is a whole Node process). */
async function inBatches<T>(jobs: Array<() => Promise<T>>, limit: number): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < jobs.length; i += limit) results.push(...(await Promise.all(jobs.slice(i, i + limit).map((job) => job()))));
  return results;
}

describe('owner commands inside an agent session', () => {
  it('the table covers every owner verb (every command that is neither agent mode nor allowed in a session)', () => {
    // `run` is an agent verb only with --delegate (a sub-agent, T40); `run --agent` stays the owner's.
    const ownerUnlessDelegating = (command: (typeof COMMANDS)[number]): boolean => command.path.join(' ') === 'run';
    const ownerVerbs = COMMANDS.filter((command) => (command.prepareAgent === undefined || ownerUnlessDelegating(command)) && command.allowedInAgentSession !== true).map(
      (command) => command.path.join(' '),
    );
    expect(ownerVerbs.sort()).toEqual(Object.keys(OWNER_INVOCATIONS).sort());
  });

  it.each(['keychain', 'passphrase', 'memory'])('latchkey daemon, start and ui are refused with a %s vault, before any prompt or host starts', async (vault) => {
    const jobs = ['daemon', 'start', 'ui'].flatMap((verb) =>
      Object.entries(SESSIONS).map(([kind, secret]) => async () => {
        const result = await runRefused(OWNER_INVOCATIONS[verb]!, { ...base, LATCHKEY_VAULT: vault, ...secret });
        expectRefused(result, `latchkey ${verb} (${vault} vault, ${kind})`);
        return result;
      }),
    );
    const [daemon] = await inBatches(jobs, 3);
    expect(daemon!.stderr.trim().split('\n')).toEqual([
      `error[${ErrorCode.OwnerCommandInSession}]: Owner commands cannot run inside an agent session.`,
      'hint: Run this from your own terminal, not from a process started by `latchkey run` (or with LATCHKEY_AGENT_SECRET set).',
    ]);
  }, 120_000);

  it('every other owner verb is refused the same way with a passphrase vault', async () => {
    const verbs = Object.keys(OWNER_INVOCATIONS).filter((verb) => !['daemon', 'start', 'ui'].includes(verb));
    const jobs = verbs.map((verb) => async () => {
      const result = await runRefused(OWNER_INVOCATIONS[verb]!, { ...base, LATCHKEY_VAULT: 'passphrase', ...SESSIONS['latchkey run session']! });
      expectRefused(result, `latchkey ${verb}`);
    });
    await inBatches(jobs, 4);
  }, 180_000);

  it('latchkey doctor still runs in a session (a check that never opens the vault)', async () => {
    const result = await runRefused(['doctor'], { ...base, LATCHKEY_VAULT: 'memory', ...SESSIONS['latchkey run session']! });
    expect(result.stderr).not.toContain(ErrorCode.OwnerCommandInSession);
    expect(result.stdout).toMatch(/^ok {4}node/mu);
  }, 60_000);
});
