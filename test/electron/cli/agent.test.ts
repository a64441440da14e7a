import { describe, expect, it } from 'vitest';
import { useMemoryWallets, type MemoryWallet } from '../../support/memory-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const CREATED = 1_699_990_000_000;
const openWallet = useMemoryWallets();

/** The real wallet in memory, its clock at `now`. */
function memoryWallet(now = NOW): Promise<MemoryWallet> {
  return openWallet({ now });
}

describe('latchkey agent add', () => {
  it('prints the secret alone on stdout, once, and the store-it-now warning on stderr', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['agent', 'add', 'ci-bot', '--kind', 'autonomous'])).toBe(0);
    const secret = h.stdout.text.trimEnd();
    expect(h.stdout.text).toBe(`${secret}\n`); // `latchkey agent add ci-bot > secret` captures exactly the secret
    expect(secret).toMatch(/^lk_agent_\S{20,}$/u);
    expect(h.stderr.text).toContain('Enrolled agent ci-bot');
    expect(h.stderr.text).toContain('store it now; it is not shown again');
    expect(h.stderr.text).not.toContain(secret);
    expect(await wallet.listAgents()).toEqual([expect.objectContaining({ name: 'ci-bot', kind: 'autonomous' })]);
  });

  it('never shows the secret again: agent list and agent list --json hold no secret', async () => {
    const { wallet } = await memoryWallet();
    const add = createHarness({ wallet });
    await add.run(['agent', 'add', 'ci-bot']);
    const secret = add.stdout.text.trimEnd();
    for (const argv of [['agent', 'list'], ['agent', 'list', '--json']]) {
      const h = createHarness({ wallet });
      expect(await h.run(argv)).toBe(0);
      expect(h.stdout.text).toContain('ci-bot');
      expect(h.stdout.text + h.stderr.text).not.toContain(secret);
    }
  });

  it('--json prints {agent, secret} and still warns on stderr; no --kind leaves the default to the wallet', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['agent', 'add', 'claude-code', '--json'])).toBe(0);
    const body = JSON.parse(h.stdout.text) as { agent: { name: string; kind: string }; secret: string };
    expect(body).toEqual({ agent: expect.objectContaining({ name: 'claude-code', kind: 'interactive' }) as unknown, secret: expect.stringMatching(/^lk_agent_/u) as unknown });
    expect(h.stderr.text).toContain('it is not shown again');
  });

  it('an existing name is the wallet\'s error, exit 1, and no secret', async () => {
    const { wallet } = await memoryWallet();
    await wallet.enrolAgent({ name: 'ci-bot' });
    const h = createHarness({ wallet });
    expect(await h.run(['agent', 'add', 'ci-bot'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[agent\.exists\]/mu);
    expect(h.stdout.text).toBe('');
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['a name starting with a dot', ['agent', 'add', '.bot'], /"\.bot" is not a valid agent name/],
    ['a name with a space', ['agent', 'add', 'my bot'], /"my bot" is not a valid agent name/],
    ['a name with an escape', ['agent', 'add', 'bot\u001b[2J'], /"bot\\x1b\[2J" is not a valid agent name/],
    ['a bad --kind', ['agent', 'add', 'x', '--kind', 'robot'], /--kind "robot" is not an agent kind/],
    ['no name', ['agent', 'add'], /needs <name>/],
    ['remove without a name', ['agent', 'remove'], /needs <name\|id>/],
    ['an unknown agent verb', ['agent', 'delete', 'x'], /Unknown command "agent delete"/],
  ];
  for (const [name, argv, message] of usage) {
    it(`usage error, exit 2: ${name}`, async () => {
      const h = createHarness({ wallet: (await memoryWallet()).wallet });
      expect(await h.run(argv)).toBe(2);
      expect(h.stderr.text).toMatch(message);
      expect(h.stderr.text).not.toMatch(/\u001b/u);
      expect(h.configs).toHaveLength(0);
    });
  }
});

describe('latchkey agent list', () => {
  /** ci-bot (autonomous) with two active sessions and an ended one; claude-code (interactive) with none. */
  async function seeded(): Promise<{ memory: MemoryWallet; ids: string[] }> {
    const memory = await memoryWallet(CREATED);
    const { wallet } = memory;
    const ci = (await wallet.enrolAgent({ name: 'ci-bot', kind: 'autonomous' })).agent;
    memory.now = NOW - 60_000;
    const claude = (await wallet.enrolAgent({ name: 'claude-code' })).agent;
    await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 3600 });
    await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 3600 });
    const ended = await wallet.startSession({ agent: 'ci-bot', ttlSeconds: 3600 });
    await wallet.endSession({ id: ended.session.id, reason: 'exited' });
    memory.now = NOW;
    return { memory, ids: [ci.id, claude.id] };
  }

  it('prints aligned columns: name, id, kind, created, last seen, active sessions', async () => {
    const { memory, ids } = await seeded();
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['agent', 'list'])).toBe(0);
    const lines = h.stdout.text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ID\s+KIND\s+CREATED\s+LAST SEEN\s+SESSIONS$/);
    expect(lines[1]).toMatch(new RegExp(`^ci-bot\\s+${ids[0]!}\\s+autonomous\\s+2023-11-14 19:26:40Z\\s+never\\s+2$`));
    expect(lines[2]).toMatch(new RegExp(`^claude-code\\s+${ids[1]!}\\s+interactive\\s+.*\\s+never\\s+0$`));
    expect([lines[1]?.indexOf('agt_'), lines[2]?.indexOf('agt_')]).toEqual([lines[0]?.indexOf('ID'), lines[0]?.indexOf('ID')]);
  });

  it('--json adds activeSessions to each AgentSummary', async () => {
    const { memory } = await seeded();
    const agents = await memory.wallet.listAgents();
    const h = createHarness({ wallet: memory.wallet });
    expect(await h.run(['agent', 'list', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual([
      { ...agents[0], activeSessions: 2 },
      { ...agents[1], activeSessions: 0 },
    ]);
  });

  it('says how to enrol one when there are none', async () => {
    const h = createHarness({ wallet: (await memoryWallet()).wallet });
    expect(await h.run(['agent', 'list'])).toBe(0);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toContain('latchkey agent add <name>');
  });
});

describe('latchkey agent remove', () => {
  it('removes by name or id and says grants and sessions were revoked', async () => {
    for (const byName of [true, false]) {
      const { wallet } = await memoryWallet();
      const { agent } = await wallet.enrolAgent({ name: 'ci-bot' });
      const h = createHarness({ wallet });
      expect(await h.run(['agent', 'remove', byName ? 'ci-bot' : agent.id])).toBe(0);
      expect(h.stdout.text).toBe(`Removed agent ci-bot (${agent.id}): its grants were revoked and its sessions ended.\n`);
      expect(await wallet.listAgents()).toEqual([]);
    }
  });

  it('an unknown agent: error[agent.not_found], exit 1', async () => {
    const h = createHarness({ wallet: (await memoryWallet()).wallet });
    expect(await h.run(['agent', 'remove', 'x'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[agent\.not_found\]: .*"x"/mu);
  });
});

describe('agent --help', () => {
  it('each verb shows its usage, description and an example', async () => {
    for (const [verb, usage] of [
      ['add', 'Usage: latchkey agent add <name> [--kind interactive|autonomous] [--json]'],
      ['list', 'Usage: latchkey agent list [--json]'],
      ['remove', 'Usage: latchkey agent remove <name|id>'],
    ] as const) {
      const h = createHarness();
      expect(await h.run(['agent', verb, '--help'])).toBe(0);
      expect(h.stdout.text).toContain(usage);
      expect(h.stdout.text).toMatch(/Examples?:\n {2}latchkey agent /);
    }
    const group = createHarness();
    expect(await group.run(['agent', '--help'])).toBe(0);
    expect(group.stdout.text).toContain('Usage: latchkey agent <add|list|show|remove|credentials|jwks> [options]');
  });
});
