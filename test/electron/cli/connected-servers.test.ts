/**
 * The real CLI on a wallet connected to one server: a URL that differs only by a trailing slash
 * is never matched silently (T07) but is suggested, and `grant add` refuses a server that is not
 * connected instead of creating a grant that could never hand out a token.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeWallet } from '../../../electron/wallet/wallet.js';
import { runCli } from '../../support/run-cli.js';
import { seedConnection } from '../../support/seed-connection.js';

const PASSPHRASE = 'connected servers cli passphrase, not a secret';
const MCP = 'https://mcp.example.com/mcp';

describe('the real CLI names the connected server a URL was probably meant to be', () => {
  let base: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    base = await mkdtemp('/tmp/lk-connected-');
    const home = join(base, 'home');
    const composed = await composeWallet({ home, allowInsecureLoopback: false, vault: { mode: 'passphrase', passphrase: PASSPHRASE } });
    await composed.wallet.enrolAgent({ name: 'ci-bot' });
    await seedConnection(composed.vault, MCP);
    await composed.wallet.close();
    env = { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: join(base, 'run'), LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: PASSPHRASE };
  }, 60_000);

  /** stderr without the passphrase vault's standing warning. */
  const errors = (stderr: string): string => stderr.replace(/^warning: The vault is protected by your passphrase.*\n/mu, '');

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('T07: `latchkey token …/mcp/` is not matched to …/mcp, and the hint suggests the connected one', async () => {
    const result = await runCli(['token', `${MCP}/`], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(errors(result.stderr)).toBe(
      `error[connection.not_found]: Latchkey is not connected to ${MCP}/.\nhint: Did you mean ${MCP} (connected)? Otherwise run: latchkey connect ${MCP}/\n`,
    );
  }, 30_000);

  it('`latchkey grant add` for a server that is not connected is refused; nothing is granted', async () => {
    const other = await runCli(['grant', 'add', 'ci-bot', 'https://other.example/mcp', '--scope', 'mcp:read'], env);
    expect(other.code).toBe(1);
    expect(errors(other.stderr)).toBe(
      'error[connection.not_found]: Latchkey is not connected to https://other.example/mcp, so a grant for it could not hand out a token.\n' +
        'hint: Connect first: latchkey connect https://other.example/mcp\n',
    );
    const slash = await runCli(['grant', 'add', 'ci-bot', `${MCP}/`, '--scope', 'mcp:read'], env);
    expect(slash.code).toBe(1);
    expect(slash.stderr).toContain(`hint: Did you mean ${MCP} (connected)? Otherwise connect first: latchkey connect ${MCP}/\n`);
    const listed = await runCli(['grant', 'list', '--json'], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  }, 60_000);

  it('`latchkey grant add` for the connected server still grants', async () => {
    const result = await runCli(['grant', 'add', 'ci-bot', MCP, '--scope', 'mcp:read'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^Granted:\ngrt_[\w-]+ {2}\[allow\]\n/u);
  }, 30_000);
});
