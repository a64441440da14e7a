/**
 * T8 in the CLI, in process against the real wallet in memory with two accounts on one server:
 * `connections` shows the labels, `token` and `disconnect` name one with --account (and refuse
 * to guess without it), `grant add --account` grants one, and a bad label is a usage error.
 */
import { describe, expect, it } from 'vitest';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { useMemoryWallets } from '../../support/memory-wallet.js';
import { seedConnection } from '../../support/seed-connection.js';
import { createHarness } from './harness.js';

const NOW = 1_700_000_000_000;
const MCP = 'https://mcp.example.com/mcp';
const openWallet = useMemoryWallets();
async function twoAccounts() {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 900;
  const memory = await openWallet({ now: NOW, fetch: endpoint.fetch });
  await seedConnection(memory.composed.vault, MCP, 'work');
  await seedConnection(memory.composed.vault, MCP, 'personal');
  await memory.enrol('ci-bot');
  const spent = (): string[] => endpoint.requestsTo('/token').map((r) => r.params.get('refresh_token') ?? '');
  return { memory, wallet: memory.wallet, spent };
}

describe('latchkey with two accounts on one server', () => {
  it('connections shows each account', async () => {
    const { wallet } = await twoAccounts();
    const h = createHarness({ wallet });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.stdout.text).toContain(`${MCP} (account: work)  [ok]\n  account: work (--account work)\n`);
    expect(h.stdout.text).toContain(`${MCP} (account: personal)  [ok]\n`);
  });

  it('token without --account is refused listing the labels; with it, that account\'s token', async () => {
    const { wallet, spent } = await twoAccounts();
    const h = createHarness({ wallet });
    expect(await h.run(['token', MCP])).toBe(1);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toContain(`error[connection.account_ambiguous]: Latchkey is connected to ${MCP} as more than one account (personal, work) and none was named.`);
    expect(h.stderr.text).toContain('hint: Name one with --account, e.g. --account personal.');
    expect(spent()).toEqual([]);
    const named = createHarness({ wallet });
    expect(await named.run(['token', MCP, '--account', 'Work'])).toBe(0);
    expect(named.stdout.text).toMatch(/^at-\d+-refresh_token\n$/u);
    expect(spent()).toEqual(['rt-work']);
  });

  it('disconnect --account takes that account only', async () => {
    const { wallet } = await twoAccounts();
    const h = createHarness({ wallet });
    expect(await h.run(['disconnect', MCP, '--account', 'personal'])).toBe(0);
    expect(h.stdout.text).toMatch(new RegExp(`^Disconnected ${MCP} \\(account "personal"\\): `, 'u'));
    expect((await wallet.listConnections()).map((c) => c.account)).toEqual(['work']);
  });

  it('grant add --account grants that account, shown in the grant; an account not connected is refused', async () => {
    const { wallet } = await twoAccounts();
    const h = createHarness({ wallet });
    expect(await h.run(['grant', 'add', 'ci-bot', MCP, '--account', 'work', '--scope', 'mcp:read'])).toBe(0);
    expect(h.stdout.text).toContain(`  server:     ${MCP}\n  account:    work\n`);
    const other = createHarness({ wallet });
    expect(await other.run(['grant', 'add', 'ci-bot', MCP, '--account', 'team', '--scope', 'mcp:read'])).toBe(1);
    expect(other.stderr.text).toContain(`error[connection.not_found]: Latchkey is not connected to ${MCP} as account "team"`);
    expect(other.stderr.text).toContain(`hint: Connect that account first: latchkey connect ${MCP} --account team`);
    const unnamed = createHarness({ wallet });
    expect(await unnamed.run(['grant', 'add', 'ci-bot', MCP, '--scope', 'mcp:read'])).toBe(1);
    expect(unnamed.stderr.text).toContain('error[connection.account_ambiguous]');
    expect((await wallet.listGrants()).map((g) => g.account)).toEqual(['work']);
  });

  for (const [verb, argv] of [
    ['connect', ['connect', MCP, '--account', 'me@example.com']],
    ['token', ['token', MCP, '--account', 'work!']],
    ['disconnect', ['disconnect', MCP, '--account', 'a'.repeat(33)]],
    ['grant add', ['grant', 'add', 'ci-bot', MCP, '--account', 'two words', '--scope', 's']],
  ] as const) {
    it(`${verb}: a label that is not one is a usage error, exit 2, before any wallet opens`, async () => {
      const h = createHarness();
      expect(await h.run([...argv])).toBe(2);
      expect(h.stderr.text).toMatch(/^error\[input\.invalid\]: --account ".*" is not an account label\./mu);
      expect(h.configs).toHaveLength(0);
    });
  }
});
