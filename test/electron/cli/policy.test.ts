/**
 * latchkey policy export / diff / apply (T41): the diff a reviewer reads, the confirmation, and
 * the round trip through the real CLI: export → edit → diff → apply --yes → export is the edited file.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import type { PolicyChange } from '../../../shared/policy.js';
import { describeChange, runPolicyApply } from '../../../electron/cli/commands/policy.js';
import { composeWallet } from '../../../electron/wallet/wallet.js';
import { runCli } from '../../support/run-cli.js';
import { FakeTty, ttyIo } from './fake-tty.js';
import { SERVER, usePolicyGround } from './policy-ground.js';
import { createHarness } from './harness.js';

const OTHER = 'https://tools.example.net/mcp';

describe('the diff a reviewer reads', () => {
  const grant = { server: SERVER, scopes: ['read'], mode: 'allow' as const };
  it.each<[PolicyChange, string]>([
    [{ kind: 'agent.add', agent: 'bot', agentKind: 'interactive', widens: false }, '+ agent bot (interactive)'],
    [{ kind: 'grant.add', agent: 'bot', grant, widens: true }, `+ grant bot → ${SERVER}  [widens access]`],
    [{ kind: 'grant.change', agent: 'bot', from: grant, to: { ...grant, scopes: ['read', 'write'], ttl: '5m' }, widens: true }, `~ grant bot → ${SERVER}  [widens access]`],
    [{ kind: 'grant.remove', agent: 'bot', grant: { ...grant, account: 'work' }, widens: false }, `- REMOVE grant bot → ${SERVER} (account work)`],
    [{ kind: 'agent.remove', agent: 'bot', grants: 2, widens: false }, '- REMOVE agent bot and its 2 grants'],
    [{ kind: 'site.add', server: SERVER, site: 'pay.example', widens: true }, `+ allowed site pay.example for ${SERVER}  [widens access]`],
    [{ kind: 'site.remove', server: SERVER, site: 'pay.example', widens: false }, `- REMOVE allowed site pay.example for ${SERVER}`],
  ])('T41: %j reads "%s"', (change, first) => {
    expect(describeChange(change)[0]).toBe(first);
  });

  it('a grant change lists each field that changed, scopes with what came and went', () => {
    const lines = describeChange({ kind: 'grant.change', agent: 'bot', from: grant, to: { ...grant, scopes: ['write'], mode: 'ask' }, widens: true });
    expect(lines.slice(1)).toEqual(['      scopes:  read → write  (+ write, - read)', '      mode:    allow → ask']);
  });
});

describe('the diff of delegation limits (T40)', () => {
  it('a raise is marked as widening; back to the defaults says so', () => {
    expect(describeChange({ kind: 'agent.delegation', agent: 'bot', from: { maxDepth: 1, maxChildren: 2 }, to: { maxDepth: 2, maxChildren: 2, maxTtl: '30m' }, widens: true })).toEqual([
      expect.stringMatching(/^~ delegation bot.*widens/i),
      '      depth 1, children 2, as long as the parent → depth 2, children 2, at most 30m',
    ]);
    expect(describeChange({ kind: 'agent.delegation', agent: 'bot', from: { maxDepth: 1, maxChildren: 2 }, widens: true })[1]).toBe('      depth 1, children 2, as long as the parent → defaults');
  });
});

describe('latchkey policy apply: the owner confirms', () => {
  const ground = usePolicyGround('lk-policy-');

  it('T41: without a terminal and without --yes nothing is applied, and it says how to go on', async () => {
    const h = createHarness({ wallet: ground.memory.wallet });
    expect(await h.run(['policy', 'apply', ground.file])).toBe(1);
    expect(h.stdout.text).toContain(`+ grant ci-bot → ${SERVER}  [widens access]`);
    expect(h.stderr.text).toContain('Nothing was applied');
    expect(h.stderr.text).toContain('--yes');
    expect(await ground.memory.wallet.listGrants()).toEqual([]);
  });

  it('T41: answering n at the prompt applies nothing; y applies the changes shown', async () => {
    const no = ttyIo(new FakeTty('n'));
    expect(await runPolicyApply(ground.memory.wallet, { file: ground.file, json: false, yes: false }, no.io)).toBe(1);
    expect(no.stderr.text).toContain('Apply this change? [y/N] n');
    expect(await ground.memory.wallet.listGrants()).toEqual([]);
    const yes = ttyIo(new FakeTty('y'));
    expect(await runPolicyApply(ground.memory.wallet, { file: ground.file, json: false, yes: false }, yes.io)).toBe(0);
    expect((await ground.memory.wallet.listGrants()).map((grant) => grant.scopes)).toEqual([['read']]);
  });

  it('diff --json prints the plan and exits 1 when there are changes, 0 when none', async () => {
    const h = createHarness({ wallet: ground.memory.wallet });
    expect(await h.run(['policy', 'diff', ground.file, '--json'])).toBe(1);
    const plan = JSON.parse(h.stdout.text) as { changes: Array<{ kind: string; widens: boolean }>; digest: string };
    expect(plan.changes).toEqual([expect.objectContaining({ kind: 'grant.add', widens: true })]);
    expect(plan.digest).toMatch(/^[0-9a-f]{64}$/u);
    await writeFile(ground.file, JSON.stringify({ version: 1, agents: [{ name: 'ci-bot' }] }));
    expect(await createHarness({ wallet: ground.memory.wallet }).run(['policy', 'diff', ground.file])).toBe(0);
  });

  it('a file that is not valid is refused with its path before anything is planned', async () => {
    await writeFile(ground.file, JSON.stringify({ version: 1, agents: [{ name: 'ci-bot', grants: [{ server: SERVER, scopes: ['read'], token: 'x' }] }] }));
    const h = createHarness({ wallet: ground.memory.wallet });
    expect(await h.run(['policy', 'diff', ground.file])).toBe(1);
    expect(h.stderr.text).toContain(ErrorCode.PolicyInvalid);
    expect(h.stderr.text).toContain('agents[0].grants[0]');
  });
});

describe('latchkey policy through the real CLI', () => {
  const PASSPHRASE = 'policy cli passphrase, not a secret';
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp('/tmp/lk-policy-cli-');
    env = { LATCHKEY_HOME: join(dir, 'home'), LATCHKEY_RUNTIME_DIR: join(dir, 'run'), LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: PASSPHRASE };
    // Seeded through the wallet's owner methods (the CLI's `grant add` wants a connection first).
    const composed = await composeWallet({ home: env.LATCHKEY_HOME!, allowInsecureLoopback: false, vault: { mode: 'passphrase', passphrase: PASSPHRASE } }, {});
    await composed.wallet.enrolAgent({ name: 'ci-bot' });
    await composed.wallet.enrolAgent({ name: 'reviewer' });
    await composed.wallet.createGrant({ agent: 'ci-bot', resource: SERVER, scopes: ['notes:read', 'notes:write'], maxTokenLifetimeSeconds: 900 });
    await composed.wallet.createGrant({ agent: 'reviewer', resource: OTHER, scopes: ['read'], mode: 'ask' });
    await composed.wallet.close();
  }, 240_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('T41: export → edit → diff → apply --yes → export is the edited file', async () => {
    const path = join(dir, 'agents.json');
    const exported = await runCli(['policy', 'export', '--output', path], env);
    expect(exported.code, exported.stderr).toBe(0);
    const text = await readFile(path, 'utf8');
    expect(text).not.toMatch(/secret|lk_|"id"/iu);

    // The review: ci-bot loses notes:write, reviewer is dropped, nightly is new.
    const edited = text
      .replace('"notes:read",\n            "notes:write"\n', '"notes:read"\n')
      .replace(/ {4}\{\n {6}"name": "reviewer",[\s\S]*?\n {4}\}\n/u, `    {\n      "name": "nightly",\n      "kind": "interactive",\n      "grants": [\n        {\n          "server": "${OTHER}",\n          "scopes": [\n            "read"\n          ],\n          "mode": "allow"\n        }\n      ]\n    }\n`);
    expect(edited).not.toContain('notes:write');
    expect(edited).not.toContain('reviewer');
    await writeFile(path, edited);

    const diff = await runCli(['policy', 'diff', path], env);
    expect(diff.code, diff.stderr).toBe(1);
    expect(diff.stdout).toContain(`~ grant ci-bot → ${SERVER}\n      scopes:  notes:read notes:write → notes:read  (- notes:write)`);
    expect(diff.stdout).toContain('+ agent nightly (interactive)');
    expect(diff.stdout).toContain(`+ grant nightly → ${OTHER}  [widens access]`);
    expect(diff.stdout).toContain('- REMOVE agent reviewer and its 1 grant');
    expect(diff.stdout).toContain("4 changes: 1 widens an agent's access, 1 removes something.");

    const applied = await runCli(['policy', 'apply', path, '--yes'], env);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stderr).toContain('Applied 4 changes');
    expect(applied.stderr).toContain('latchkey run --agent nightly');

    const again = await runCli(['policy', 'export'], env);
    expect(again.stdout).toBe(edited);
    expect((await runCli(['policy', 'diff', path], env)).code).toBe(0);
    const composed = await composeWallet({ home: env.LATCHKEY_HOME!, allowInsecureLoopback: false, vault: { mode: 'passphrase', passphrase: PASSPHRASE } }, {});
    const owner = (await composed.wallet.queryAudit()).filter((entry) => entry.actor === 'owner').map((entry) => entry.type);
    await composed.wallet.close();
    expect(owner.slice(-5)).toEqual(['grant.updated', 'agent.enrolled', 'grant.created', 'grant.revoked', 'agent.removed']);
  }, 300_000);

  it('T41: inside an agent session apply is refused like every owner verb', async () => {
    const result = await runCli(['policy', 'apply', join(dir, 'agents.json'), '--yes'], { ...env, LATCHKEY_SESSION: 'lk_session_not_a_real_secret' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(ErrorCode.OwnerCommandInSession);
  }, 120_000);
});
