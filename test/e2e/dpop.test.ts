/**
 * A8 end to end, through real processes, and T42–T43 as an attacker would try them: the world's
 * authorization server issues DPoP-bound tokens (its nonce required) and its MCP server takes
 * nothing else (a proof per request, its own nonce required). The owner connects with
 * `latchkey connect` (Chromium signs in); an agent's MCP SDK client calls a tool through
 * `latchkey run … latchkey mcp`, whose every request carries a proof the daemon's bridge signed.
 * A copy of what went over the wire is refused by the server, whatever the attacker does with it;
 * the bridge signs nothing for another origin, another agent or a resource without a grant; and
 * after `latchkey grant revoke` the agent's next call fails within a second, its token unexpired.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent, Grant } from '../../shared/agents.js';
import { ErrorCode } from '../../shared/errors.js';
import { accessTokenHash } from '../../electron/base/net/dpop-wire.js';
import { createBridgeClient, type BridgeClient } from '../../electron/agent/bridge-client/client.js';
import { SOCKET_FILE } from '../../electron/base/runtime/runtime-dir.js';
import { findOwnerEndpoint, openRemoteWallet } from '../../electron/wallet/host/owner-client.js';
import { openVault } from '../../electron/wallet/vault/index.js';
import type { DpopResourceGuard } from '../world/dpop-resource.js';
import { startWorld, type World } from '../world/index.js';
import { startAgentMcp, toolText } from '../support/agent-mcp.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { runCli, stopCli } from '../support/run-cli.js';

let world: World;
let setup: CliDaemon;
let agent: Client | undefined;
const bridges: BridgeClient[] = [];
/** Everything the owner's commands and the bridge answered, for the T42 search at the end. */
const answers: string[] = [];
/** The prompt-injected agent of the T42 bridge test: its bridge and the hash of the DPoP token it holds. */
let injected: { bridge: BridgeClient; ath: string } | undefined;

beforeAll(async () => {
  world = await startWorld({ dpop: { requireNonce: true }, resourceDpop: { requireNonce: true } });
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-dpop-', daemonArgs: ['--verbose', '--no-ui', '--approval-timeout', '30'] });
}, 60_000);

afterAll(async () => {
  for (const bridge of bridges) bridge.close();
  await agent?.close();
  await setup?.close();
  await world?.close();
});

function guard(): DpopResourceGuard {
  if (world.mcp.dpop === undefined) throw new Error('the world\'s MCP server was started without DPoP');
  return world.mcp.dpop;
}

async function owner(args: string[]): Promise<string> {
  const out = await setup.cli(args);
  answers.push(out);
  return out;
}

function bridgeFor(secret: string): BridgeClient {
  const bridge = createBridgeClient({ socketPath: join(setup.runtimeDir, SOCKET_FILE), secret, timeoutMs: 10_000 });
  bridges.push(bridge);
  return bridge;
}

/** A tools/list POST to the MCP server with the headers an attacker chose. */
async function sendCopy(headers: Record<string, string>): Promise<Response> {
  return fetch(world.mcpUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
  });
}

function refusedFor(reason: string): number {
  return guard().counters.refused[reason as keyof DpopResourceGuard['counters']['refused']] ?? 0;
}

/** What the server saw last: the token (after `DPoP `) and the proof. */
function captured(): { token: string; proof: string } {
  const seen = guard().lastAccepted;
  if (seen === undefined) throw new Error('the server accepted nothing yet');
  expect(seen.authorization).toMatch(/^DPoP /);
  return { token: seen.authorization.slice('DPoP '.length), proof: seen.proof };
}

describe('A8: a DPoP-bound connection through latchkey mcp', () => {
  it('the owner connects (proving the key after the nonce), and an agent calls a tool with a proof per request', async () => {
    const connectStarted = performance.now();
    await owner(['connect', world.mcpUrl]);
    const connectMs = Math.round(performance.now() - connectStarted);
    const connectRequests = world.as.tokenRequests.length;
    expect(world.as.tokenRequests.map((r) => r.error ?? r.status)).toEqual(['use_dpop_nonce', 200]);

    const callStarted = performance.now();
    const asBefore = world.as.tokenRequests.length;
    const rsBefore = world.mcp.counters.requests;
    agent = await startAgentMcp({ env: setup.env, name: 'dpop-agent', url: world.mcpUrl, scopes: ['mcp:read'] });
    expect(toolText(await agent.callTool({ name: 'echo', arguments: { text: 'bound' } }))).toBe('bound');
    const callMs = Math.round(performance.now() - callStarted);
    const agentAsRequests = world.as.tokenRequests.length - asBefore;
    const agentGrantTypes = world.as.tokenRequests.slice(asBefore).map((r) => `${r.grantType}:${r.error ?? r.status}`);

    const { token, proof } = captured();
    const jkt = (decodeJwt(token)['cnf'] as { jkt?: string } | undefined)?.jkt;
    expect(jkt).toEqual(expect.any(String));
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK, 'sha256')).toBe(jkt);
    expect(decodeJwt(token)).toMatchObject({ aud: world.mcpUrl, scope: 'mcp:read' });
    expect(guard().counters.accepted).toBeGreaterThan(0);
    expect(refusedFor('use-dpop-nonce')).toBe(1);
    console.info(
      `[dpop] connect (Chromium sign-in): ${connectMs} ms, ${connectRequests} AS token requests; ` +
        `agent start + first call: ${callMs} ms, ${agentAsRequests} AS token requests (${agentGrantTypes.join(', ')}), ` +
        `${world.mcp.counters.requests - rsBefore} MCP requests (${refusedFor('use-dpop-nonce')} refused for the nonce)`,
    );
  }, 180_000);

  it('T43: two proofs for the same request differ in jti (and each is accepted once)', async () => {
    const first = captured().proof;
    expect(toolText(await agent!.callTool({ name: 'echo', arguments: { text: 'again' } }))).toBe('again');
    const second = captured().proof;
    expect(second).not.toBe(first);
    expect(decodeJwt(second).jti).not.toBe(decodeJwt(first).jti);
    expect(decodeJwt(second)).toMatchObject({ htm: 'POST', htu: world.mcpUrl, nonce: guard().nonce });
  }, 60_000);

  it('T42, T43: a copy of the token the server saw is refused as Bearer, without a proof, with the captured proof replayed and with a proof the attacker signs', async () => {
    const { token, proof } = captured();
    const ath = accessTokenHash(token);
    const attacker = await generateKeyPair('ES256');
    const attackerProof = await new SignJWT({ htm: 'POST', htu: world.mcpUrl, jti: randomUUID(), ath, nonce: guard().nonce })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(attacker.publicKey) })
      .setIssuedAt()
      .sign(attacker.privateKey);
    const attempts: Array<[string, Record<string, string>]> = [
      ['bearer-for-bound-token', { authorization: `Bearer ${token}` }],
      ['missing-proof', { authorization: `DPoP ${token}` }],
      ['replayed-proof', { authorization: `DPoP ${token}`, dpop: proof }],
      ['wrong-key', { authorization: `DPoP ${token}`, dpop: attackerProof }],
    ];
    const accepted = guard().counters.accepted;
    for (const [reason, headers] of attempts) {
      const before = refusedFor(reason);
      const response = await sendCopy(headers);
      expect(response.status, reason).toBe(401);
      expect(response.headers.get('www-authenticate'), reason).toMatch(/^DPoP error="invalid_token"/);
      expect(((await response.json()) as { error: string }).error).toBe(reason);
      expect(refusedFor(reason), reason).toBe(before + 1);
    }
    expect(guard().counters.accepted).toBe(accepted);
  }, 60_000);

  it('latchkey token prints no token for the connection and says to use latchkey mcp, for the owner and inside a session', async () => {
    const asOwner = await runCli(['token', world.mcpUrl], setup.env);
    const inSession = await runCli(['run', '--agent', 'dpop-agent', '--', process.execPath, '--import', 'tsx', 'electron/cli/main.ts', 'token', world.mcpUrl], setup.env);
    for (const result of [asOwner, inSession]) {
      expect(result.code).not.toBe(0);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(ErrorCode.TokenSenderConstrained);
      expect(result.stderr).toContain(`latchkey mcp ${world.mcpUrl}`);
      answers.push(result.stderr);
    }
  }, 60_000);
});

describe('T42: a prompt-injected agent asks the bridge for proofs it should not get', () => {
  it('no proof for a URL off the connection\'s origin, for a resource without a grant, nor with another agent\'s token', async () => {
    const secret = (await owner(['agent', 'add', 'injected'])).trim();
    await owner(['grant', 'add', 'injected', world.mcpUrl, '--scope', 'mcp:read']);
    const bridge = bridgeFor(secret);
    const handed = await bridge.token(world.mcpUrl);
    expect(handed.token_type).toBe('DPoP');
    const ath = accessTokenHash(handed.access_token);
    injected = { bridge, ath };
    const ok = await bridge.dpopProof({ resource: world.mcpUrl, method: 'POST', url: world.mcpUrl, ath });
    answers.push(JSON.stringify(ok));
    expect(decodeJwt(ok.proof)).toMatchObject({ htu: world.mcpUrl, ath });

    await expect(bridge.dpopProof({ resource: world.mcpUrl, method: 'POST', url: 'https://evil.example/', ath })).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    await expect(bridge.dpopProof({ resource: 'https://evil.example/', method: 'POST', url: 'https://evil.example/', ath })).rejects.toMatchObject({
      code: ErrorCode.GrantDenied,
    });
    // The second agent holds a grant on the same server, but the token is not one it was handed.
    const other = bridgeFor((await owner(['agent', 'add', 'bystander'])).trim());
    await owner(['grant', 'add', 'bystander', world.mcpUrl, '--scope', 'mcp:read']);
    await expect(other.dpopProof({ resource: world.mcpUrl, method: 'POST', url: world.mcpUrl, ath })).rejects.toMatchObject({ code: ErrorCode.GrantDenied });
    const audit = JSON.parse(await owner(['audit', '--json'])) as AuditEvent[];
    expect(JSON.stringify(audit)).not.toContain(handed.access_token);
  }, 90_000);
});

async function grantOf(agentName: string): Promise<Grant> {
  const agents = JSON.parse(await owner(['agent', 'list', '--json'])) as Array<{ id: string; name: string }>;
  const agentId = agents.find((a) => a.name === agentName)?.id;
  const grants = JSON.parse(await owner(['grant', 'list', '--json'])) as Grant[];
  const grant = grants.find((g) => g.agentId === agentId && g.resource === world.mcpUrl);
  if (grant === undefined) throw new Error(`no grant of ${agentName} on the world's server`);
  return grant;
}

describe('A8: revocation reaches a bound token at once', () => {
  it('after latchkey grant revoke, an agent holding a DPoP token gets no proof for it: its next call fails within 1 s', async () => {
    if (injected === undefined) throw new Error('the T42 bridge test did not run');
    const grant = await grantOf('injected');
    await owner(['grant', 'revoke', grant.id]);
    const revokedAt = performance.now();
    await expect(injected.bridge.dpopProof({ resource: world.mcpUrl, method: 'POST', url: world.mcpUrl, ath: injected.ath })).rejects.toMatchObject({
      code: expect.stringMatching(/^grant\./),
    });
    const latencyMs = Math.round(performance.now() - revokedAt);
    expect(latencyMs).toBeLessThan(1_000);
    console.info(`[dpop] grant revoke → refused proof for the held token: ${latencyMs} ms`);
  }, 60_000);

  it('after latchkey grant revoke, the agent behind latchkey mcp fails its next call within 1 s, its token unexpired, and nobody is asked again', async () => {
    const { token } = captured();
    expect((decodeJwt(token).exp ?? 0) * 1000).toBeGreaterThan(Date.now() + 60_000);
    const endpoint = await findOwnerEndpoint(setup.runtimeDir);
    if (endpoint === undefined) throw new Error('the daemon has no owner endpoint');
    const wallet = await openRemoteWallet(endpoint);
    try {
      await owner(['grant', 'revoke', (await grantOf('dpop-agent')).id]);
      const revokedAt = performance.now();
      const accepted = guard().counters.accepted;
      const outcome = await agent!.callTool({ name: 'echo', arguments: { text: 'after revoke' } }).then(
        (result) => ({ failed: (result as { isError?: boolean }).isError === true, text: toolText(result) }),
        (error: unknown) => ({ failed: true, text: String(error) }),
      );
      const failedMs = Math.round(performance.now() - revokedAt);
      expect(outcome.failed, outcome.text).toBe(true);
      expect(outcome.text).not.toContain('after revoke');
      expect(guard().counters.accepted).toBe(accepted);
      expect((await wallet.listApprovals({ status: 'pending' })).filter((a) => a.agentName === 'dpop-agent')).toEqual([]);
      expect(failedMs).toBeLessThan(1_000);
      console.info(`[dpop] grant revoke → latchkey mcp's next call failed: ${failedMs} ms`);
    } finally {
      await wallet.close();
    }
  }, 60_000);
});

describe('T42: the DPoP key is nowhere but in the encrypted vault', () => {
  it('no file under the home, no log line (debug), no audit record and no answer carries the private key or the token', async () => {
    const { token } = captured();
    answers.push(await owner(['connections', '--json']), await owner(['audit', '--json']));
    await stopCli(setup.daemon);
    const logs = setup.daemon.stdout + setup.daemon.stderr;
    expect(logs).toContain('debug');

    // The key, read the way only the wallet can: from the decrypted vault.
    const vault = await openVault({ dir: setup.home, mode: setup.env['LATCHKEY_VAULT'] === 'passphrase' ? 'passphrase' : 'keychain', ...passphraseOf(setup.env) });
    const keys = dpopKeysIn(vault.read());
    await vault.close();
    expect(keys).toHaveLength(1);
    const { d, x } = keys[0]!;
    const needles = [...encodings(d), ...encodings(token)];

    const files = await filesUnder(setup.home);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const bytes = await readFile(file);
      const text = bytes.toString('latin1');
      for (const needle of needles) expect(text.includes(needle), `${file} carries a secret`).toBe(false);
      expect(text.includes(x), `${file} carries the key's public half in plain text, a sign the JWK is stored unencrypted`).toBe(false);
    }
    for (const needle of encodings(d)) {
      expect(logs.includes(needle)).toBe(false);
      for (const answer of answers) expect(answer.includes(needle)).toBe(false);
    }
    expect(logs.includes(token)).toBe(false);
  }, 60_000);
});

function passphraseOf(env: Record<string, string>): { passphrase?: string } {
  const passphrase = env['LATCHKEY_PASSPHRASE'];
  return passphrase === undefined ? {} : { passphrase };
}

/** Every `dpopKey.privateJwk` in a vault document, wherever the connection records keep it. */
function dpopKeysIn(value: unknown): Array<{ d: string; x: string }> {
  if (typeof value !== 'object' || value === null) return [];
  const found: Array<{ d: string; x: string }> = [];
  const record = value as Record<string, unknown>;
  const key = (record['dpopKey'] as { privateJwk?: { d?: unknown; x?: unknown } } | undefined)?.privateJwk;
  if (typeof key?.d === 'string' && typeof key.x === 'string') found.push({ d: key.d, x: key.x });
  for (const child of Object.values(record)) found.push(...dpopKeysIn(child));
  return found;
}

/** A secret as a grep would look for it: as given (base64url), as standard base64, and as hex. */
function encodings(secret: string): string[] {
  const raw = /^[A-Za-z0-9_-]+$/.test(secret) ? Buffer.from(secret, 'base64url') : Buffer.from(secret, 'utf8');
  return [...new Set([secret, raw.toString('base64').replace(/=+$/, ''), raw.toString('hex'), Buffer.from(secret, 'utf8').toString('base64').replace(/=+$/, '')])];
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}
