/**
 * Agent mode in-process: `latchkey whoami` and `latchkey token` with a session secret in the
 * environment talk to a bridge (a fake one speaking the real protocol, through the real bridge
 * client) and never open the wallet.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENV_BRIDGE_URL, ENV_SESSION_SECRET } from '../../../shared/bridge.js';
import { startBridgeServer } from '../../../electron/wallet/bridge/server.js';
import { FAKE_AGENT_SECRET, FAKE_TOKEN, FakeBridgeHandler } from '../../fakes/fake-bridge-handler.js';
import { openMemoryWallet } from '../../support/memory-wallet.js';
import { FAKE_WHOAMI, startFakeBridge, type FakeBridge } from '../../fakes/fake-bridge.js';
import { createHarness } from './harness.js';

const SESSION_SECRET = 'lks_session_WHOAMI-CANARY-abcdefghijklmnop';
const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJl';

let bridge: FakeBridge;
beforeAll(async () => {
  bridge = await startFakeBridge({
    secrets: [SESSION_SECRET],
    token: (request) =>
      request.resource === 'unknown'
        ? { problem: { status: 403, code: 'grant.denied', detail: 'The owner denied the request.' } }
        : {
            access_token: TOKEN,
            token_type: 'Bearer',
            expires_at: 1_700_000_900,
            scope: (request.scopes ?? ['files:read']).join(' '),
            refresh_token: 'REFRESH-CANARY-never-printed',
          },
  });
});
afterAll(async () => {
  await bridge?.close();
});

const agentEnv = (): NodeJS.ProcessEnv => ({ [ENV_SESSION_SECRET]: SESSION_SECRET, [ENV_BRIDGE_URL]: bridge.url });

describe('latchkey whoami (agent mode)', () => {
  it('prints the agent, its session and grants, without opening the wallet', async () => {
    const h = createHarness({ env: agentEnv() });
    expect(await h.run(['whoami'])).toBe(0);
    expect(h.stdout.text).toContain('agent    test-agent (interactive, agt_AAAAAAAAAAAAAAAAAAAA)');
    expect(h.stdout.text).toContain('session  ses_BBBBBBBBBBBBBBBBBBBB');
    expect(h.stdout.text).toMatch(/https:\/\/mcp\.example\.com\/mcp\s+files:read\s+allow\s+tokens ≤ 15 min\s+no expiry/);
    expect(h.configs).toHaveLength(0);
    expect(bridge.whoamiSecrets.at(-1)).toBe(SESSION_SECRET);
  });

  it('T40: in a delegated session it prints the chain and the slice', async () => {
    const delegated = await startFakeBridge({
      secrets: [SESSION_SECRET],
      whoami: () => ({
        ...FAKE_WHOAMI,
        session: { id: 'ses_CHILD', expires_at: 1_700_000_900, parent_id: 'ses_PARENT', chain: ['ses_CHILD', 'ses_PARENT', 'test-agent', 'owner'], slice: { scopes: ['files:read'] } },
      }),
    });
    try {
      const h = createHarness({ env: { [ENV_SESSION_SECRET]: SESSION_SECRET, [ENV_BRIDGE_URL]: delegated.url } });
      expect(await h.run(['whoami'])).toBe(0);
      expect(h.stdout.text).toContain('chain    ses_CHILD ← ses_PARENT ← test-agent ← owner');
      expect(h.stdout.text).toContain('slice    every granted server; files:read');
    } finally {
      await delegated.close();
    }
  });

  it('--json prints the bridge answer', async () => {
    const h = createHarness({ env: agentEnv() });
    expect(await h.run(['whoami', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(FAKE_WHOAMI);
  });

  it('outside a session it says how to get one (agent.no_session), still without a wallet', async () => {
    const h = createHarness({ env: {} });
    expect(await h.run(['whoami'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[agent\.no_session\]: .+\nhint: Start the agent with "latchkey run --agent NAME -- <command>"/);
    expect(h.configs).toHaveLength(0);
  });

  it('a wrong secret gets the bridge\'s code', async () => {
    const h = createHarness({ env: { [ENV_SESSION_SECRET]: 'lks_session_wrong', [ENV_BRIDGE_URL]: bridge.url } });
    expect(await h.run(['whoami'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[bridge\.unauthenticated\]/);
    expect(h.stderr.text).not.toContain('lks_session_wrong');
  });
});

describe('latchkey token (agent mode)', () => {
  it('prints only the token (credential-helper style), asked with the session secret, no wallet', async () => {
    const h = createHarness({ env: agentEnv() }); // it would fail to open a wallet
    expect(await h.run(['token', 'https://mcp.example.com/mcp'])).toBe(0);
    expect(h.stdout.text).toBe(`${TOKEN}\n`);
    expect(h.stderr.text).toBe('');
    expect(h.configs).toHaveLength(0);
    expect(bridge.tokenRequests.at(-1)).toEqual({ secret: SESSION_SECRET, resource: 'https://mcp.example.com/mcp', scopes: undefined });
  });

  it('B15 (client): --json prints the four TokenResponse fields and never a refresh token; --scope is passed on', async () => {
    const h = createHarness({ env: agentEnv() });
    expect(await h.run(['token', 'files', '--json', '--scope', 'files:read', '--scope', 'files:write'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual({ access_token: TOKEN, token_type: 'Bearer', expires_at: 1_700_000_900, scope: 'files:read files:write' });
    expect(h.stdout.text).not.toContain('REFRESH-CANARY');
    expect(bridge.tokenRequests.at(-1)?.scopes).toEqual(['files:read', 'files:write']);
  });

  it('a refusal from the bridge is an error with its code and nothing on stdout', async () => {
    const h = createHarness({ env: agentEnv() });
    expect(await h.run(['token', 'unknown'])).toBe(1);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toMatch(/^error\[grant\.denied\]: The owner denied the request\./);
  });

  it('without a session it keeps the owner behaviour (the wallet), and --scope is refused there', async () => {
    const memory = await openMemoryWallet();
    const wallet = memory.wallet;
    const h = createHarness({ env: {}, wallet });
    // The owner's wallet answers: it has no connection to the server.
    expect(await h.run(['token', 'https://mcp.example.com/mcp'])).toBe(1);
    expect(h.configs).toHaveLength(1);
    expect(h.stderr.text).toMatch(/^error\[connection\.not_found\]/mu);
    await memory.close();
    const scoped = createHarness({ env: {}, wallet });
    expect(await scoped.run(['token', 'https://mcp.example.com/mcp', '--scope', 'x'])).toBe(2);
    expect(scoped.stderr.text).toMatch(/--scope is for agents inside a session/);
    expect(scoped.configs).toHaveLength(0);
  });
});

describe('agent mode against the real bridge server (Unix socket, found through the discovery file)', () => {
  it('latchkey token and whoami reach the real server with the agent secret; no wallet opened', async () => {
    const runtimeDir = await mkdtemp(join(tmpdir(), 'lk-agent-'));
    const handler = new FakeBridgeHandler();
    const server = await startBridgeServer({ handler, runtimeDir, tcp: false });
    try {
      const env = { LATCHKEY_AGENT_SECRET: FAKE_AGENT_SECRET, LATCHKEY_RUNTIME_DIR: runtimeDir };
      const token = createHarness({ env });
      expect(await token.run(['token', 'https://mcp.example/mcp', '--scope', 'read'])).toBe(0);
      expect(token.stdout.text).toBe(`${FAKE_TOKEN}\n`);
      expect(handler.tokenCalls.map((call) => call.request)).toEqual([{ resource: 'https://mcp.example/mcp', scopes: ['read'] }]);
      const whoami = createHarness({ env });
      expect(await whoami.run(['whoami', '--json'])).toBe(0);
      expect(JSON.parse(whoami.stdout.text)).toMatchObject({ agent: { name: 'test-agent' } });
      expect(token.configs.length + whoami.configs.length).toBe(0);
    } finally {
      await server.close();
      await rm(runtimeDir, { recursive: true, force: true });
    }
  });
});
