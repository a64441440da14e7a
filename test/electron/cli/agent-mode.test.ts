/**
 * Agent mode through the real CLI process: a secret the MCP host passed on as the text
 * `${LATCHKEY_SESSION}` gets its own error, and an owner command inside an agent session says so
 * before anything asks for a passphrase, whatever the vault mode.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import { runCli } from '../../support/run-cli.js';

let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'lk-agentmode-'));
  // No daemon: nothing to find, nothing to open.
  env = { LATCHKEY_HOME: home, LATCHKEY_RUNTIME_DIR: join(home, 'run'), LATCHKEY_SESSION: '', LATCHKEY_AGENT_SECRET: '', LATCHKEY_PASSPHRASE: '' };
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('agent mode in the real CLI', () => {
  it.each([
    ['mcp', ['mcp', 'https://mcp.example.com/mcp'], { LATCHKEY_SESSION: '${LATCHKEY_SESSION}' }],
    ['token', ['token', 'https://mcp.example.com/mcp'], { LATCHKEY_SESSION: '${env:LATCHKEY_SESSION}' }],
    ['mcp (agent secret)', ['mcp', 'https://mcp.example.com/mcp'], { LATCHKEY_AGENT_SECRET: '${LATCHKEY_AGENT_SECRET}' }],
  ])('an unexpanded ${…} secret (%s) says the MCP host did not expand the variable, and how to fix it', async (_name, args, secret) => {
    const result = await runCli(args, { ...env, ...secret });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(ErrorCode.UnexpandedSecret);
    expect(result.stderr).toContain('the MCP host did not expand it');
    expect(result.stderr).toContain('latchkey run --agent NAME');
    expect(result.stderr).not.toContain(ErrorCode.BridgeNotRunning);
  });

  it('an owner command inside an agent session with a passphrase vault says so (not a bad passphrase), before any prompt', async () => {
    for (const args of [['approvals'], ['approve', 'apr_x'], ['grant', 'list']]) {
      const result = await runCli(args, { ...env, LATCHKEY_VAULT: 'passphrase', LATCHKEY_SESSION: 'lk_session_not_a_real_secret' });
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('Owner commands cannot run inside an agent session.');
      expect(result.stderr).toContain(ErrorCode.OwnerCommandInSession);
      expect(result.stderr).not.toContain(ErrorCode.VaultBadPassphrase);
      expect(result.stderr).not.toContain('passphrase');
    }
  });

  it('the same with a keychain vault and an agent secret', async () => {
    const result = await runCli(['approvals'], { ...env, LATCHKEY_VAULT: 'keychain', LATCHKEY_AGENT_SECRET: 'lk_agent_not_a_real_secret' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(ErrorCode.OwnerCommandInSession);
  });
});
