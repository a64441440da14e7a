/**
 * T5 and T40 through real processes, against an authorization server that offers RFC 8693 token
 * exchange: an agent's session delegates to a sub-agent (--scope mcp:read), which delegates again.
 * Each sub-agent's token is an exchanged one: its scope is the child's, its `act` names the
 * wallet's client once per delegation level (nested), its subject is the owner, and the MCP
 * server accepts it. The audit marks the hand-outs as exchanged and keeps the chain. Wall time and
 * the authorization server's requests per grant type are printed for the closing note.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../shared/agents.js';
import { startWorld, type World } from '../world/index.js';
import { TOKEN_EXCHANGE_GRANT } from '../world/token-exchange-grant.js';
import { startCliDaemon, type CliDaemon } from '../support/cli-daemon.js';
import { CLI_MAIN, runCli } from '../support/run-cli.js';

let world: World;
let setup: CliDaemon;
/** `latchkey …` as a command line for a child process: node, tsx, the CLI's main. */
const LATCHKEY = [process.execPath, '--import', 'tsx', CLI_MAIN];

beforeAll(async () => {
  world = await startWorld({ tokenExchange: true });
  setup = await startCliDaemon(world, { homePrefix: 'latchkey-d3-' });
  await setup.cli(['connect', world.mcpUrl]);
  await setup.cli(['agent', 'add', 'lead']);
  await setup.cli(['grant', 'add', 'lead', world.mcpUrl, '--scope', 'mcp:read', '--scope', 'mcp:write']);
}, 90_000);

afterAll(async () => {
  await setup?.close();
  await world?.close();
});

/** A node script block that runs `argv` (a command line) and prints its output after `label`. */
function runAndPrint(label: string, argv: readonly string[]): string {
  return [
    '{',
    `const done = require('node:child_process').spawnSync(${JSON.stringify(argv[0])}, ${JSON.stringify(argv.slice(1))}, { encoding: 'utf8' });`,
    `process.stdout.write(${JSON.stringify(label)} + ' ' + done.stdout.replace(/\\s*\\n\\s*/g, '') + '\\n');`,
    'if (done.status !== 0) { process.stderr.write(done.stderr); process.exit(done.status ?? 1); }',
    '}',
  ].join('\n');
}

/** A node script that runs `argv` with its output passed through. */
function passThrough(argv: readonly string[]): string {
  return [
    `const done = require('node:child_process').spawnSync(${JSON.stringify(argv[0])}, ${JSON.stringify(argv.slice(1))}, { stdio: 'inherit' });`,
    'process.exit(done.status ?? 1);',
  ].join('\n');
}

interface HandedToken {
  access_token: string;
  scope: string;
}

function tokenAfter(label: string, stdout: string): HandedToken {
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(`${label} `));
  expect(line, stdout).toBeDefined();
  return JSON.parse(line!.slice(label.length + 1)) as HandedToken;
}

function counts(): Record<string, number> {
  const byGrant: Record<string, number> = {};
  for (const request of world.as.tokenRequests) byGrant[request.grantType] = (byGrant[request.grantType] ?? 0) + 1;
  return byGrant;
}

describe('T5/T40: delegated sessions get exchanged tokens where the server offers token exchange', () => {
  it('two levels of sub-agents: scope is the child’s, act nests once per level, the MCP server accepts it, the audit marks it', async () => {
    const clientId = world.as.registrations[0]?.clientId;
    expect(clientId).toBeDefined();
    expect(world.as.registrations[0]?.metadata['grant_types']).toContain(TOKEN_EXCHANGE_GRANT);
    const token = [...LATCHKEY, 'token', world.mcpUrl, '--json'];
    // The first sub-agent prints its own token, then starts the second and prints that one's.
    const firstLevel = [runAndPrint('D1', token), runAndPrint('D2', [...LATCHKEY, 'run', '--delegate', '--scope', 'mcp:read', '--', ...token])].join('\n');
    const parent = passThrough([...LATCHKEY, 'run', '--delegate', '--scope', 'mcp:read', '--', process.execPath, '-e', firstLevel]);
    const before = counts();
    const started = performance.now();
    const run = await runCli(['run', '--agent', 'lead', '--', process.execPath, '-e', parent], setup.env);
    const wallMs = performance.now() - started;
    expect(run.code, `${run.stderr}\n${run.stdout}\n${JSON.stringify(world.as.tokenRequests.slice(-4))}`).toBe(0);
    const after = counts();
    const requests = Object.fromEntries(Object.keys(after).map((grant) => [grant, (after[grant] ?? 0) - (before[grant] ?? 0)]).filter(([, n]) => n !== 0));
    console.info(`T5 exchange e2e: ${Math.round(wallMs)} ms wall (CLI run, two delegations, two tokens); AS token requests: ${JSON.stringify(requests)}`);

    const first = tokenAfter('D1', run.stdout);
    const second = tokenAfter('D2', run.stdout);
    for (const handed of [first, second]) {
      expect(handed.scope).toBe('mcp:read');
      const claims = decodeJwt(handed.access_token);
      expect(claims.scope).toBe('mcp:read');
      expect(claims.aud).toBe(world.mcpUrl);
      expect(typeof claims.sub).toBe('string');
    }
    expect(decodeJwt(first.access_token)['act']).toEqual({ sub: clientId });
    expect(decodeJwt(second.access_token)['act']).toEqual({ sub: clientId, act: { sub: clientId } });
    // Root subject once (refresh), then one exchange per hand-out and one for the second level's subject.
    expect(requests[TOKEN_EXCHANGE_GRANT]).toBe(3);
    expect(requests['refresh_token']).toBe(1);

    const answer = await fetch(world.mcpUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${second.access_token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'd3', version: '1' } } }),
    });
    expect(answer.status).toBe(200);

    const events = JSON.parse(await setup.cli(['audit', '--json'])) as AuditEvent[];
    const issued = events.filter((e) => e.type === 'token.issued' && e.agentName === 'lead').slice(-2);
    expect(issued.map((e) => e.reason)).toEqual(['token-exchange', 'token-exchange']);
    expect(issued[1]?.chain).toEqual([expect.stringMatching(/^ses_/), expect.stringMatching(/^ses_/), expect.stringMatching(/^ses_/), 'lead', 'owner']);
    expect(issued[1]?.owner).toBe(decodeJwt(second.access_token).sub);
  }, 180_000);

  it('asking a sub-agent for a scope outside its slice is refused by the wallet before any exchange', async () => {
    const before = world.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT);
    const run = await runCli(['run', '--agent', 'lead', '--', ...LATCHKEY, 'run', '--delegate', '--scope', 'mcp:read', '--', ...LATCHKEY, 'token', world.mcpUrl, '--scope', 'mcp:write'], setup.env);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('mcp:write');
    expect(world.as.tokenRequestCount(TOKEN_EXCHANGE_GRANT)).toBe(before);
  }, 120_000);
});
