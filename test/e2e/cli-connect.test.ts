/**
 * The owner's CLI end to end, through the real `latchkey` command in child processes:
 * connect against the test world → login and consent in Chromium → tokens in the vault →
 * `latchkey token` → an MCP SDK client calls a tool with it → a new process is still connected
 * without a browser → an expired access token is refreshed exactly once → `latchkey disconnect`
 * revokes the refresh token at the AS and nothing of it remains on disk.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openVault } from '../../electron/wallet/vault/index.js';
import { startWorld, type World } from '../world/index.js';
import { callTool, resultText } from '../support/mcp-call.js';
import { runCli } from '../support/run-cli.js';
import { keychainMode } from '../support/keychain-env.js';

let world: World;
let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  // Access tokens live 30 s: less than the minute `latchkey token` wants left, so the first
  // `token` after connecting must refresh (once), without waiting for a clock.
  world = await startWorld({ accessTokenTtlSeconds: 30 });
  home = await mkdtemp(join(tmpdir(), 'latchkey-e2e-'));
  env = {
    ...world.browserRelayEnv(),
    LATCHKEY_HOME: home,
    LATCHKEY_ALLOW_INSECURE_LOOPBACK: '1',
    ...keychainMode(),
  };
});

afterAll(async () => {
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

describe('latchkey CLI end to end', () => {
  it('T1/T2/T4/V9: connect → token → MCP tool call → refresh once → disconnect revokes and erases', async () => {
    // 1. connect: discovery, DCR, Chromium fills the AS login and consent pages.
    const connect = await runCli(['connect', world.mcpUrl, '--verbose'], env);
    expect(connect.stderr + connect.stdout).not.toMatch(/at .*\.ts:\d+/); // no stack traces
    expect(connect.code, connect.stderr).toBe(0);
    expect(connect.stdout).toContain(world.mcpUrl);
    const flow = await world.opener.lastFlow();
    expect(flow.steps).toEqual(expect.arrayContaining(['login', 'consent']));
    expect(world.as.tokenRequestCount('authorization_code')).toBe(1);

    // 2. listed, with a refresh token, from a new process.
    const list = await runCli(['connections', '--json'], env);
    expect(list.code, list.stderr).toBe(0);
    const connections = JSON.parse(list.stdout) as Array<{ resource: string; status: string; hasRefreshToken: boolean }>;
    expect(connections).toEqual([expect.objectContaining({ resource: world.mcpUrl, status: 'ok', hasRefreshToken: true })]);

    // 3. the tokens are in the vault (encrypted), readable by Latchkey with the same keychain.
    const refreshToken = await readRefreshToken();
    expect(refreshToken).toEqual(expect.any(String));
    expect(await world.as.isRefreshTokenActive(refreshToken!)).toBe(true);

    // 4. a new process gets a token without a browser; the 30 s token is refreshed exactly once.
    const opened = world.opener.opened.length;
    const token = await runCli(['token', world.mcpUrl], env);
    expect(token.code, token.stderr).toBe(0);
    const accessToken = token.stdout.trim();
    expect(accessToken.split('.')).toHaveLength(3); // a JWT, and nothing else on stdout
    expect(world.opener.opened.length).toBe(opened);
    expect(world.as.tokenRequestCount('refresh_token')).toBe(1);

    // 5. the MCP server accepts it.
    expect(resultText(await callTool(world.mcpUrl, accessToken, 'echo', { text: 'from latchkey' }))).toContain('from latchkey');
    expect(world.mcp.lastClaims).toMatchObject({ aud: world.mcpUrl, iss: world.issuer });

    // 6. the rotated refresh token replaced the old one; the old one is dead at the AS.
    const rotated = await readRefreshToken();
    expect(rotated).not.toBe(refreshToken);
    expect(await world.as.isRefreshTokenActive(refreshToken!)).toBe(false);

    // 7. V9/T30: the verbose log of the whole flow carries no token and no code.
    for (const secret of [accessToken, rotated!, refreshToken!]) expect(connect.stderr + token.stderr).not.toContain(secret);
    expect(connect.stderr).not.toMatch(/[?&]code=[^&[\s]/);

    // 8. disconnect revokes at the AS and erases locally: nothing of it remains on disk.
    const disconnect = await runCli(['disconnect', world.mcpUrl], env);
    expect(disconnect.code, disconnect.stderr).toBe(0);
    expect(world.as.revocations.at(-1)).toMatchObject({ status: 200, tokenTypeHint: 'refresh_token' });
    expect(await world.as.isRefreshTokenActive(rotated!)).toBe(false);
    expect(await readRefreshToken()).toBeUndefined();
    expect(await filesContaining(home, [rotated!, refreshToken!, accessToken])).toEqual([]);
    const after = await runCli(['token', world.mcpUrl], env);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain('connection.not_found');
  }, 180_000);
});

/** Reads the stored refresh token through the vault, as Latchkey would (no CLI is running). */
async function readRefreshToken(): Promise<string | undefined> {
  const vault = await openVault({ dir: home, mode: env['LATCHKEY_VAULT'] as 'keychain' | 'passphrase', passphrase: env['LATCHKEY_PASSPHRASE'] ?? '', lockWaitMs: 5_000 });
  try {
    const doc = vault.read() as { connections?: Record<string, { refreshToken?: string }> };
    return doc.connections?.[world.mcpUrl]?.refreshToken;
  } finally {
    await vault.close();
  }
}

/** Files under `dir` that contain any secret, raw or in common encodings. */
async function filesContaining(dir: string, secrets: string[]): Promise<string[]> {
  const forms = secrets.flatMap((s) => [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64url'), Buffer.from(s).toString('hex'), encodeURIComponent(s)]);
  const hits: string[] = [];
  for (const name of await readdir(dir, { recursive: true })) {
    const path = join(dir, name);
    if (!(await stat(path)).isFile()) continue;
    const content = (await readFile(path)).toString('latin1');
    if (forms.some((f) => content.includes(f))) hits.push(name);
  }
  return hits;
}
