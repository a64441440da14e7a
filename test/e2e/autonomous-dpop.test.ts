/**
 * R5 with A8 end to end, through real processes: the world's authorization server issues DPoP-bound
 * tokens (its nonce required) and its MCP server takes nothing else. An autonomous agent set up
 * with `agent add --autonomous --key` gets a DPoP key of its own client beside its signing key;
 * the administrator registers the signing key, and the agent's MCP SDK client lists and calls the
 * tools through `latchkey run … latchkey mcp`, each request with a proof the daemon's bridge signs
 * with that client's DPoP key. The token copied as Bearer is refused by the server, `latchkey token`
 * refuses to print it, and the bridge signs for no other origin.
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { accessTokenHash } from '../../electron/base/net/dpop-wire.js';
import { createBridgeClient, type BridgeClient } from '../../electron/agent/bridge-client/client.js';
import { SOCKET_FILE } from '../../electron/base/runtime/runtime-dir.js';
import type { DpopResourceGuard } from '../world/dpop-resource.js';
import { startWorld, type World } from '../world/index.js';
import { toolText } from '../support/agent-mcp.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { CLI_MAIN, REPO_ROOT, runCli } from '../support/run-cli.js';

interface AddedAutonomous {
  agent: { id: string; name: string };
  secret: string;
  client: { clientId: string; method: string; keyThumbprint?: string; dpopThumbprint?: string };
  verified: boolean;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

let world: World;
let setup: CliDaemon;
let agent: Client | undefined;
let bridge: BridgeClient | undefined;

beforeAll(async () => {
  world = await startWorld({ dpop: { requireNonce: true }, resourceDpop: { requireNonce: true } });
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-autonomous-dpop-', daemonArgs: ['--no-ui', '--approval-timeout', '2'] });
}, 60_000);

afterAll(async () => {
  bridge?.close();
  await agent?.close();
  await setup?.close();
  await world?.close();
});

function guard(): DpopResourceGuard {
  if (world.mcp.dpop === undefined) throw new Error("the world's MCP server was started without DPoP");
  return world.mcp.dpop;
}

function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** The agent's MCP SDK client, its stdio server `latchkey mcp` inside `latchkey run --agent <name>`. */
async function connectAgent(name: string): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  const mcp = ['--import', 'tsx', CLI_MAIN, 'mcp', '--allow-insecure-loopback', world.mcpUrl];
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: ['--import', 'tsx', CLI_MAIN, 'run', '--agent', name, '--', process.execPath, ...mcp],
      cwd: REPO_ROOT,
      env: { ...inheritedEnv(), ...setup.env },
      stderr: 'pipe',
    }),
  );
  return client;
}

describe('R5, A8: an autonomous agent whose own client is DPoP-bound', () => {
  it('agent add --autonomous --key: the agent lists and calls the tools through latchkey mcp with its client’s DPoP-bound token; a Bearer copy is refused', async () => {
    const started = performance.now();
    const add = await runCli(['agent', 'add', 'dpop-bot', '--autonomous', '--server', world.mcpUrl, '--client-id', 'dpop-bot-client', '--key', '--scope', 'mcp:read', '--json'], setup.env);
    expect(add.code, add.stderr).toBe(0);
    const added = JSON.parse(add.stdout) as AddedAutonomous;
    expect(added.client).toMatchObject({ clientId: 'dpop-bot-client', method: 'private_key_jwt', dpopThumbprint: expect.any(String) });
    expect(added.client.dpopThumbprint).not.toBe(added.client.keyThumbprint);
    // Only the signing key's public half is ever printed: the DPoP key never leaves the wallet.
    const jwks = JSON.parse(await setup.cli(['agent', 'jwks', 'dpop-bot'])) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys.map((key) => key['kid'])).toEqual([added.client.keyThumbprint]);
    for (const member of PRIVATE_MEMBERS) expect(jwks.keys[0]).not.toHaveProperty(member);

    // The administrator's step: a client with that id and the printed key, at the world's AS.
    // (oidc-provider keeps clients in its adapter; its typings leave the static `adapter` out.)
    const clients = (world.as.provider.Client as unknown as { adapter: { upsert(id: string, metadata: Record<string, unknown>): Promise<void> } }).adapter;
    await clients.upsert('dpop-bot-client', {
      client_id: 'dpop-bot-client',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      scope: 'mcp:read',
      jwks,
    });

    const asBefore = world.as.tokenRequests.length;
    const rsBefore = world.mcp.counters.requests;
    agent = await connectAgent('dpop-bot');
    const tools = await agent.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('whoami');
    const claims = JSON.parse(toolText(await agent.callTool({ name: 'whoami', arguments: {} }))) as { client_id?: string; scope: string };
    expect(claims).toMatchObject({ client_id: 'dpop-bot-client', scope: 'mcp:read' });
    const elapsed = Math.round(performance.now() - started);
    const grants = world.as.tokenRequests.slice(asBefore).map((request) => `${request.grantType}:${request.error ?? request.status}`);
    // One client credentials grant, proven with the client's DPoP key after the AS's nonce.
    expect(grants).toEqual(['client_credentials:use_dpop_nonce', 'client_credentials:200']);
    expect(world.opener.opened).toEqual([]);

    const seen = guard().lastAccepted;
    if (seen === undefined) throw new Error('the server accepted nothing');
    expect(seen.authorization).toMatch(/^DPoP /);
    const token = seen.authorization.slice('DPoP '.length);
    const jkt = (decodeJwt(token)['cnf'] as { jkt?: string } | undefined)?.jkt;
    expect(jkt).toBe(added.client.dpopThumbprint);
    expect(await calculateJwkThumbprint(decodeProtectedHeader(seen.proof).jwk as JWK, 'sha256')).toBe(jkt);
    console.info(
      `[identity] agent add --autonomous --key with DPoP → tools listed and called: ${elapsed} ms, ${grants.length} AS token requests (${grants.join(', ')}), ` +
        `${world.mcp.counters.requests - rsBefore} MCP requests`,
    );

    // The token copied as Bearer (or with no proof) is refused by the server.
    const refusedBefore = guard().counters.refused['bearer-for-bound-token'] ?? 0;
    const copy = await fetch(world.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(copy.status).toBe(401);
    expect(guard().counters.refused['bearer-for-bound-token']).toBe(refusedBefore + 1);

    // `latchkey token` under the agent's session will not print a token that works nowhere on its own.
    const printed = await runCli(['run', '--agent', 'dpop-bot', '--', process.execPath, '--import', 'tsx', CLI_MAIN, 'token', '--json', world.mcpUrl], setup.env);
    expect(printed.code).not.toBe(0);
    expect(JSON.parse(printed.stdout)).toMatchObject({ error: { code: ErrorCode.TokenSenderConstrained } });
    expect(printed.stdout + printed.stderr).not.toContain(token);

    // The bridge signs for the agent's own token, but only for the server's origin.
    bridge = createBridgeClient({ socketPath: join(setup.runtimeDir, SOCKET_FILE), secret: added.secret, timeoutMs: 10_000 });
    const ath = accessTokenHash(token);
    const proof = await bridge.dpopProof({ resource: world.mcpUrl, method: 'POST', url: world.mcpUrl, ath });
    expect(await calculateJwkThumbprint(decodeProtectedHeader(proof.proof).jwk as JWK, 'sha256')).toBe(jkt);
    const elsewhere = await bridge.dpopProof({ resource: world.mcpUrl, method: 'POST', url: 'http://127.0.0.1:9/elsewhere', ath }).catch((error: unknown) => error);
    expect(elsewhere).toMatchObject({ code: ErrorCode.InvalidInput });
  }, 120_000);
});
