/**
 * `latchkey agent add --autonomous` (R5) against the real wallet in memory and the test world's
 * servers: what each combination of options means, the one result it prints, and an AS without
 * a registration endpoint leaving no agent behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeWallet, type ComposedWallet } from '../../../electron/wallet/wallet.js';
import { validatedWallet } from '../../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { startWorld, type World } from '../../world/index.js';
import { createHarness } from './harness.js';

let world: World;
let composed: ComposedWallet;
let wallet: Wallet;

beforeAll(async () => {
  world = await startWorld();
  composed = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: true, vault: { mode: 'memory' } }, { env: {} });
  // The CLI closes the wallet it ran against; the test closes it at the end.
  wallet = { ...validatedWallet(composed.wallet), close: async () => {} };
});

afterAll(async () => {
  await composed?.wallet.close();
  await world?.close();
});

describe('latchkey agent add --autonomous', () => {
  it('asks for a server, and for exactly one way to its client', async () => {
    const cases: Array<[string[], string]> = [
      [[], 'needs --server'],
      [['--server', 'https://mcp.example.test/mcp'], 'a client id from its administrator, or register one'],
      [['--server', 'https://mcp.example.test/mcp', '--register', '--client-id', 'c1'], 'a client id from its administrator, or register one'],
      [['--server', 'https://mcp.example.test/mcp', '--client-id', 'c1'], 'a secret or a key'],
      [['--server', 'https://mcp.example.test/mcp', '--client-id', 'c1', '--key', '--client-secret-stdin'], 'a secret or a key'],
      [['--server', 'https://mcp.example.test/mcp', '--register', '--client-secret-stdin'], 'not a secret'],
      [['--server', 'https://mcp.example.test/mcp', '--register', '--key-alg', 'HS256'], 'not supported'],
      [['--server', 'https://mcp.example.test/mcp', '--register', '--kind', 'interactive'], 'contradict'],
    ];
    for (const [extra, message] of cases) {
      const h = createHarness({ wallet });
      expect(await h.run(['agent', 'add', 'some-bot', '--autonomous', ...extra]), extra.join(' ')).not.toBe(0);
      expect(h.stderr.text, extra.join(' ')).toContain(message);
    }
    expect(await wallet.listAgents()).toEqual([]);
  });

  it('R5: --key prints one result: the agent, its client, its grant and the public key to register, the secret alone on stdout', async () => {
    const h = createHarness({ wallet });
    const code = await h.run(['agent', 'add', 'key-bot', '--autonomous', '--server', world.mcpUrl, '--client-id', 'key-bot-client', '--key', '--scope', 'mcp:read']);
    expect(code, h.stderr.text).toBe(0);
    expect(h.stdout.text).toMatch(/^lk_agent_\S+\n$/u);
    expect(h.stderr.text).toContain('own client: key-bot-client');
    expect(h.stderr.text).toContain(`grant:      ${world.mcpUrl}  scopes mcp:read`);
    expect(h.stderr.text).toContain('not checked yet: register this public key');
    expect(h.stderr.text).not.toMatch(/"d":/u);
    const list = createHarness({ wallet });
    expect(await list.run(['agent', 'list'])).toBe(0);
    expect(list.stdout.text).toMatch(/Own clients:\n.*KEY THUMBPRINT\n.*key-bot\s+\S+\s+private_key_jwt/u);
    const jwks = createHarness({ wallet });
    expect(await jwks.run(['agent', 'jwks', 'key-bot', '--server', world.mcpUrl])).toBe(0);
    const keys = (JSON.parse(jwks.stdout.text) as { keys: Array<Record<string, unknown>> }).keys;
    expect(keys).toHaveLength(1);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(keys[0]).not.toHaveProperty(member);
  });

  it('R5: agent jwks --cimd needs an https URL with a path', async () => {
    const h = createHarness({ wallet });
    expect(await h.run(['agent', 'jwks', 'key-bot', '--cimd', 'http://agents.example.test/key-bot.json'])).not.toBe(0);
    expect(h.stderr.text).toContain('must be https');
  });

  it('R5: --register at an AS without a registration endpoint says what to do instead, and leaves no agent', async () => {
    const closed = await composeWallet(
      { home: '/nonexistent', allowInsecureLoopback: true, vault: { mode: 'memory' } },
      {
        env: {},
        // The world's AS, with its registration endpoint left out of its metadata.
        fetch: async (input, init) => {
          const response = await fetch(input, init);
          if (!String(input).includes('/.well-known/oauth-authorization-server') && !String(input).includes('/.well-known/openid-configuration')) return response;
          const { registration_endpoint: _gone, ...metadata } = (await response.json()) as Record<string, unknown>;
          return Response.json(metadata);
        },
      },
    );
    try {
      const other = { ...validatedWallet(closed.wallet), close: async () => {} };
      const h = createHarness({ wallet: other });
      expect(await h.run(['agent', 'add', 'reg-bot', '--autonomous', '--server', world.mcpUrl, '--register'])).not.toBe(0);
      expect(h.stderr.text).toContain('identity.registration_unavailable');
      expect(h.stderr.text).toContain('--client-id ID --key');
      expect(h.stdout.text).toBe('');
      expect(await other.listAgents()).toEqual([]);
      expect(await other.listAgentClients({})).toEqual([]);
      expect((await other.queryAudit()).map((entry) => entry.type)).toEqual(['agent.enrolled', 'agent.removed']);
    } finally {
      await closed.wallet.close();
    }
  });
});
