import { describe, expect, it } from 'vitest';
import type { Grant } from '../../../shared/agents.js';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { useMemoryWallets, type MemoryWallet } from '../../support/memory-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const MCP = 'https://mcp.example.com/mcp';
const openWallet = useMemoryWallets();

/**
 * The real wallet in memory at NOW, connected to MCP (tokens from test/fakes/fake-token-endpoint.ts,
 * `expiresIn` seconds long), with ci-bot enrolled.
 */
async function memoryWallet(options: { expiresIn?: number; revocation?: 'refused' } = {}) {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = options.expiresIn ?? 900;
  const fetch = (input: string | URL, init?: RequestInit): Promise<Response> =>
    options.revocation === 'refused' && new URL(String(input)).pathname === '/revoke'
      ? Promise.resolve(Response.json({ error: 'unsupported_token_type' }, { status: 400 }))
      : endpoint.fetch(input, init);
  const memory = await openWallet({ now: NOW, fetch });
  await memory.connect(MCP);
  await memory.enrol('ci-bot');
  return { memory, wallet: memory.wallet, endpoint };
}

/** ci-bot's grant, used once (its token narrowed as the server issued it) `ago` ms before NOW. */
async function usedGrant(memory: MemoryWallet, input: { scopes: string[]; maxTokenLifetimeSeconds?: number; expiresAt?: number }, ago = 30_000): Promise<Grant> {
  const grant = await memory.wallet.createGrant({ agent: 'ci-bot', resource: MCP, ...input });
  memory.now = NOW - ago;
  await memory.token('ci-bot', { resource: MCP }).catch(() => undefined);
  memory.now = NOW;
  return (await memory.wallet.listGrants()).find((g) => g.id === grant.id)!;
}

describe('latchkey grant list', () => {
  it('shows each grant as a block: agent name, server, scopes, token lifetime, expiry, mode, narrowing', async () => {
    const { memory, wallet } = await memoryWallet();
    const used = await usedGrant(memory, { scopes: ['mcp:read'], maxTokenLifetimeSeconds: 900, expiresAt: NOW + 7 * 86_400_000 });
    const asking = await wallet.createGrant({ agent: 'ci-bot', resource: 'https://other.example.com/mcp', scopes: [], mode: 'ask', maxTokenLifetimeSeconds: 900 });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'list'])).toBe(0);
    expect(h.stdout.text).toBe(
      [
        `${used.id}  [allow]`,
        '  agent:      ci-bot',
        `  server:     ${MCP}`,
        '  scopes:     mcp:read',
        '  tokens:     at most 15m each',
        '  expires:    in 7d 00h (2023-11-21 22:13:20Z)',
        '  narrowing:  ok: tokens are narrowed to these scopes',
        '  last used:  30s ago',
        '',
        `${asking.id}  [ask each time]`,
        '  agent:      ci-bot',
        '  server:     https://other.example.com/mcp',
        '  scopes:     (none)',
        '  tokens:     at most 15m each',
        '  expires:    never',
        '  narrowing:  not tried yet',
        '  last used:  never',
        '',
      ].join('\n'),
    );
  });

  it('narrowing: unsupported is flagged on the grant\'s first line and explained with the fix', async () => {
    const { memory, wallet, endpoint } = await memoryWallet();
    // The server ignores the narrowed scope and issues everything the connection holds.
    endpoint.replies['refresh_token'] = { status: 200, body: { access_token: 'at-wide', token_type: 'Bearer', expires_in: 900, scope: 'mcp:read mcp:write' } };
    const grant = await usedGrant(memory, { scopes: ['mcp:read'] });
    expect(grant.narrowing).toBe('unsupported');
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'list'])).toBe(0);
    const lines = h.stdout.text.split('\n');
    expect(lines[0]).toBe(`${grant.id}  [allow]  [! narrowing: unsupported]`);
    expect(h.stdout.text).toContain('  narrowing:  UNSUPPORTED\n');
    expect(h.stdout.text).toContain('will not issue a token narrowed to these scopes, so this agent is refused');
    expect(h.stdout.text).toContain(`latchkey grant edit ${grant.id} --scope ...`);
  });

  it('--json prints the Grant array; --agent filters', async () => {
    const { wallet } = await memoryWallet();
    await wallet.enrolAgent({ name: 'other-bot' });
    const mine = await wallet.createGrant({ agent: 'ci-bot', resource: MCP, scopes: ['mcp:read'] });
    await wallet.createGrant({ agent: 'other-bot', resource: MCP, scopes: ['mcp:read'] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'list', '--agent', 'ci-bot', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual([mine]);
  });

  it('scopes and resources with escapes never become a grant: the wallet refuses them, and nothing raw reaches the terminal', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 'read\u202Eetirw', '--scope', 'a\u0000b'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: Scopes must be OAuth scope names/m);
    const url = createHarness({ wallet });
    expect(await url.run(['grant', 'add', 'ci-bot', 'https://mcp.example.com/\u001b]8;;https://evil\u0007x', '--scope', 's'])).not.toBe(0);
    for (const run of [h, url]) expect(run.stdout.text + run.stderr.text).not.toMatch(/[\u0000\u0007\u001b\u202E]/u);
    expect(await wallet.listGrants()).toEqual([]);
  });

  it('says how to add one when there are none', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'list'])).toBe(0);
    expect(h.stderr.text).toContain('latchkey grant add <agent> <mcp-url> --scope S');
  });
});

describe('latchkey grant add', () => {
  /** The connection's own token, refreshed once, tells the wallet how long the server's tokens live. */
  async function issuing(seconds: number) {
    const seeded = await memoryWallet({ expiresIn: seconds });
    await seeded.wallet.accessToken({ url: MCP });
    return seeded;
  }

  it('T38: creates an allow grant with the scopes; no --ttl means tokens as the server issues them, with the figure', async () => {
    const { wallet } = await issuing(600);
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 'files:read files:write', '--scope', 'files:read'])).toBe(0);
    expect(await wallet.listGrants()).toEqual([expect.objectContaining({ resource: MCP, scopes: ['files:read', 'files:write'], mode: 'allow' })]);
    expect((await wallet.listGrants())[0]?.maxTokenLifetimeSeconds).toBeUndefined();
    expect(h.stdout.text).toMatch(/^Granted:\ngrt_\S+ {2}\[allow\]\n {2}agent: {6}ci-bot\n/u);
    expect(h.stdout.text).toContain('tokens:     as issued (10m)');
  });

  it('T38: a --ttl shorter than the server\'s tokens is flagged: the agent is refused', async () => {
    const { wallet } = await issuing(600);
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '1m'])).toBe(0);
    expect(h.stdout.text).toContain('tokens:     at most 1m each  [! the server issues 10m: this agent is refused]');
    const [grant] = await wallet.listGrants();
    const edit = createHarness({ wallet });
    expect(await edit.run(['grant', 'edit', grant!.id, '--ttl', 'as-issued'])).toBe(0);
    expect((await wallet.listGrants())[0]?.maxTokenLifetimeSeconds).toBeUndefined();
    expect(edit.stdout.text).toContain('tokens:     as issued (10m)');
  });

  it('--ttl, --expires (duration or ISO time) and --ask', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '5m', '--expires', '7d', '--ask'])).toBe(0);
    expect((await wallet.listGrants())[0]).toMatchObject({ resource: MCP, scopes: ['s'], mode: 'ask', maxTokenLifetimeSeconds: 300, expiresAt: NOW + 7 * 86_400_000 });
    expect(h.stdout.text).toContain('[ask each time]');
    const iso = createHarness({ wallet });
    await wallet.enrolAgent({ name: 'other-bot' });
    expect(await iso.run(['grant', 'add', 'other-bot', MCP, '--scope', 's', '--ttl', '1h', '--expires', '2024-01-01T00:00:00Z'])).toBe(0);
    expect((await wallet.listGrants({ agent: 'other-bot' }))[0]).toMatchObject({ maxTokenLifetimeSeconds: 3600, expiresAt: Date.parse('2024-01-01T00:00:00Z') });
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['no --scope', ['grant', 'add', 'ci-bot', MCP], /needs at least one --scope/],
    ['a --ttl over the 1h cap', ['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '2h'], /--ttl 2h is out of range/],
    ['a --ttl under a minute', ['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '30s'], /--ttl 30s is out of range/],
    ['a --ttl that is no duration', ['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '15'], /--ttl "15" is not a duration/],
    ['a bad --expires', ['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--expires', 'friday'], /--expires "friday" is neither/],
    ['a past --expires', ['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--expires', '2020-01-01'], /--expires 2020-01-01 00:00:00Z is in the past/],
    ['a missing resource', ['grant', 'add', 'ci-bot'], /needs <mcp-url>/],
  ];
  for (const [name, argv, message] of usage) {
    it(`usage error, exit 2: ${name}`, async () => {
      const { wallet } = await memoryWallet();
      const h = createHarness({ wallet });
      expect(await h.run(argv)).toBe(2);
      expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: /m);
      expect(h.stderr.text).toMatch(message);
      expect(await wallet.listGrants()).toEqual([]);
    });
  }
});

describe('latchkey grant edit', () => {
  it('changes only what is asked', async () => {
    const { wallet } = await memoryWallet();
    const grant = await wallet.createGrant({ agent: 'ci-bot', resource: MCP, scopes: ['mcp:read'], maxTokenLifetimeSeconds: 900, expiresAt: NOW + 1000 });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'edit', grant.id, '--scope', 'a b', '--ttl', '90s', '--no-expiry', '--ask'])).toBe(0);
    const edited = (await wallet.listGrants())[0]!;
    expect(edited).toMatchObject({ id: grant.id, resource: MCP, scopes: ['a', 'b'], maxTokenLifetimeSeconds: 90, mode: 'ask' });
    expect(edited.expiresAt).toBeUndefined();
    expect(h.stdout.text).toMatch(/^Updated:\n/u);
    expect(h.stdout.text).toContain('tokens:     at most 1m30s each');
    expect(h.stdout.text).toContain('expires:    never');
    const allow = createHarness({ wallet });
    expect(await allow.run(['grant', 'edit', grant.id, '--allow', '--expires', '8h'])).toBe(0);
    expect((await wallet.listGrants())[0]).toMatchObject({ scopes: ['a', 'b'], maxTokenLifetimeSeconds: 90, mode: 'allow', expiresAt: NOW + 8 * 3_600_000 });
  });

  it('an unknown grant: error[grant.not_found], exit 1', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'edit', 'grt_0000000000000007', '--ask'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[grant\.not_found\]/m);
  });

  for (const [name, argv, message] of [
    ['nothing to change', ['grant', 'edit', 'grt_0000000000000001'], /needs something to change/],
    ['--expires with --no-expiry', ['grant', 'edit', 'grt_0000000000000001', '--expires', '1h', '--no-expiry'], /contradict/],
    ['--ask with --allow', ['grant', 'edit', 'grt_0000000000000001', '--ask', '--allow'], /contradict/],
    ['--allow on grant add', ['grant', 'add', 'a', MCP, '--scope', 's', '--allow'], /Unknown option --allow/],
  ] as const) {
    it(`usage error, exit 2: ${name}`, async () => {
      const h = createHarness();
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text).toMatch(message);
      expect(h.configs).toHaveLength(0);
    });
  }
});

describe('latchkey grant revoke', () => {
  it('revokes by id', async () => {
    const { wallet } = await memoryWallet();
    const grant = await wallet.createGrant({ agent: 'ci-bot', resource: MCP, scopes: ['mcp:read'] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'revoke', grant.id])).toBe(0);
    expect(await wallet.listGrants()).toEqual([]);
    expect(h.stdout.text).toBe(`Revoked grant ${grant.id}: its agent's next request under it is refused.\nNo token handed out under it since the wallet started is still valid.\n`);
  });

  it('T38/B16: says until when tokens the server could not revoke stay valid there, with its code', async () => {
    const { memory, wallet } = await memoryWallet({ revocation: 'refused', expiresIn: 900 });
    const grant = await usedGrant(memory, { scopes: ['mcp:read'] }, 0);
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'revoke', grant.id])).toBe(0);
    expect(h.stdout.text).toContain(
      'The server could not revoke what it already issued (unsupported_token_type): 1 token handed out stays valid at the server until 2023-11-14 22:28:20Z.',
    );
  });
});

describe('grant --help', () => {
  it('each verb shows its usage, description and an example', async () => {
    for (const [verb, usage] of [
      ['list', 'Usage: latchkey grant list [--agent A] [--json]'],
      ['add', 'Usage: latchkey grant add <agent> <mcp-url> [--account LABEL] --scope S ... [--ttl 15m | --ttl as-issued] [--expires 7d] [--ask]'],
      ['edit', 'Usage: latchkey grant edit <id> [--scope S ...] [--ttl DURATION | --ttl as-issued] [--expires WHEN | --no-expiry] [--ask | --allow]'],
      ['revoke', 'Usage: latchkey grant revoke <id>'],
    ] as const) {
      const h = createHarness();
      expect(await h.run(['grant', verb, '--help'])).toBe(0);
      expect(h.stdout.text).toContain(usage);
      expect(h.stdout.text).toMatch(/Examples?:\n {2}latchkey grant /);
    }
  });
});
