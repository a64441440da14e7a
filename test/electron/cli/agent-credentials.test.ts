/**
 * `latchkey agent credentials` (R5) against the real wallet and the test world's servers: the
 * secret comes from stdin and is never printed; with --key the public JWK set alone goes to stdout.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeWallet, type ComposedWallet } from '../../../electron/wallet/wallet.js';
import { validatedWallet } from '../../../electron/wallet/host/owner-call.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { startWorld, type World } from '../../world/index.js';
import { createHarness } from './harness.js';

const SECRET = 'agent-client-secret-never-printed-0123';

let world: World;
let composed: ComposedWallet;
let wallet: Wallet;

beforeAll(async () => {
  world = await startWorld();
  composed = await composeWallet({ home: '/nonexistent', allowInsecureLoopback: true, vault: { mode: 'memory' } }, { env: {} });
  // The CLI closes the wallet it ran against; the test closes it at the end.
  wallet = { ...validatedWallet(composed.wallet), close: async () => {} };
  await wallet.enrolAgent({ name: 'ci-bot' });
});

afterAll(async () => {
  await composed?.wallet.close();
  await world?.close();
});

describe('latchkey agent credentials', () => {
  it('R5: --client-secret-stdin keeps the secret in the vault and prints it nowhere', async () => {
    const h = createHarness({ wallet, stdin: SECRET });
    expect(await h.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--client-id', 'ci-bot-client', '--client-secret-stdin'])).toBe(0);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toContain(`own client ci-bot-client at ${world.issuer}`);
    expect(h.stderr.text + JSON.stringify(await wallet.queryAudit())).not.toContain(SECRET);
    expect(await wallet.queryAudit({ type: 'client.set' })).toEqual([expect.objectContaining({ agentName: 'ci-bot', resource: world.mcpUrl, issuer: world.issuer, reason: 'agent-client:client_secret_basic' })]);
  });

  it('R5: --key prints the public JWK set alone on stdout, with the thumbprint as kid and no private part', async () => {
    const h = createHarness({ wallet });
    const code = await h.run(["agent", "credentials", "ci-bot", "--server", world.mcpUrl, "--client-id", "ci-bot-client", "--key", "--key-alg", "RS256"]);
    expect(code, h.stderr.text).toBe(0);
    const jwks = JSON.parse(h.stdout.text) as { keys: Array<Record<string, unknown>> };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwks.keys[0]).not.toHaveProperty(part);
    expect(h.stderr.text).toContain(`kid ${String(jwks.keys[0]?.['kid'])}`);
  });

  it('asks for exactly one of a secret and a key', async () => {
    for (const extra of [[], ['--client-secret-stdin', '--key']]) {
      const h = createHarness({ wallet });
      expect(await h.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--client-id', 'c1', ...extra])).not.toBe(0);
      expect(h.stderr.text).toContain('one credential: a secret, a key or a workload token source');
    }
  });

  it('a client id that starts with "-" (an AS may generate one) is refused with the "=" form as the way, and taken in it', async () => {
    const spaced = createHarness({ wallet });
    expect(await spaced.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--client-id', '-dash-first', '--workload-token-env', 'CI_OIDC_TOKEN'])).toBe(2);
    expect(spaced.stderr.text).toContain('--client-id needs a value (--client-id ID); what follows it starts with "-", like an option.');
    expect(spaced.stderr.text).toContain('hint: If that is the value, write it after "=": --client-id=-….');
    const joined = createHarness({ wallet });
    expect(await joined.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--client-id=-dash-first', '--workload-token-env', 'CI_OIDC_TOKEN'])).toBe(0);
    expect(joined.stderr.text).toContain('as client -dash-first');
  });

  it('R6: --workload-token-file keeps the absolute path of the token file, not the token, and needs no client id', async () => {
    const h = createHarness({ wallet });
    const code = await h.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--workload-token-file', 'tokens/mcp-token', '--json']);
    expect(code, h.stderr.text).toBe(0);
    const source = `file ${path.resolve('tokens/mcp-token')}`;
    expect(JSON.parse(h.stdout.text)).toMatchObject({ client: { method: 'workload_token', clientId: '', workloadSource: source } });
    expect(h.stderr.text).toContain('presented with no client');
    expect(await wallet.queryAudit({ type: 'client.set' })).toContainEqual(expect.objectContaining({ agentName: 'ci-bot', reason: 'agent-client:workload_token' }));
  });

  it('R6: --workload-token-env takes a variable name, never a value', async () => {
    const ok = createHarness({ wallet });
    expect(await ok.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--client-id', 'wif-client', '--workload-token-env', 'CI_OIDC_TOKEN'])).toBe(0);
    expect(ok.stderr.text).toContain('environment variable CI_OIDC_TOKEN');
    expect(ok.stderr.text).toContain('as client wif-client');
    const value = createHarness({ wallet });
    expect(await value.run(['agent', 'credentials', 'ci-bot', '--server', world.mcpUrl, '--workload-token-env', 'eyJhbGciOi.eyJzdWIi.sig'])).not.toBe(0);
    expect(value.stderr.text).toContain('not an environment variable name');
  });

  it('R6: --help says the variable is read in the wallet’s process', async () => {
    const h = createHarness({ wallet });
    expect(await h.run(['agent', 'credentials', '--help'])).toBe(0);
    expect(h.stdout.text + h.stderr.text).toContain('read in the process that runs the wallet');
  });
});
