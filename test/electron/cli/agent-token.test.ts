/**
 * An agent's `latchkey token` through agent-token.ts (what main.ts loads for it) answers exactly as
 * the whole CLI does: the same stdout, stderr and exit code for a token, a server without a grant,
 * a bridge that is down and a mistake in the arguments; and it hands back every call it does not
 * take (help, version, short options, no agent secret), so the whole CLI answers those.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentTokenCall, runAgentTokenCall } from '../../../electron/cli/agent-token.js';
import { ErrorCode } from '../../../shared/errors.js';
import { createHarness } from './harness.js';

const SERVER = 'https://mcp.example.com/mcp';
const NO_SIGNALS = { onSignal: () => () => undefined };

let dir: string;
let bridge: Server;
let socketPath: string;
/** The bodies the bridge was sent, to see that both paths ask the same. */
const asked: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lk-agent-token-'));
  socketPath = join(dir, 'bridge.sock');
  // Stands in for the daemon's bridge: a token for SERVER, a problem (no grant) for any other server.
  bridge = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      asked.push(`${req.method ?? ''} ${req.url ?? ''} ${req.headers['authorization'] ?? ''} ${body}`);
      const resource = (JSON.parse(body) as { resource?: string }).resource;
      if (resource === SERVER) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ access_token: 'at_for_the_agent', token_type: 'Bearer', expires_at: 2_000_000_000, scope: 'read' }));
        return;
      }
      res.writeHead(403, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'No grant', status: 403, code: ErrorCode.NoGrant, detail: 'This agent has no grant for that server.' }));
    });
  });
  await new Promise<void>((resolve) => bridge.listen(socketPath, resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => bridge.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  code: number | undefined;
  stdout: string;
  stderr: string;
}

async function bothPaths(argv: string[], env: NodeJS.ProcessEnv): Promise<{ whole: Answer; fast: Answer }> {
  const whole = createHarness({ env });
  const wholeCode = await whole.run(argv);
  const fast = createHarness({ env });
  const fastCode = await runAgentTokenCall(argv, fast.io, env, NO_SIGNALS);
  return {
    whole: { code: wholeCode, stdout: whole.stdout.text, stderr: whole.stderr.text },
    fast: { code: fastCode, stdout: fast.stdout.text, stderr: fast.stderr.text },
  };
}

describe("an agent's latchkey token, fast and through the whole CLI", () => {
  const agentEnv = (): NodeJS.ProcessEnv => ({ LATCHKEY_AGENT_SECRET: 'lk_agent_test_secret', LATCHKEY_BRIDGE_SOCKET: socketPath });

  it.each([
    ['a token', ['token', SERVER]],
    ['a token as JSON', ['token', SERVER, '--json']],
    ['a token for an account, scopes asked', ['token', SERVER, '--account', 'work', '--scope', 'read write', '--verbose']],
    ['a server without a grant', ['token', 'https://other.example.com/mcp']],
    ['a server without a grant, as JSON', ['token', 'https://other.example.com/mcp', '--json']],
    ['an unknown option', ['token', SERVER, '--bogus']],
    ['an unknown option, as JSON', ['token', SERVER, '--bogus', '--json']],
    ['no server', ['token']],
    ['two servers', ['token', SERVER, SERVER]],
    ['an option without its value', ['token', SERVER, '--account']],
    ['a flag given a value', ['token', SERVER, '--json=yes']],
    ['a bad account label', ['token', SERVER, '--account', 'not a label!']],
  ])('%s: the same answer', async (_name, argv) => {
    const before = asked.length;
    const { whole, fast } = await bothPaths(argv, agentEnv());
    expect(fast).toEqual(whole);
    // Both asked the bridge the same (or neither did).
    const sent = asked.slice(before);
    expect(sent.length % 2).toBe(0);
    expect(sent.slice(0, sent.length / 2)).toEqual(sent.slice(sent.length / 2));
  });

  it('prints the token, and a missing grant as the bridge named it', async () => {
    const { fast } = await bothPaths(['token', SERVER], agentEnv());
    expect(fast).toEqual({ code: 0, stdout: 'at_for_the_agent\n', stderr: '' });
    const refused = await bothPaths(['token', 'https://other.example.com/mcp'], agentEnv());
    expect(refused.fast.code).toBe(1);
    expect(refused.fast.stderr).toContain(ErrorCode.NoGrant);
  });

  it('a bridge that is down, a session secret and an unexpanded one: the same answer', async () => {
    for (const env of [
      { LATCHKEY_SESSION: 'lk_session_test_secret', LATCHKEY_BRIDGE_SOCKET: join(dir, 'nobody-listens.sock') },
      { LATCHKEY_SESSION: '${LATCHKEY_SESSION}', LATCHKEY_BRIDGE_SOCKET: socketPath },
      { LATCHKEY_AGENT_SECRET: 'lk_agent_test_secret', LATCHKEY_BRIDGE_URL: 'http://example.com:80/' },
    ]) {
      const { whole, fast } = await bothPaths(['token', SERVER], env);
      expect(fast, JSON.stringify(env)).toEqual(whole);
      expect(fast.code).toBe(1);
    }
  });

  it('hands back help, version, short options, a verb after an option and a call without an agent secret', async () => {
    const env = agentEnv();
    for (const argv of [['token', '--help'], ['token', SERVER, '-h'], ['token', SERVER, '--version'], ['token', SERVER, '-V'], ['--json', 'token', SERVER], ['tokens', SERVER], []]) {
      expect(isAgentTokenCall(argv, env), argv.join(' ')).toBe(false);
      expect(await runAgentTokenCall(argv, createHarness({ env }).io, env, NO_SIGNALS)).toBeUndefined();
    }
    for (const owner of [{}, { LATCHKEY_SESSION: '  ', LATCHKEY_BRIDGE_SOCKET: socketPath }]) {
      expect(isAgentTokenCall(['token', SERVER], owner)).toBe(false);
    }
    // Words after -- are positionals: no reason to hand the call back.
    expect(isAgentTokenCall(['token', '--', SERVER], env)).toBe(true);
  });
});
