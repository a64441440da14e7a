import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { AUTHORIZATION_URL, createFakeWallet, sampleConnection } from '../../fakes/fake-wallet.js';
import { createHarness } from './harness.js';

const MCP = 'https://mcp.example.com/mcp';

describe('latchkey connect', () => {
  it('shows the progress and the authorization URL on stderr and a one-line summary on stdout', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['connect', MCP])).toBe(0);
    expect(h.stdout.text).toBe(`Connected ${MCP} via https://as.example.com (scopes: files:read files:write; client: dcr).\n`);
    expect(h.stderr.text).toContain(`Looking up ${MCP}`);
    expect(h.stderr.text).toContain('Authorization server: https://as.example.com');
    expect(h.stderr.text).toContain('Client: client-123 (dcr)');
    expect(h.stderr.text).toContain(`\n  ${AUTHORIZATION_URL}\n`);
    expect(h.stderr.text).toMatch(/times out in 5m 00s \(Ctrl-C to cancel\)/);
    expect(h.stderr.text).not.toMatch(/\u001b/); // no control sequences off a terminal
    expect(wallet.calls.connect[0]?.options?.timeoutMs).toBe(300_000);
    expect(wallet.calls.connect[0]?.options?.scopes).toBeUndefined();
    expect(wallet.calls.closed).toBe(1);
  });

  it('passes --scope (repeated or space-separated) and --timeout to the wallet', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['connect', MCP, '--scope', 'a b', '--scope=c', '--scope', 'a', '--timeout', '42'])).toBe(0);
    expect(wallet.calls.connect[0]?.options).toMatchObject({ scopes: ['a', 'b', 'c'], timeoutMs: 42_000 });
  });

  it('--json prints the connection summary', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['connect', MCP, '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual(sampleConnection({ resource: MCP }));
  });

  it('Ctrl-C aborts the wallet call through its signal and exits 130 with "Cancelled."', async () => {
    let observed = false;
    const wallet = createFakeWallet({ browser: 'wait-for-abort', onAbortObserved: () => (observed = true) });
    const h = createHarness({ wallet });
    const running = h.run(['connect', MCP]);
    await expect.poll(() => h.stderr.text).toContain(AUTHORIZATION_URL);
    expect(h.interrupts.listening).toBe(1);
    h.interrupts.interrupt();
    expect(await running).toBe(130);
    expect(observed).toBe(true);
    expect(wallet.calls.connect[0]?.options?.signal?.aborted).toBe(true);
    expect(h.stderr.text).toMatch(/Cancelled\.\n$/);
    expect(h.stderr.text).not.toMatch(/error\[|\n\s+at /);
    expect(h.stdout.text).toBe('');
    expect(h.interrupts.listening).toBe(0);
    expect(wallet.calls.closed).toBe(1);
  });

  it('on a terminal: a spinner with elapsed and remaining time, cleared when done', async () => {
    let now = 1_000_000;
    const wallet = createFakeWallet({ browser: 'wait-for-abort' });
    const h = createHarness({ wallet, tty: true, now: () => now });
    const running = h.run(['connect', MCP, '--timeout', '120']);
    await expect.poll(() => h.stderr.text).toContain('Waiting for you to finish in the browser');
    now += 65_000;
    h.tick();
    expect(h.stderr.text).toMatch(/\r\u001b\[2K\S Waiting for you to finish in the browser… 1m 05s elapsed, times out in 55s/);
    h.interrupts.interrupt();
    expect(await running).toBe(130);
    expect(h.stderr.text).toMatch(/\r\u001b\[2KCancelled\.\n$/);
  });

  it('a wallet error prints error[code] and hint, exit 1', async () => {
    const wallet = createFakeWallet({
      failWith: new LatchkeyError(ErrorCode.ClientIdRequired, 'https://as.example.com offers no way to register Latchkey.', {
        hint: 'Register a client and run: latchkey client add https://as.example.com --client-id ID',
      }),
    });
    const h = createHarness({ wallet });
    expect(await h.run(['connect', MCP])).toBe(1);
    expect(h.stderr.text).toBe(
      'error[registration.client_id_required]: https://as.example.com offers no way to register Latchkey.\n' +
        'hint: Register a client and run: latchkey client add https://as.example.com --client-id ID\n',
    );
    expect(h.stdout.text).toBe('');
  });

  it('a browser that cannot start is announced, the command carries on', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({
      wallet,
      opener: { open: () => Promise.reject(new LatchkeyError(ErrorCode.OpenerFailed, 'Could not open a browser: "xdg-open" failed (ENOENT).')) },
    });
    expect(await h.run(['connect', MCP])).toBe(0);
    const opener = h.ports[0]?.opener;
    await expect(opener?.open(new URL(AUTHORIZATION_URL))).rejects.toMatchObject({ code: ErrorCode.OpenerFailed });
    expect(h.stderr.text).toContain('warning: Could not open a browser: "xdg-open" failed (ENOENT). Open the URL above yourself.');
  });
});

describe('latchkey connections', () => {
  it('lists connections without any token', async () => {
    const wallet = createFakeWallet({ connections: [sampleConnection(), sampleConnection({ resource: 'https://b.example', status: 'needs-reauth', accessTokenExpiresAt: undefined, hasRefreshToken: false })] });
    const h = createHarness({ wallet });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.stdout.text).toContain('https://mcp.example.com/mcp  [ok]');
    expect(h.stdout.text).toContain('access token valid for 10m 00s; refresh token held');
    expect(h.stdout.text).toContain('https://b.example  [needs re-auth');
    expect(h.stdout.text).toContain('no access token cached; no refresh token');
    expect(h.stdout.text).toContain('scopes:  files:read files:write');
  });

  it('--json prints the summaries', async () => {
    const wallet = createFakeWallet({ connections: [sampleConnection()] });
    const h = createHarness({ wallet });
    expect(await h.run(['connections', '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual([sampleConnection()]);
  });

  it('says how to add one when there are none', async () => {
    const h = createHarness({ wallet: createFakeWallet() });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toContain('latchkey connect <mcp-url>');
    const json = createHarness({ wallet: createFakeWallet() });
    expect(await json.run(['connections', '--json'])).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual([]);
  });

  it('shows the vault warning on stderr', async () => {
    const h = createHarness({ wallet: createFakeWallet({ vaultStatus: { warning: 'Memory-only vault: nothing is kept after exit.' } }) });
    expect(await h.run(['connections', '--json'])).toBe(0);
    expect(h.stderr.text).toBe('warning: Memory-only vault: nothing is kept after exit.\n');
  });
});

describe('latchkey disconnect', () => {
  it('disconnects and says what happened to the refresh token', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['disconnect', MCP])).toBe(0);
    expect(wallet.calls.disconnect).toEqual([MCP]);
    expect(h.stdout.text).toMatch(/^Disconnected https:\/\/mcp.example.com\/mcp: the authorization server revoked the refresh token\./);
  });

  it('--json prints the result; not connected is error[connection.not_found]', async () => {
    const ok = createHarness({ wallet: createFakeWallet() });
    expect(await ok.run(['disconnect', MCP, '--json'])).toBe(0);
    expect(JSON.parse(ok.stdout.text)).toEqual({ resource: MCP, revocation: 'revoked' });

    const wallet = createFakeWallet({ failWith: new LatchkeyError(ErrorCode.NotConnected, `Not connected to ${MCP}.`, { hint: 'See latchkey connections.' }) });
    const h = createHarness({ wallet });
    expect(await h.run(['disconnect', MCP, '--json'])).toBe(1);
    expect(JSON.parse(h.stdout.text)).toEqual({ error: { code: 'connection.not_found', message: `Not connected to ${MCP}.`, hint: 'See latchkey connections.' } });
  });
});

describe('latchkey token', () => {
  const token = { accessToken: 'at-secret-value', tokenType: 'Bearer' as const, expiresAt: 1_700_000_123_456, scope: ['a', 'b'] };

  it('prints just the token on stdout', async () => {
    const wallet = createFakeWallet({ token });
    const h = createHarness({ wallet });
    expect(await h.run(['token', MCP])).toBe(0);
    expect(h.stdout.text).toBe('at-secret-value\n');
    expect(h.stderr.text).toBe('');
    expect(wallet.calls.accessToken[0]?.url).toBe(MCP);
    expect(wallet.calls.accessToken[0]?.options?.signal).toBeInstanceOf(AbortSignal);
  });

  it('--json adds expires_at (epoch seconds) and scope', async () => {
    const h = createHarness({ wallet: createFakeWallet({ token }) });
    expect(await h.run(['token', MCP, '--json'])).toBe(0);
    expect(JSON.parse(h.stdout.text)).toEqual({ access_token: 'at-secret-value', token_type: 'Bearer', expires_at: 1_700_000_123, scope: 'a b' });
  });

  it('needs re-auth → error[connection.needs_reauth] with the hint, nothing on stdout', async () => {
    const wallet = createFakeWallet({
      failWith: new LatchkeyError(ErrorCode.NeedsReauth, 'The grant for https://mcp.example.com/mcp has expired.', { hint: 'Run: latchkey connect https://mcp.example.com/mcp' }),
    });
    const h = createHarness({ wallet });
    expect(await h.run(['token', MCP])).toBe(1);
    expect(h.stdout.text).toBe('');
    expect(h.stderr.text).toMatch(/^error\[connection\.needs_reauth\]: .*\nhint: Run: latchkey connect/);
  });
});

describe('latchkey client', () => {
  it('add with a secret from stdin', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({ wallet, stdin: 's3cret-value\n' });
    expect(await h.run(['client', 'add', 'https://as.example.com', '--client-id', 'my-app', '--client-secret-stdin', '--auth-method', 'client_secret_post'])).toBe(0);
    expect(wallet.calls.setClient).toEqual([
      { issuer: 'https://as.example.com', clientId: 'my-app', clientSecret: 's3cret-value', tokenEndpointAuthMethod: 'client_secret_post' },
    ]);
    expect(h.stdout.text).toBe('Saved client my-app for https://as.example.com (token endpoint auth: client_secret_post).\n');
    expect(h.stdout.text + h.stderr.text).not.toContain('s3cret');
  });

  it('add a public client; refuse an empty secret and mismatched method', async () => {
    const wallet = createFakeWallet();
    const h = createHarness({ wallet });
    expect(await h.run(['client', 'add', 'https://as.example.com', '--client-id', 'pub'])).toBe(0);
    expect(wallet.calls.setClient).toEqual([{ issuer: 'https://as.example.com', clientId: 'pub' }]);

    const empty = createHarness({ wallet, stdin: '' });
    expect(await empty.run(['client', 'add', 'https://as.example.com', '--client-id', 'x', '--client-secret-stdin'])).toBe(1);
    expect(empty.stderr.text).toMatch(/client secret is empty/);

    const mismatch = createHarness({ wallet });
    expect(await mismatch.run(['client', 'add', 'https://as.example.com', '--client-id', 'x', '--auth-method', 'client_secret_basic'])).toBe(2);
    expect(mismatch.stderr.text).toMatch(/needs a client secret/);
  });

  it('list, in text and JSON, never showing a secret', async () => {
    const clients = [
      { issuer: 'https://as.example.com', clientId: 'my-app', registration: 'pre-registered' as const, hasSecret: true },
      { issuer: 'https://other.example', clientId: 'dyn-1', registration: 'dcr' as const, hasSecret: false },
    ];
    const h = createHarness({ wallet: createFakeWallet({ clients }) });
    expect(await h.run(['client', 'list'])).toBe(0);
    expect(h.stdout.text).toBe('https://as.example.com  my-app  (pre-registered, with secret)\nhttps://other.example  dyn-1  (dcr)\n');
    const json = createHarness({ wallet: createFakeWallet({ clients }) });
    expect(await json.run(['client', 'list', '--json'])).toBe(0);
    expect(JSON.parse(json.stdout.text)).toEqual(clients);
  });

  it('remove; an unknown issuer is error[registration.client_not_found]', async () => {
    const wallet = createFakeWallet({ clients: [{ issuer: 'https://as.example.com', clientId: 'a', registration: 'dcr', hasSecret: false }] });
    const h = createHarness({ wallet });
    expect(await h.run(['client', 'remove', 'https://as.example.com'])).toBe(0);
    expect(h.stdout.text).toBe('Removed the client for https://as.example.com.\n');
    const again = createHarness({ wallet });
    expect(await again.run(['client', 'remove', 'https://as.example.com'])).toBe(1);
    expect(again.stderr.text).toMatch(/^error\[registration\.client_not_found\]: There is no client for https:\/\/as.example.com\.\nhint: /);
  });
});

describe('errors', () => {
  it('an unexpected error is error[internal] without a stack; --verbose adds the (redacted) stack', async () => {
    const boom = new TypeError('cannot read properties of undefined (token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl)');
    const h = createHarness({ wallet: createFakeWallet({ failWith: boom }) });
    expect(await h.run(['connections'])).toBe(1);
    expect(h.stderr.text).toBe(
      'error[internal]: Latchkey hit an unexpected problem and stopped.\nhint: Run the command again with --verbose to see details, and report them if it keeps happening.\n',
    );
    const verbose = createHarness({ wallet: createFakeWallet({ failWith: boom }) });
    expect(await verbose.run(['connections', '--verbose'])).toBe(1);
    expect(verbose.stderr.text).toMatch(/TypeError: cannot read properties/);
    expect(verbose.stderr.text).toMatch(/\n\s+at /);
    expect(verbose.stderr.text).not.toContain('eyJzdWIiOiJ4In0');
  });

  it('--json turns an internal error into {"error":{code,message,hint}}', async () => {
    const h = createHarness({ wallet: createFakeWallet({ failWith: new Error('x') }) });
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
    const h = createHarness({ wallet: createFakeWallet(), env });
    expect(await h.run(['connections'])).toBe(0);
    expect(h.ports[0]?.opener).toBeDefined();
    expect(h.ports[0]?.logger).toBeDefined();
    expect(h.ports[0]?.env).toBe(env);
  });

  it('the passphrase vault without a passphrase and without a terminal fails clearly', async () => {
    const h = createHarness({ wallet: createFakeWallet(), env: { LATCHKEY_VAULT: 'passphrase' } });
    expect(await h.run(['connections'])).toBe(1);
    expect(h.stderr.text).toMatch(/^error\[vault\.bad_passphrase\]: .*\nhint: Set LATCHKEY_PASSPHRASE/);
    expect(h.configs).toHaveLength(0);
  });
});
