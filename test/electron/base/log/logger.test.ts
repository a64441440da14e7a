/**
 * T30 / V9: the one redacting logger. Secrets (tokens, secrets, authorization codes) are written
 * as fingerprints only; error codes stay readable, or logs could not diagnose anything.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBridgeClient } from '../../../../electron/agent/bridge-client/client.js';
import { startDaemon, type Daemon } from '../../../../electron/wallet/host/daemon.js';
import { createLogger } from '../../../../electron/base/log/logger.js';
import { startWorld, type World } from '../../../world/index.js';

function logOnce(fields: Record<string, string>): Record<string, unknown> {
  const lines: string[] = [];
  createLogger({ level: 'debug', write: (line) => lines.push(line) }).debug('m', fields);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('the redacting logger (T30)', () => {
  const readable: Array<[string, string]> = [
    ['code', 'vault.keychain_locked'],
    ['code', 'bridge.unauthenticated'],
    ['errorCode', 'invalid_grant'],
    ['error_code', 'token.step_up_declined'],
    ['code', 'oauth2.iss-mismatch'],
    ['code', 'ECONNREFUSED'],
    ['reasonCode', 'ERR_SOCKET_CLOSED'],
  ];
  for (const [name, value] of readable) {
    it(`keeps the error code ${name}=${value} readable`, () => {
      expect(logOnce({ [name]: value })[name]).toBe(value);
    });
  }

  const secret: Array<[string, string]> = [
    ['code', randomBytes(32).toString('base64url')], // an authorization code as oidc-provider makes them
    ['code', randomBytes(20).toString('hex')],
    ['code', 'SplxlOBeZQQYbYS6WxSbIA'], // RFC 6749's example code
    ['code', 'abcdefghijklmnopqrstuvwxyz'], // one long lowercase word: not a code's shape
    ['code', '123456'],
    ['authorization_code', 'a'.repeat(80)],
    ['errorCode', `${'x'.repeat(40)}.${'y'.repeat(40)}`], // too long
    ['accessToken', 'invalid_grant'], // a token field is always a fingerprint, whatever it holds
    ['refresh_token', 'refresh-canary-1'],
    ['secret', 'lk_agent_canary'],
    ['passphrase', 'passphrase-canary'],
    ['cookie', 'cookie-canary'],
    ['apiKey', 'api-key-canary'],
  ];
  for (const [name, value] of secret) {
    it(`writes ${name}=${value.slice(0, 12)}… as a fingerprint`, () => {
      const logged = logOnce({ [name]: value });
      expect(logged[name]).toMatch(/^sha256:/);
      expect(JSON.stringify(logged)).not.toContain(value);
    });
  }
});

describe('a debug log of a full flow (V9)', () => {
  let world: World;
  let home: string;
  let daemon: Daemon | undefined;
  const lines: string[] = [];

  beforeAll(async () => {
    world = await startWorld({ accessTokenTtlSeconds: 30 });
    home = await mkdtemp(join(tmpdir(), 'latchkey-v9-'));
    const logger = createLogger({ level: 'debug', write: (line) => lines.push(line) });
    daemon = await startDaemon(
      { home, allowInsecureLoopback: true, vault: { mode: 'memory' } },
      { opener: world.opener, logger },
      { runtimeDir: join(home, 'run'), tcp: false },
    );
  }, 60_000);

  afterAll(async () => {
    await daemon?.close();
    await world?.close();
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('V9/T30: connect, refresh, an agent token and a refused request log no code or token, and the refusal code is readable', async () => {
    const wallet = daemon!.wallet;
    await wallet.connect({ url: world.mcpUrl });
    const code = (await world.opener.lastFlow()).redirectedTo.searchParams.get('code');
    expect(code).toEqual(expect.any(String));
    const owner = await wallet.accessToken({ url: world.mcpUrl, minTtlSeconds: 1e9 }); // forces a refresh
    const { secret } = await wallet.enrolAgent({ name: 'v9-agent' });
    await wallet.createGrant({ agent: 'v9-agent', resource: world.mcpUrl, scopes: ['mcp:read'] });
    const agent = createBridgeClient({ socketPath: daemon!.bridge.socketPath!, secret });
    const handed = await agent.token(world.mcpUrl);
    agent.close();
    const stranger = createBridgeClient({ socketPath: daemon!.bridge.socketPath!, secret: `lk_agent_${randomBytes(32).toString('base64url')}` });
    await expect(stranger.whoami()).rejects.toMatchObject({ code: 'bridge.unauthenticated' });
    stranger.close();

    const refresh = (daemon!.composed.vault.read() as { connections?: Record<string, { refreshToken?: string }> }).connections?.[world.mcpUrl]?.refreshToken;
    const canaries = [code!, owner.accessToken, handed.access_token, secret, refresh!];
    const log = lines.join('\n');
    for (const canary of canaries) {
      for (const form of [canary, Buffer.from(canary).toString('base64'), Buffer.from(canary).toString('base64url'), encodeURIComponent(canary)]) {
        expect(log).not.toContain(form);
      }
    }
    expect(log).not.toMatch(/[?&]code=[^&[\s]/);
    const refusals = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry['msg'] === 'bridge refused a request');
    expect(refusals.map((entry) => entry['code'])).toContain('bridge.unauthenticated');
  }, 120_000);
});
