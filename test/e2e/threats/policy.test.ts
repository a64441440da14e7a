/**
 * T41 as a tamperer would try it against a running daemon, through the real CLI: the owner's
 * reviewed policy file is applied, then someone edits it (a pull request, a compromised checkout)
 * to widen an agent and add one, to slip in a field the format does not have, or to carry a
 * secret. The diff marks every widening; an invalid file is refused whole, naming where, without
 * echoing what it carries; `apply` without the owner's confirmation changes nothing; and none of
 * it leaves an owner change in the audit log.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../shared/agents.js';
import { ErrorCode } from '../../../shared/errors.js';
import { startWorld, type World } from '../../world/index.js';
import { startCliDaemon, type CliDaemon } from '../../support/cli-daemon.js';
import { runCli } from '../../support/run-cli.js';

let world: World;
let setup: CliDaemon;
let dir: string;

interface PolicyFile {
  version: 1;
  agents: Array<Record<string, unknown>>;
}

function reviewed(): PolicyFile {
  return { version: 1, agents: [{ name: 'ci-bot', grants: [{ server: world.mcpUrl, scopes: ['mcp:read'] }] }] };
}

async function fileWith(name: string, policy: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(policy, null, 2));
  return path;
}

/** What the daemon's wallet holds: agents and grants as the owner lists them. */
async function state(): Promise<string> {
  const agents = JSON.parse(await setup.cli(['agent', 'list', '--json'])) as Array<{ name: string }>;
  const grants = JSON.parse(await setup.cli(['grant', 'list', '--json'])) as Array<{ resource: string; scopes: string[] }>;
  return JSON.stringify({ agents: agents.map((a) => a.name).sort(), grants: grants.map((g) => [g.resource, g.scopes]) });
}

async function auditLength(): Promise<number> {
  return (JSON.parse(await setup.cli(['audit', '--json'])) as AuditEvent[]).length;
}

beforeAll(async () => {
  world = await startWorld();
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-t41-attack-' });
  dir = await mkdtemp('/tmp/lk-t41-');
  const applied = await runCli(['policy', 'apply', await fileWith('reviewed.json', reviewed()), '--yes'], setup.env);
  expect(applied.code, applied.stderr).toBe(0);
}, 90_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('T41: a tampered policy file against a running daemon', () => {
  it('T41: the diff marks a widened grant and an added agent; apply without the owner\'s confirmation changes nothing', async () => {
    const before = await state();
    const audited = await auditLength();
    const tampered = reviewed();
    tampered.agents = [
      { name: 'ci-bot', grants: [{ server: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'] }] },
      { name: 'intruder', grants: [{ server: world.mcpUrl, scopes: ['mcp:read'] }] },
    ];
    const path = await fileWith('widened.json', tampered);

    const diff = await runCli(['policy', 'diff', path], setup.env);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain(`~ grant ci-bot → ${world.mcpUrl}  [widens access]`);
    expect(diff.stdout).toContain('+ agent intruder');
    expect(diff.stdout).toContain(`+ grant intruder → ${world.mcpUrl}  [widens access]`);
    expect(diff.stdout).toMatch(/2 widen/u);

    const apply = await runCli(['policy', 'apply', path], setup.env);
    expect(apply.code).toBe(1);
    expect(apply.stderr).toContain('Nothing was applied');
    expect(await state()).toBe(before);
    expect(await auditLength()).toBe(audited);
  }, 120_000);

  it('T41: a field the format does not have, or a secret-looking one, refuses the whole file, naming where and not echoing it', async () => {
    const before = await state();
    const audited = await auditLength();
    const secret = 'lk_agent_0123456789abcdefghijklmnopqrstuv';
    const unknown = reviewed();
    unknown.agents = [{ name: 'ci-bot', note: 'harmless-looking', grants: [{ server: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'] }] }];
    const secretive = reviewed();
    secretive.agents = [{ name: 'ci-bot', grants: [{ server: world.mcpUrl, scopes: ['mcp:read', 'mcp:write'], client_secret: secret }] }];

    for (const [name, policy, where] of [
      ['unknown-field.json', unknown, 'agents[0]'],
      ['secret-field.json', secretive, 'agents[0].grants[0]'],
    ] as const) {
      const path = await fileWith(name, policy);
      for (const args of [['policy', 'diff', path], ['policy', 'apply', path, '--yes']]) {
        const result = await runCli(args, setup.env);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(1);
        expect(result.stderr).toContain(ErrorCode.PolicyInvalid);
        expect(result.stderr).toContain(where);
        expect(result.stdout).not.toContain('[widens access]');
        expect(result.stdout + result.stderr).not.toContain(secret);
      }
    }
    expect(await state()).toBe(before);
    expect(await auditLength()).toBe(audited);
    expect(setup.daemon.stdout + setup.daemon.stderr).not.toContain(secret);
  }, 120_000);
});
