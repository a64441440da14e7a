/**
 * Tables fit the terminal: at 100 columns `latchkey audit` and `latchkey approvals` elide long
 * cells with "…" (middle for servers, end for reasons) and stay aligned; a pipe gets whole lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatApprovals } from '../../../electron/cli/commands/approvals.js';
import { elide, fitColumns } from '../../../electron/cli/table.js';
import { composeWallet } from '../../../electron/wallet/wallet.js';
import type { Approval } from '../../../shared/agents.js';
import { runCli } from '../../support/run-cli.js';

const PASSPHRASE = 'table cli passphrase, not a secret';
const LONG_SERVER = 'https://mcp.a-rather-long-company-name.example.com/tenants/acme-corporation/mcp';
const LONG_REASON = 'token.lifetime_exceeds_grant:server-issues-3600s:grant-allows-300s:agent-refused-until-the-grant-changes';

describe('fitColumns', () => {
  it('elides in the middle or at the end, never wider than asked', () => {
    expect(elide('https://mcp.example.com/mcp', 13, 'middle')).toBe('https:…om/mcp');
    expect(elide('grant.none because', 8, 'end')).toBe('grant.n…');
    expect(elide('short', 8, 'end')).toBe('short');
  });

  it('keeps columns without a fit whole and aligned when it cannot fit', () => {
    const lines = fitColumns([['A', 'B'], ['x'.repeat(30), 'y'.repeat(30)]], 20, [undefined, { elide: 'end', minWidth: 4 }]);
    expect(lines).toEqual(['A                               B', `${'x'.repeat(30)}  yyy…`]);
  });
});

describe('the real `latchkey audit` fits a 100-column terminal', () => {
  let base: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    base = await mkdtemp('/tmp/lk-table-');
    const home = join(base, 'home');
    const composed = await composeWallet({ home, allowInsecureLoopback: false, vault: { mode: 'passphrase', passphrase: PASSPHRASE } });
    await composed.wallet.enrolAgent({ name: 'nightly-report-generator' });
    await composed.audit.append({ type: 'token.refused', agentName: 'nightly-report-generator', resource: LONG_SERVER, scopes: ['files:read', 'files:write', 'admin'], outcome: 'denied', reason: LONG_REASON });
    await composed.wallet.close();
    env = { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: join(base, 'run'), LATCHKEY_VAULT: 'passphrase', LATCHKEY_PASSPHRASE: PASSPHRASE };
  }, 60_000);

  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('COLUMNS=100: every line is at most 100 wide, long cells are elided with …, the columns stay aligned', async () => {
    const result = await runCli(['audit'], { ...env, COLUMNS: '100' });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    const refused = lines.find((line) => line.includes(' denied ')) ?? '';
    expect(refused).toContain('…');
    expect(refused, lines.join('\n')).toMatch(/ https:\/\/\S*…\S*\/mcp /u); // a server keeps both ends
    const header = lines[0] ?? '';
    for (const column of ['SERVER', 'REASON', 'TOKEN']) {
      const at = header.indexOf(column);
      expect(refused[at - 1], `${column} starts a column`).toBe(' ');
      expect(refused[at], `${column} starts a column`).not.toBe(' ');
    }
  }, 30_000);

  it('a pipe without COLUMNS gets whole lines (nothing elided)', async () => {
    const result = await runCli(['audit'], { ...env, COLUMNS: undefined });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(LONG_SERVER);
    expect(result.stdout).toContain(LONG_REASON);
    expect(result.stdout).not.toContain('…');
  }, 30_000);
});

describe('`latchkey approvals` fits 100 columns', () => {
  it('elides the server and scopes, never the id the owner types', () => {
    const approval = {
      id: 'apr_Xk3v9QpL2mN8rT5wY7zA1bC4dE6fG0hJ',
      kind: 'token',
      status: 'pending',
      agentName: 'nightly-report-generator',
      resource: LONG_SERVER,
      scopes: ['files:read', 'files:write', 'admin:everything'],
      lifetimeSeconds: 900,
      createdAt: 0,
      expiresAt: 120_000,
    } as unknown as Approval;
    const lines = formatApprovals([approval], 0, false, 100);
    for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(100);
    expect(lines[1]).toMatch(/^apr_Xk3v9QpL2mN8rT5wY7zA1bC4dE6fG0hJ {2}/u);
    expect(lines[1]).toContain('…');
  });
});
