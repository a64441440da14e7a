/**
 * R5 end to end, through real processes: `latchkey daemon` owns the wallet, the owner gives an
 * agent its own client with `latchkey agent credentials` (client_secret_basic), grants it the
 * world's MCP server, and the agent's `latchkey token` under `latchkey run` gets that client's
 * client credentials token: no owner connection, no browser. Then the one-step `agent add
 * --autonomous`: with a key the administrator registers (the test does, at the world's AS), with a
 * client registered by DCR, refused by the AS (nothing left behind), and `agent remove` after it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/agents.js';
import type { TokenResponse } from '../../shared/bridge.js';
import { startWorld, type World } from '../world/index.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { callTool, resultText } from '../support/mcp-call.js';
import { CLI_MAIN as MAIN, runCli } from '../support/run-cli.js';

interface AddedAutonomous {
  agent: { id: string; name: string; kind: string };
  secret: string;
  client: { clientId: string; issuer: string; method: string; keyThumbprint?: string };
  grant: { resource: string; scopes: string[] };
  publicJwk?: Record<string, unknown>;
  verified: boolean;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

/** `latchkey token --json` for the world's server, as the agent, under `latchkey run`. */
function agentToken(agent: string): ReturnType<typeof runCli> {
  return runCli(['run', '--agent', agent, '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', world.mcpUrl], setup.env);
}

/** The `whoami` tool's claims for a token: the server sees the agent's own client. */
async function whoami(token: string): Promise<{ client_id?: string; scope: string }> {
  return JSON.parse(resultText(await callTool(world.mcpUrl, token, 'whoami'))) as { client_id?: string; scope: string };
}

let world: World;
let setup: CliDaemon;

beforeAll(async () => {
  world = await startWorld();
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-autonomous-', daemonArgs: ['--no-ui', '--approval-timeout', '2'] });
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
});

describe('R5: an autonomous agent, end to end', () => {
  it('R5: an agent with its own client lists and calls the world’s tools with no browser and no owner connection', async () => {
    const registered = (await (
      await fetch(`${world.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_types: ['client_credentials'], response_types: [], redirect_uris: [], scope: 'mcp:read mcp:write', token_endpoint_auth_method: 'client_secret_basic' }),
      })
    ).json()) as { client_id: string; client_secret: string };
    const started = performance.now();
    const asBefore = world.as.tokenRequests.length;
    await setup.cli(['agent', 'add', 'nightly-bot', '--kind', 'autonomous']);
    const added = await runCli(['agent', 'credentials', 'nightly-bot', '--server', world.mcpUrl, `--client-id=${registered.client_id}`, '--client-secret-stdin'], setup.env, registered.client_secret);
    expect(added.code, added.stderr).toBe(0);
    const granted = await runCli(['grant', 'add', 'nightly-bot', world.mcpUrl, '--scope', 'mcp:read'], setup.env);
    expect(granted.code, granted.stderr).toBe(0);
    const run = await runCli(['run', '--agent', 'nightly-bot', '--', process.execPath, '--import', 'tsx', MAIN, 'token', '--json', world.mcpUrl], setup.env);
    expect(run.code, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout) as TokenResponse;
    expect(resultText(await callTool(world.mcpUrl, token.access_token, 'echo', { text: 'no browser' }))).toBe('no browser');
    expect(world.mcp.lastClaims?.client_id ?? registered.client_id).toBe(registered.client_id);
    const elapsed = Math.round(performance.now() - started);
    // The token endpoint requests the world recorded (the daemon read the AS metadata once, at `agent credentials`).
    const asRequests = world.as.tokenRequests.length - asBefore;

    expect(world.opener.opened).toEqual([]);
    expect(world.as.tokenRequestCount('authorization_code')).toBe(0);
    expect(asRequests).toBe(1);
    const audit = JSON.parse(await setup.cli(['audit', '--json', '--agent', 'nightly-bot'])) as AuditEvent[];
    expect(audit.find((entry) => entry.type === 'token.issued')).toMatchObject({ reason: 'agent-client', resource: world.mcpUrl });
    expect(JSON.stringify(audit) + added.stdout + added.stderr).not.toContain(registered.client_secret);
    console.log(`[identity] client_credentials basic: ${elapsed} ms, ${asRequests} AS requests`);
  }, 90_000);

  it('R5: agent add --autonomous --key: the administrator registers the printed public key and the agent lists its tools with no browser', async () => {
    const started = performance.now();
    const asBefore = world.as.tokenRequests.length;
    const add = await runCli(['agent', 'add', 'key-bot', '--autonomous', '--server', world.mcpUrl, '--client-id', 'key-bot-client', '--key', '--scope', 'mcp:read', '--json'], setup.env);
    expect(add.code, add.stderr).toBe(0);
    const added = JSON.parse(add.stdout) as AddedAutonomous;
    expect(added).toMatchObject({ agent: { name: 'key-bot', kind: 'autonomous' }, client: { clientId: 'key-bot-client', method: 'private_key_jwt' }, grant: { scopes: ['mcp:read'] }, verified: false });
    const publicJwk = added.publicJwk ?? {};
    for (const member of PRIVATE_MEMBERS) expect(publicJwk).not.toHaveProperty(member);
    expect(publicJwk['kid']).toBe(added.client.keyThumbprint);
    // `agent jwks` prints the same key alone; --cimd wraps it in a client metadata document.
    const jwks = JSON.parse(await setup.cli(['agent', 'jwks', 'key-bot'])) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toEqual([publicJwk]);
    const cimd = JSON.parse(await setup.cli(['agent', 'jwks', 'key-bot', '--cimd', 'https://agents.example.test/key-bot.json'])) as Record<string, unknown>;
    expect(cimd).toMatchObject({ client_id: 'https://agents.example.test/key-bot.json', client_name: 'key-bot', grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } });

    // The administrator's step: a client with that id and the printed key (never a private part), at the world's AS.
    // (oidc-provider keeps clients in its adapter; its typings leave the static `adapter` out.)
    const clients = (world.as.provider.Client as unknown as { adapter: { upsert(id: string, metadata: Record<string, unknown>, expiresIn?: number): Promise<void> } }).adapter;
    await clients.upsert('key-bot-client', {
      client_id: 'key-bot-client',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'private_key_jwt',
      token_endpoint_auth_signing_alg: 'ES256',
      scope: 'mcp:read',
      jwks: jwks,
    });
    const run = await agentToken('key-bot');
    expect(run.code, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout) as TokenResponse;
    expect(await whoami(token.access_token)).toMatchObject({ client_id: 'key-bot-client', scope: 'mcp:read' });
    const elapsed = Math.round(performance.now() - started);
    const asRequests = world.as.tokenRequests.length - asBefore;
    expect(world.opener.opened).toEqual([]);
    expect(asRequests).toBe(1);
    console.info(`[identity] agent add --autonomous --key (admin registers the key) → first tool call: ${elapsed} ms, ${asRequests} AS token requests, 0 registrations`);
  }, 90_000);

  it('R5: agent add --autonomous --register: a client for a generated key by DCR, tried once, then the agent calls the tools; agent remove cleans up', async () => {
    const started = performance.now();
    const asBefore = world.as.tokenRequests.length;
    const registrationsBefore = world.as.registrations.length;
    const add = await runCli(['agent', 'add', 'reg-bot', '--autonomous', '--server', world.mcpUrl, '--register', '--json'], setup.env);
    expect(add.code, add.stderr).toBe(0);
    const added = JSON.parse(add.stdout) as AddedAutonomous;
    // No --scope: the server's advertised scopes.
    expect(added).toMatchObject({ client: { method: 'private_key_jwt' }, grant: { scopes: ['mcp:read', 'mcp:write'] }, verified: true });
    const registration = world.as.registrations.slice(registrationsBefore);
    expect(registration).toHaveLength(1);
    expect(registration[0]?.clientId).toBe(added.client.clientId);
    expect(registration[0]?.metadata).toMatchObject({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', client_name: 'reg-bot' });
    const registeredKeys = (registration[0]?.metadata['jwks'] as { keys: Array<Record<string, unknown>> }).keys;
    expect(registeredKeys.map((key) => key['kid'])).toEqual([added.client.keyThumbprint]);
    for (const member of PRIVATE_MEMBERS) expect(registeredKeys[0]).not.toHaveProperty(member);

    const run = await agentToken('reg-bot');
    expect(run.code, run.stderr).toBe(0);
    const token = JSON.parse(run.stdout) as TokenResponse;
    expect(await whoami(token.access_token)).toMatchObject({ client_id: added.client.clientId });
    const elapsed = Math.round(performance.now() - started);
    // One token request: the check at `agent add`, whose token the agent's first request is handed from the cache.
    const asRequests = world.as.tokenRequests.length - asBefore;
    expect(asRequests).toBe(1);
    expect(world.opener.opened).toEqual([]);
    console.info(`[identity] agent add --autonomous --register → first tool call: ${elapsed} ms, ${asRequests} AS token request, ${registration.length} registration`);

    const shown = await setup.cli(['agent', 'show', 'reg-bot']);
    expect(shown).toContain(added.client.keyThumbprint ?? '');
    expect(shown).toContain('private_key_jwt');

    const removeStarted = performance.now();
    const revocationsBefore = world.as.revocations.length;
    const removed = await setup.cli(['agent', 'remove', 'reg-bot']);
    expect(removed).toContain('Its own client and its key were deleted from the vault');
    const removeMs = Math.round(performance.now() - removeStarted);
    // The token the client was issued is taken to the AS's revocation endpoint, as the client.
    const revocations = world.as.revocations.slice(revocationsBefore);
    expect(revocations).toEqual([expect.objectContaining({ clientId: added.client.clientId, tokenTypeHint: 'access_token' })]);
    // A removed agent's events are filed under its id.
    const audit = JSON.parse(await setup.cli(['audit', '--json', '--agent', added.agent.id])) as AuditEvent[];
    expect(audit.find((entry) => entry.type === 'client.removed')).toMatchObject({ agentName: 'reg-bot', issuer: world.issuer, resource: world.mcpUrl });
    console.info(`[identity] agent remove (own client): ${removeMs} ms, ${revocations.length} revocation request`);

    // The agent's next token request fails, and the vault holds no client and no key for it.
    const after = await agentToken('reg-bot');
    expect(after.code).not.toBe(0);
    expect(JSON.parse(await setup.cli(['agent', 'list', '--json'])) as unknown[]).not.toContainEqual(expect.objectContaining({ name: 'reg-bot' }));
    const clients = await runCli(['agent', 'jwks', added.agent.id], setup.env);
    expect(clients.code).not.toBe(0);
    expect(JSON.stringify(JSON.parse(await setup.cli(['agent', 'list', '--json'])))).not.toContain(added.agent.id);
  }, 90_000);

  it('R5: a client the AS refuses leaves nothing behind: the error keeps the server\'s code and hint, the agent is gone', async () => {
    const started = performance.now();
    const asBefore = world.as.tokenRequests.length;
    const add = await runCli(['agent', 'add', 'bad-bot', '--autonomous', '--server', world.mcpUrl, '--client-id', 'nobody-registered-me', '--client-secret-stdin', '--scope', 'mcp:read'], setup.env, 'not-a-real-secret-0123456789');
    const elapsed = Math.round(performance.now() - started);
    const asRequests = world.as.tokenRequests.length - asBefore;
    expect(add.code).not.toBe(0);
    expect(add.stdout).toBe('');
    expect(add.stderr).toContain('identity.client_rejected');
    expect(add.stderr).toContain('invalid_client');
    expect(add.stderr).not.toContain('not-a-real-secret-0123456789');
    expect(asRequests).toBe(1);
    const agents = JSON.parse(await setup.cli(['agent', 'list', '--json'])) as Array<{ name: string }>;
    expect(agents.map((agent) => agent.name)).not.toContain('bad-bot');
    const grants = JSON.parse(await setup.cli(['grant', 'list', '--json'])) as Array<{ agentId: string }>;
    const audit = (JSON.parse(await setup.cli(['audit', '--json'])) as AuditEvent[]).filter((entry) => entry.agentName === 'bad-bot');
    expect(audit.map((entry) => entry.type)).toEqual(expect.arrayContaining(['agent.enrolled', 'client.set', 'agent.removed', 'client.removed']));
    expect(grants.filter((grant) => !agents.some((agent) => (agent as { id?: string }).id === grant.agentId))).toEqual([]);
    console.info(`[identity] agent add --autonomous refused by the AS (undone): ${elapsed} ms, ${asRequests} AS token request`);
  }, 60_000);
});
