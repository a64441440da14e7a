/**
 * The owner verbs for connections, tokens and clients against the real wallet in memory. `connect`
 * runs against the test world (a real oidc-provider AS and MCP SDK server on 127.0.0.1): its
 * browser is the world's Chromium, or an opener that never completes (the browser step waits).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { Opener } from '../../../electron/base/ports.js';
import type { Wallet } from '../../../electron/wallet/wallet-api.js';
import { startWorld, type World } from '../../world/index.js';
import { FakeTokenEndpoint } from '../../fakes/fake-token-endpoint.js';
import { useMemoryWallets } from '../../support/memory-wallet.js';
import { createHarness, type HarnessOptions } from './harness.js';

const MCP = 'https://mcp.example.com/mcp';
const NOW = 1_700_000_000_000;
const memoryWallet = useMemoryWallets();

/** The wallet the CLI opens, counting its close() (the wallet itself goes on until the test ends). */
function counted(wallet: Wallet): Wallet & { closed: number } {
  const seen = { ...wallet, closed: 0 };
  seen.close = async () => {
    seen.closed += 1;
  };
  return seen;
}

/** An opener whose browser never comes back: connect waits in the browser step. */
function neverReturningBrowser(): Opener & { opened: URL[] } {
  const urls: URL[] = [];
  return { opened: urls, open: async (url) => void urls.push(url) };
}

describe('latchkey connect (the test world)', () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });

  /** The CLI opens the real wallet in memory with its own opener (announcing failures), on the world's network. */
  function connecting(opener: Opener, options: Omit<HarnessOptions, 'openWallet' | 'opener'> = {}) {
    let wallet: (Wallet & { closed: number }) | undefined;
    const h = createHarness({
      ...options,
      opener,
      openWallet: async (_config, ports) => {
        const memory = await memoryWallet({ fetch: (input, init) => fetch(input, init), allowInsecureLoopback: true, ...(ports.opener === undefined ? {} : { opener: ports.opener }) });
        wallet = counted(memory.wallet);
        return wallet;
      },
    });
    return { h, wallet: () => wallet! };
  }

  it('shows the progress and the authorization URL on stderr and a one-line summary on stdout', async () => {
    const { h, wallet } = connecting(world.opener);
    expect(await h.run(['connect', world.mcpUrl, '--allow-insecure-loopback'])).toBe(0);
    const [connection] = await wallet().listConnections();
    expect(connection).toMatchObject({ resource: world.mcpUrl, issuer: world.issuer, registration: 'dcr' });
    expect(h.stdout.text).toBe(`Connected ${world.mcpUrl} via ${world.issuer} (scopes: ${connection!.scopes.join(' ')}; client: dcr).\n`);
    expect(h.stderr.text).toContain(`Looking up ${world.mcpUrl}`);
    expect(h.stderr.text).toContain(`Authorization server: ${world.issuer}`);
    expect(h.stderr.text).toContain(`Client: ${connection!.clientId} (dcr)`);
    expect(h.stderr.text).toContain(`\n  ${world.opener.opened.at(-1)!.href}\n`);
    expect(h.stderr.text).toMatch(/times out in 5m 00s \(Ctrl-C to cancel\)/);
    expect(h.stderr.text).not.toMatch(/\u001b/); // no control sequences off a terminal
    expect(wallet().closed).toBe(1);
  }, 60_000);

  it('passes --scope (repeated or space-separated) and --timeout to the wallet', async () => {
    const browser = neverReturningBrowser();
    const { h } = connecting(browser);
    const running = h.run(['connect', world.mcpUrl, '--allow-insecure-loopback', '--scope', 'mcp:read mcp:write', '--scope=mcp:read', '--timeout', '42']);
    await expect.poll(() => browser.opened.length).toBe(1);
    expect(browser.opened[0]!.searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['mcp:read', 'mcp:write']));
    expect(h.stderr.text).toMatch(/times out in 42s/);
    h.interrupts.interrupt();
    expect(await running).toBe(130);
  }, 30_000);

  it('--json prints the connection summary', async () => {
    const { h, wallet } = connecting(world.opener);
    expect(await h.run(['connect', world.mcpUrl, '--allow-insecure-loopback', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(await wallet().listConnections().then((list) => list[0]));
  }, 60_000);

  it('Ctrl-C aborts the wallet call through its signal and exits 130 with "Cancelled."; nothing is stored', async () => {
    const browser = neverReturningBrowser();
    const { h, wallet } = connecting(browser);
    const running = h.run(['connect', world.mcpUrl, '--allow-insecure-loopback']);
    await expect.poll(() => browser.opened.length).toBe(1);
    await expect.poll(() => h.stderr.text).toContain(browser.opened[0]!.href);
    expect(h.interrupts.listening).toBe(1);
    h.interrupts.interrupt();
    expect(await running).toBe(130);
    expect(h.stderr.text).toMatch(/Cancelled\.\n$/);
    expect(h.stderr.text).not.toMatch(/error\[|\n\s+at /);
    expect(h.stdout.text).toBe('');
    expect(h.interrupts.listening).toBe(0);
    expect(wallet().closed).toBe(1);
    expect(await wallet().listConnections()).toEqual([]);
    // The loopback listener the browser would have come back to is gone.
    const redirect = new URL(browser.opened[0]!.searchParams.get('redirect_uri')!);
    await expect(fetch(redirect)).rejects.toThrow();
  }, 30_000);

  it('on a terminal: a spinner with elapsed and remaining time, cleared when done', async () => {
    let now = 1_000_000;
    const browser = neverReturningBrowser();
    const { h } = connecting(browser, { tty: true, now: () => now });
    const running = h.run(['connect', world.mcpUrl, '--allow-insecure-loopback', '--timeout', '120']);
    await expect.poll(() => h.stderr.text).toContain('Waiting for you to finish in the browser');
    now += 65_000;
    h.tick();
    expect(h.stderr.text).toMatch(/\r\u001b\[2K\S Waiting for you to finish in the browser… 1m 05s elapsed, times out in 55s/);
    h.interrupts.interrupt();
    expect(await running).toBe(130);
    expect(h.stderr.text).toMatch(/\r\u001b\[2KCancelled\.\n$/);
  }, 30_000);

  it('a browser that cannot start is announced, the command carries on', async () => {
    const { h } = connecting({ open: () => Promise.reject(new LatchkeyError(ErrorCode.OpenerFailed, 'Could not open a browser: "xdg-open" failed (ENOENT).')) });
    const running = h.run(['connect', world.mcpUrl, '--allow-insecure-loopback']);
    await expect.poll(() => h.stderr.text).toContain('warning: Could not open a browser: "xdg-open" failed (ENOENT). Open the URL above yourself.');
    expect(h.stderr.text).toContain('Waiting for you to finish in the browser');
    h.interrupts.interrupt();
    expect(await running).toBe(130);
  }, 30_000);
});

describe('latchkey connect: errors', () => {
  it('a wallet error prints error[code] and hint, exit 1', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['connect', 'http://mcp.example.com/mcp'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[[a-z_]+\.[a-z_]+\]: .+\nhint: .+\n$/mu);
    expect(h.stdout.text).toBe('');
  });
});

/**
 * The real wallet in memory at NOW with connections to MCP (its access token refreshed, ten
 * minutes left) and to https://b.example (its refresh token refused: needs re-auth).
 */
async function connected() {
  const endpoint = new FakeTokenEndpoint();
  endpoint.expiresIn = 600;
  const memory = await memoryWallet({ now: NOW, fetch: endpoint.fetch });
  await memory.connect(MCP);
  await memory.connect('https://b.example');
  await memory.wallet.accessToken({ url: MCP });
  endpoint.replies['refresh_token'] = { status: 400, body: { error: 'invalid_grant' } };
  await memory.wallet.accessToken({ url: 'https://b.example' }).catch(() => undefined);
  delete endpoint.replies['refresh_token'];
  return { memory, wallet: memory.wallet, endpoint };
}

describe('latchkey connections', () => {
  it('lists connections without any token', async () => {
    const { wallet } = await connected();
    const h = createHarness({ wallet });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.stdout.text).toContain('https://mcp.example.com/mcp  [ok]');
    expect(h.stdout.text).toContain('access token valid for 10m 00s; refresh token held');
    expect(h.stdout.text).toContain('https://b.example  [needs re-auth');
    expect(h.stdout.text).toContain('no access token cached; no refresh token');
    expect(h.stdout.text).toContain('scopes:  mcp:read mcp:write');
    expect(h.stdout.text).not.toMatch(/at-\d+-|rt-\d+/u);
  });

  it('--json prints the summaries', async () => {
    const { wallet } = await connected();
    const h = createHarness({ wallet });
    expect(await h.run(['connections', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(await wallet.listConnections());
  });

  it('says how to add one when there are none', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toContain('latchkey connect <mcp-url>');
    const json = createHarness({ wallet });
    expect(await json.run(['connections', '--json'])).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual([]);
  });

  it('shows the vault warning on stderr', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['connections', '--json'])).toBe(0);
    expect(h.stderr.text).toBe(`warning: ${wallet.vaultStatus.warning}\n`);
    expect(wallet.vaultStatus.warning).toMatch(/^Memory-only vault/u);
  });
});

describe('latchkey disconnect', () => {
  it('disconnects and says what happened to the refresh token', async () => {
    const { wallet, endpoint } = await connected();
    const h = createHarness({ wallet });
    expect(await h.run(['disconnect', MCP])).toBe(0);
    expect(endpoint.requestsTo('/revoke')).toHaveLength(1);
    expect(await wallet.listConnections()).not.toContainEqual(expect.objectContaining({ resource: MCP }));
    expect(h.stdout.text).toMatch(/^Disconnected https:\/\/mcp.example.com\/mcp: the authorization server revoked the refresh token\./);
  });

  it('--json prints the result; not connected is error[connection.not_found]', async () => {
    const { wallet } = await connected();
    const ok = createHarness({ wallet });
    expect(await ok.run(['disconnect', MCP, '--json'])).toBe(0);
    expect(JSON.parse(ok.stdout.text)).toEqual({ resource: MCP, revocation: 'revoked' });
    const h = createHarness({ wallet });
    expect(await h.run(['disconnect', MCP, '--json'])).toBe(1);
    expect(JSON.parse(h.stdout.text)).toEqual({ error: { code: 'connection.not_found', message: expect.stringContaining(MCP) as unknown, hint: expect.any(String) as unknown } });
  });
});

describe('latchkey token', () => {
  it('prints just the token on stdout', async () => {
    const { wallet } = await connected();
    const h = createHarness({ wallet });
    expect(await h.run(['token', MCP])).toBe(0);
    expect(h.stdout.text).toBe(`${(await wallet.accessToken({ url: MCP })).accessToken}\n`);
    expect(h.stdout.text).toMatch(/^at-\d+-refresh_token\n$/u);
    expect(h.stderr.text).toMatch(/^(warning: Memory-only vault[^\n]*\n)?$/u);
  });

  it('--json adds expires_at (epoch seconds) and scope', async () => {
    const { wallet } = await connected();
    const h = createHarness({ wallet });
    expect(await h.run(['token', MCP, '--json'])).toBe(0);
    const token = await wallet.accessToken({ url: MCP });
    expect(JSON.parse(h.stdout.text)).toEqual({ access_token: token.accessToken, token_type: 'Bearer', expires_at: Math.floor(token.expiresAt / 1000), scope: token.scope.join(' ') });
  });

  it('needs re-auth → error[connection.needs_reauth] with the hint, nothing on stdout', async () => {
    const { wallet } = await connected();
    const h = createHarness({ wallet });
    expect(await h.run(['token', 'https://b.example'])).toBe(1);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toMatch(/^error\[connection\.needs_reauth\]: .*\nhint: .*latchkey connect/mu);
  });
});

describe('latchkey client', () => {
  it('add with a secret from stdin', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet, stdin: 's3cret-value\n' });
    expect(await h.run(['client', 'add', 'https://as.example.com', '--client-id', 'my-app', '--client-secret-stdin', '--auth-method', 'client_secret_post'])).toBe(0);
    expect(await wallet.listClients()).toEqual([{ issuer: 'https://as.example.com', clientId: 'my-app', registration: 'pre-registered', hasSecret: true }]);
    expect(h.stdout.text).toBe('Saved client my-app for https://as.example.com (token endpoint auth: client_secret_post).\n');
    expect(h.stdout.text + h.stderr.text).not.toContain('s3cret');
    expect(JSON.stringify(await wallet.listClients())).not.toContain('s3cret');
  });

  it('add a public client; refuse an empty secret and mismatched method', async () => {
    const { wallet } = await memoryWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['client', 'add', 'https://as.example.com', '--client-id', 'pub'])).toBe(0);
    expect(await wallet.listClients()).toEqual([expect.objectContaining({ issuer: 'https://as.example.com', clientId: 'pub', hasSecret: false })]);

    const empty = createHarness({ wallet, stdin: '' });
    expect(await empty.run(['client', 'add', 'https://as.example.com', '--client-id', 'x', '--client-secret-stdin'])).toBe(1);
    expect(empty.stderr.text).toMatch(/client secret is empty/);

    const mismatch = createHarness({ wallet });
    expect(await mismatch.run(['client', 'add', 'https://as.example.com', '--client-id', 'x', '--auth-method', 'client_secret_basic'])).toBe(2);
    expect(mismatch.stderr.text).toMatch(/needs a client secret/);
    expect(await wallet.listClients()).toEqual([expect.objectContaining({ clientId: 'pub' })]);
  });

  it('list, in text and JSON, never showing a secret', async () => {
    const { wallet } = await connected();
    await wallet.setClient({ issuer: 'https://as.example.com', clientId: 'my-app', clientSecret: 'never-shown-secret' });
    const h = createHarness({ wallet });
    expect(await h.run(['client', 'list'])).toBe(0);
    expect(h.stdout.text).toBe('https://as.example.test  c1  (dcr)\nhttps://as.example.com  my-app  (pre-registered, with secret)\n');
    const json = createHarness({ wallet });
    expect(await json.run(['client', 'list', '--json'])).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual(await wallet.listClients());
    expect(h.stdout.text + json.stdout.text).not.toContain('never-shown-secret');
  });

  it('remove; an unknown issuer is error[registration.client_not_found]', async () => {
    const { wallet } = await memoryWallet();
    await wallet.setClient({ issuer: 'https://as.example.com', clientId: 'a' });
    const h = createHarness({ wallet });
    expect(await h.run(['client', 'remove', 'https://as.example.com'])).toBe(0);
    expect(h.stdout.text).toBe('Removed the client for https://as.example.com.\n');
    const again = createHarness({ wallet });
    expect(await again.run(['client', 'remove', 'https://as.example.com'])).toBe(1);
    expect(again.stderr.text).toMatch(/^error\[registration\.client_not_found\]: There is no client for https:\/\/as.example.com\.\nhint: /mu);
  });
});

describe('errors', () => {
  // An unexpected failure where the CLI meets its wallet (here: opening it), as any bug would surface.
  const boom = (): TypeError => new TypeError('cannot read properties of undefined (token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl)');

  it('an unexpected error is error[internal] without a stack; --verbose adds the (redacted) stack', async () => {
    const h = createHarness({ openWalletError: boom() });
    expect(await h.run(['connections'])).toBe(1);
    expect(h.stderr.text).toBe(
      'error[internal]: Latchkey hit an unexpected problem and stopped.\nhint: Run the command again with --verbose to see details, and report them if it keeps happening.\n',
    );
    const verbose = createHarness({ openWalletError: boom() });
    expect(await verbose.run(['connections', '--verbose'])).toBe(1);
    expect(verbose.stderr.text).toMatch(/TypeError: cannot read properties/);
    expect(verbose.stderr.text).toMatch(/\n\s+at /);
    expect(verbose.stderr.text).not.toContain('eyJzdWIiOiJ4In0');
  });

  it('--json turns an internal error into {"error":{code,message,hint}}', async () => {
    const h = createHarness({ openWalletError: new Error('x') });
    expect(await h.run(['connections', '--json'])).toBe(1);
    expect(JSON.parse(h.stdout.text)).toEqual({ error: { code: 'internal', message: expect.any(String) as unknown, hint: expect.any(String) as unknown } });
  });

  it('a wallet that cannot open (locked keychain) is reported with its code', async () => {
    const h = createHarness({
      openWalletError: new LatchkeyError(ErrorCode.KeychainLocked, 'The keychain is locked.', { hint: 'Unlock it, or use --vault passphrase.' }),
    });
    expect(await h.run(['token', MCP])).toBe(1);
    expect(h.stderr.text).toBe('error[vault.keychain_locked]: The keychain is locked.\nhint: Unlock it, or use --vault passphrase.\n');
  });

  it('passes the opener, a logger and the environment to openWallet', async () => {
    const env = { LATCHKEY_HOME: '/data/x' };
    const h = createHarness({ wallet: (await memoryWallet()).wallet, env });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.ports[0]?.opener).toBeDefined();
    expect(h.ports[0]?.logger).toBeDefined();
    expect(h.ports[0]?.env).toBe(env);
  });

  it('the passphrase vault without a passphrase and without a terminal fails clearly', async () => {
    const h = createHarness({ wallet: (await memoryWallet()).wallet, env: { LATCHKEY_VAULT: 'passphrase' } });
    expect(await h.run(['connections'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[vault\.bad_passphrase\]: .*\nhint: Set LATCHKEY_PASSPHRASE/);
    expect(h.configs).toHaveLength(0);
  });
});
