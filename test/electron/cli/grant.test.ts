import { describe, expect, it } from 'vitest';
import { createFakeWallet, fakeId, sampleAgent, sampleConnection, sampleGrant } from '../../fakes/fake-wallet.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const MCP = 'https://mcp.example.com/mcp';
const GRANT = fakeId('grt', 1);
const agents = [sampleAgent()];

describe('latchkey grant list', () => {
  it('shows each grant as a block: agent name, server, scopes, token lifetime, expiry, mode, narrowing', async () => {
    const grants = [sampleGrant({ expiresAt: NOW + 7 * 86_400_000, lastUsedAt: NOW - 30_000 }), sampleGrant({ id: fakeId('grt', 2), mode: 'ask', narrowing: 'unknown', scopes: [] })];
    const h = createHarness({ wallet: createFakeWallet({ agents, grants }) });
    expect(await h.run(['grant', 'list'])).toBe(0);
    expect(h.stdout.text).toBe(
      [
        `${GRANT}  [allow]`,
        '  agent:      ci-bot',
        `  server:     ${MCP}`,
        '  scopes:     files:read',
        '  tokens:     at most 15m each',
        '  expires:    in 7d 00h (2023-11-21 22:13:20Z)',
        '  narrowing:  ok: tokens are narrowed to these scopes',
        '  last used:  30s ago',
        '',
        `${fakeId('grt', 2)}  [ask each time]`,
        '  agent:      ci-bot',
        `  server:     ${MCP}`,
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
    const h = createHarness({ wallet: createFakeWallet({ agents, grants: [sampleGrant({ narrowing: 'unsupported' })] }) });
    expect(await h.run(['grant', 'list'])).toBe(0);
    const lines = h.stdout.text.split('\n');
    expect(lines[0]).toBe(`${GRANT}  [allow]  [! narrowing: unsupported]`);
    expect(h.stdout.text).toContain('  narrowing:  UNSUPPORTED\n');
    expect(h.stdout.text).toContain('will not issue a token narrowed to these scopes, so this agent is refused');
    expect(h.stdout.text).toContain(`latchkey grant edit ${GRANT} --scope ...`);
  });

  it('--json prints the Grant array; --agent is passed through', async () => {
    const grants = [sampleGrant({ narrowing: 'unsupported' })];
    const wallet = createFakeWallet({ agents, grants });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'list', '--agent', 'ci-bot', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(grants);
    expect(wallet.calls.listGrants).toEqual([{ agent: 'ci-bot' }]);
  });

  it('server-provided scopes and resources are made inert', async () => {
    const grants = [sampleGrant({ resource: 'https://mcp.example.com/\u001b]8;;https://evil\u0007x', scopes: ['read\u202Eetirw', 'a\u0000b'] })];
    const h = createHarness({ wallet: createFakeWallet({ agents, grants }) });
    expect(await h.run(['grant', 'list'])).toBe(0);
    expect(h.stdout.text).toContain('server:     https://mcp.example.com/\\x1b]8;;https://evil\\x07x');
    expect(h.stdout.text).toContain('scopes:     read\\u{202e}etirw a\\x00b');
    expect(h.stdout.text).not.toMatch(/[\u0000\u0007\u001b\u202E]/u);
  });

  it('says how to add one when there are none', async () => {
    const h = createHarness({ wallet: createFakeWallet() });
    expect(await h.run(['grant', 'list'])).toBe(0);
    expect(h.stderr.text).toContain('latchkey grant add <agent> <mcp-url> --scope S');
  });
});

describe('latchkey grant add', () => {
  it('T38: creates an allow grant with the scopes; no --ttl means tokens as the server issues them, with the figure', async () => {
    const wallet = createFakeWallet({ agents, connections: [sampleConnection({ resource: MCP, tokenLifetimeSeconds: 600 })] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 'files:read files:write', '--scope', 'files:read'])).toBe(0);
    expect(wallet.calls.createGrant).toEqual([{ agent: 'ci-bot', resource: MCP, scopes: ['files:read', 'files:write'], mode: 'allow' }]);
    expect(h.stdout.text).toMatch(/^Granted:\ngrt_\w+ {2}\[allow\]\n {2}agent: {6}ci-bot\n/u);
    expect(h.stdout.text).toContain('tokens:     as issued (10m)');
  });

  it('T38: a --ttl shorter than the server\'s tokens is flagged: the agent is refused', async () => {
    const wallet = createFakeWallet({ agents, connections: [sampleConnection({ resource: MCP, tokenLifetimeSeconds: 600 })] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '1m'])).toBe(0);
    expect(h.stdout.text).toContain('tokens:     at most 1m each  [! the server issues 10m: this agent is refused]');
    const edit = createHarness({ wallet });
    expect(await edit.run(['grant', 'edit', wallet.world.grants[0]!.id, '--ttl', 'as-issued'])).toBe(0);
    expect(wallet.calls.updateGrant).toEqual([{ id: wallet.world.grants[0]!.id, maxTokenLifetimeSeconds: null }]);
    expect(edit.stdout.text).toContain('tokens:     as issued (10m)');
  });

  it('--ttl, --expires (duration or ISO time) and --ask', async () => {
    const wallet = createFakeWallet({ agents, connections: [sampleConnection({ resource: MCP })] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '5m', '--expires', '7d', '--ask'])).toBe(0);
    expect(wallet.calls.createGrant[0]).toEqual({ agent: 'ci-bot', resource: MCP, scopes: ['s'], mode: 'ask', maxTokenLifetimeSeconds: 300, expiresAt: NOW + 7 * 86_400_000 });
    expect(h.stdout.text).toContain('[ask each time]');
    const iso = createHarness({ wallet });
    expect(await iso.run(['grant', 'add', 'ci-bot', MCP, '--scope', 's', '--ttl', '1h', '--expires', '2024-01-01T00:00:00Z'])).toBe(0);
    expect(wallet.calls.createGrant[1]).toMatchObject({ maxTokenLifetimeSeconds: 3600, expiresAt: Date.parse('2024-01-01T00:00:00Z') });
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
      const wallet = createFakeWallet({ agents });
      const h = createHarness({ wallet });
      expect(await h.run(argv)).toBe(2);
      expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: /);
      expect(h.stderr.text).toMatch(message);
      expect(wallet.calls.createGrant).toEqual([]);
    });
  }
});

describe('latchkey grant edit', () => {
  it('sends only what changes', async () => {
    const wallet = createFakeWallet({ agents, grants: [sampleGrant({ expiresAt: NOW + 1000 })] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'edit', GRANT, '--scope', 'a b', '--ttl', '90s', '--no-expiry', '--ask'])).toBe(0);
    expect(wallet.calls.updateGrant).toEqual([{ id: GRANT, scopes: ['a', 'b'], maxTokenLifetimeSeconds: 90, expiresAt: null, mode: 'ask' }]);
    expect(h.stdout.text).toMatch(/^Updated:\n/u);
    expect(h.stdout.text).toContain('tokens:     at most 1m30s each');
    expect(h.stdout.text).toContain('expires:    never');
    const allow = createHarness({ wallet });
    expect(await allow.run(['grant', 'edit', GRANT, '--allow', '--expires', '8h'])).toBe(0);
    expect(wallet.calls.updateGrant[1]).toEqual({ id: GRANT, mode: 'allow', expiresAt: NOW + 8 * 3_600_000 });
  });

  it('an unknown grant: error[grant.not_found], exit 1', async () => {
    const h = createHarness({ wallet: createFakeWallet({ agents }) });
    expect(await h.run(['grant', 'edit', fakeId('grt', 7), '--ask'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[grant\.not_found\]/);
  });

  for (const [name, argv, message] of [
    ['nothing to change', ['grant', 'edit', GRANT], /needs something to change/],
    ['--expires with --no-expiry', ['grant', 'edit', GRANT, '--expires', '1h', '--no-expiry'], /contradict/],
    ['--ask with --allow', ['grant', 'edit', GRANT, '--ask', '--allow'], /contradict/],
    ['--allow on grant add', ['grant', 'add', 'a', MCP, '--scope', 's', '--allow'], /Unknown option --allow/],
  ] as const) {
    it(`usage error, exit 2: ${name}`, async () => {
      const h = createHarness({ wallet: createFakeWallet({ agents }) });
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text).toMatch(message);
      expect(h.configs).toHaveLength(0);
    });
  }
});

describe('latchkey grant revoke', () => {
  it('revokes by id', async () => {
    const wallet = createFakeWallet({ agents, grants: [sampleGrant()] });
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'revoke', GRANT])).toBe(0);
    expect(wallet.calls.revokeGrant).toEqual([GRANT]);
    expect(wallet.world.grants).toEqual([]);
    expect(h.stdout.text).toBe(`Revoked grant ${GRANT}: its agent's next request under it is refused.\nNo token handed out under it since the wallet started is still valid.\n`);
  });

  it('T38/B16: says until when tokens the server could not revoke stay valid there, with its code', async () => {
    const validUntil = Date.parse('2024-01-01T14:32:05Z');
    const wallet = createFakeWallet({ agents, grants: [sampleGrant()] });
    wallet.world.revocation = { revokedTokens: 0, unrevokedTokens: 1, validUntil, revocationError: 'unsupported_token_type' };
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'revoke', GRANT])).toBe(0);
    expect(h.stdout.text).toContain(
      'The server could not revoke what it already issued (unsupported_token_type): 1 token handed out stays valid at the server until 2024-01-01 14:32:05Z.',
    );
  });
});

describe('grant --help', () => {
  it('each verb shows its usage, description and an example', async () => {
    for (const [verb, usage] of [
      ['list', 'Usage: latchkey grant list [--agent A] [--json]'],
      ['add', 'Usage: latchkey grant add <agent> <mcp-url> --scope S ... [--ttl 15m | --ttl as-issued] [--expires 7d] [--ask]'],
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
