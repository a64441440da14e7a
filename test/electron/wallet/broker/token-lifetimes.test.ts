/**
 * T38 (B15, B16, T13) against the REAL test world: the broker of a composed wallet hands out
 * oidc-provider's JWT access tokens, and what it reports is checked against the token the world's
 * MCP server verifies (its `exp`), never against a figure a fake would report. The AS issues
 * 10-minute tokens; revoking them is refused there (`unsupported_token_type`), as on many servers
 * with structured access tokens.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import type { LogFields, Logger } from '../../../../electron/base/ports.js';
import { composeWallet, type ComposedWallet } from '../../../../electron/wallet/wallet.js';
import type { BridgeCaller } from '../../../../electron/wallet/bridge/handler.js';
import { startWorld, type World } from '../../../world/index.js';
import { callTool, resultText } from '../../../support/mcp-call.js';
import { rejection as refusal } from '../../../support/rejection.js';

const SERVER_TOKEN_SECONDS = 600;
const never = new AbortController().signal;

interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields | undefined;
}

function recordingLogger(lines: LogLine[]): Logger {
  const at = (level: LogLine['level']) => (message: string, fields?: LogFields) => void lines.push({ level, message, fields });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

let world: World;
let home: string;
let c: ComposedWallet;
const logs: LogLine[] = [];
/** Holds the AS's token endpoint while set (the race between a mint and a revocation). */
let tokenGate: Promise<void> | undefined;
let gatedRequests = 0;
let agentCount = 0;

beforeAll(async () => {
  world = await startWorld({ accessTokenTtlSeconds: SERVER_TOKEN_SECONDS });
  home = await mkdtemp(join(tmpdir(), 'latchkey-t38-'));
  const gatedFetch: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (tokenGate !== undefined && url.startsWith(`${world.issuer}/token`)) {
      gatedRequests += 1;
      await tokenGate;
    }
    return fetch(input, init);
  };
  c = await composeWallet(
    { home, allowInsecureLoopback: true, vault: { mode: 'memory' } },
    { opener: world.opener, logger: recordingLogger(logs), fetch: gatedFetch },
    { approvalTimeoutMs: 300 },
  );
  await c.wallet.connect({ url: world.mcpUrl });
}, 60_000);

afterAll(async () => {
  await c?.wallet.close();
  await world?.close();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

/** A fresh agent (its own tokens, its own cache entries) with a grant for the world's MCP server. */
async function agentWithGrant(maxTokenLifetimeSeconds?: number): Promise<{ caller: BridgeCaller; grantId: string; agentId: string }> {
  agentCount += 1;
  const { agent, secret } = await c.wallet.enrolAgent({ name: `agent-${agentCount}` });
  const grant = await c.wallet.createGrant({
    agent: agent.id,
    resource: world.mcpUrl,
    scopes: ['mcp:read'],
    ...(maxTokenLifetimeSeconds === undefined ? {} : { maxTokenLifetimeSeconds }),
  });
  return { caller: c.broker.authenticate(secret)!, grantId: grant.id, agentId: agent.id };
}

/** The `exp` the world's MCP server verified for `token` (it accepts it, and keeps its claims). */
async function expAtServer(token: string): Promise<number> {
  expect(resultText(await callTool(world.mcpUrl, token, 'echo', { text: 'at the server' }))).toBe('at the server');
  const claims = world.mcp.lastClaims!;
  expect(decodeJwt(token).jti).toBe(claims.jti);
  return claims.exp!;
}

describe('T38: token lifetimes are the real ones (real AS, real MCP server)', () => {
  it('B15/T13: as issued, expires_at is the exp the MCP server holds the token to (±2 s), 10 minutes out; narrowed; no refresh token', async () => {
    const { caller, agentId } = await agentWithGrant();
    const before = Date.now();
    const token = await c.broker.token(caller, { resource: world.mcpUrl }, never);
    expect(Object.keys(token).sort()).toEqual(['access_token', 'expires_at', 'scope', 'token_type']);
    const exp = await expAtServer(token.access_token);
    expect(Math.abs(token.expires_at - exp)).toBeLessThanOrEqual(2);
    expect(token.expires_at - Math.floor(before / 1000)).toBeGreaterThanOrEqual(SERVER_TOKEN_SECONDS - 2);
    expect(world.mcp.lastClaims).toMatchObject({ aud: world.mcpUrl, scope: 'mcp:read' });
    // The audit entry carries the same real expiry; the window and CLI show the server's figure.
    const issued = (await c.wallet.queryAudit({ type: 'token.issued', agentId })).at(-1)!;
    expect(issued.tokenExpiresAt).toBe(exp * 1000);
    expect((await c.wallet.listConnections())[0]?.tokenLifetimeSeconds).toBe(SERVER_TOKEN_SECONDS);
  });

  it('B15/T13: a grant maximum at least as long as the server\'s tokens hands them out with their real expiry', async () => {
    const { caller } = await agentWithGrant(SERVER_TOKEN_SECONDS);
    const token = await c.broker.token(caller, { resource: world.mcpUrl }, never);
    expect(Math.abs(token.expires_at - (await expAtServer(token.access_token)))).toBeLessThanOrEqual(2);
  });

  it('B15/T38: a grant maximum shorter than the server\'s tokens is refused with token.lifetime_exceeds_grant and no token; asking again mints none', async () => {
    const { caller, grantId, agentId } = await agentWithGrant(60);
    const mintsBefore = world.as.tokenRequestCount('refresh_token');
    const error = await refusal(c.broker.token(caller, { resource: world.mcpUrl }, never));
    expect(error.code).toBe(ErrorCode.TokenLifetimeExceedsGrant);
    expect(error.message).toContain('10-minute tokens');
    expect(error.hint).toContain(`latchkey grant edit ${grantId} --ttl 10m`);
    expect(error.hint).toContain("ask the server's admin for shorter tokens");
    expect((await refusal(c.broker.token(caller, { resource: world.mcpUrl }, never))).code).toBe(ErrorCode.TokenLifetimeExceedsGrant);
    expect(world.as.tokenRequestCount('refresh_token')).toBe(mintsBefore + 1);
    const audit = await c.wallet.queryAudit({ agentId });
    expect(audit.filter((e) => e.type === 'token.issued')).toEqual([]);
    expect(audit.filter((e) => e.type === 'token.refused').map((e) => e.reason)).toEqual([ErrorCode.TokenLifetimeExceedsGrant, ErrorCode.TokenLifetimeExceedsGrant]);
    // Raising the maximum to the server's figure lets the same, real token through.
    await c.wallet.updateGrant({ id: grantId, maxTokenLifetimeSeconds: SERVER_TOKEN_SECONDS });
    const token = await c.broker.token(caller, { resource: world.mcpUrl }, never);
    expect(Math.abs(token.expires_at - (await expAtServer(token.access_token)))).toBeLessThanOrEqual(2);
  });
});

describe('T38: revocation tells the truth (real AS, real MCP server)', () => {
  it('B16: RFC 7009 is tried; the server refuses (unsupported_token_type); the answer, the audit and a warn log say valid until the JWT\'s exp', async () => {
    const { caller, grantId, agentId } = await agentWithGrant();
    const token = await c.broker.token(caller, { resource: world.mcpUrl }, never);
    const exp = await expAtServer(token.access_token);
    const revocationsBefore = world.as.revocations.length;
    const result = await c.wallet.revokeGrant({ id: grantId });
    expect(world.as.revocations.slice(revocationsBefore)).toEqual([expect.objectContaining({ status: 400, error: 'unsupported_token_type', tokenTypeHint: 'access_token' })]);
    expect(result).toEqual({ grantId, revokedTokens: 0, unrevokedTokens: 1, validUntil: exp * 1000, revocationError: 'unsupported_token_type' });
    const revoked = (await c.wallet.queryAudit({ type: 'grant.revoked', agentId })).at(-1)!;
    expect(revoked).toMatchObject({ reason: 'revocation:unsupported_token_type', tokenExpiresAt: exp * 1000 });
    const warned = logs.filter((line) => line.level === 'warn' && line.fields?.['error'] === 'unsupported_token_type');
    expect(warned).toHaveLength(1);
    expect(JSON.stringify(logs)).not.toContain(token.access_token);
    // What was said is what is true: the server still accepts it, and the wallet refuses the next request.
    expect(await expAtServer(token.access_token)).toBe(exp);
    expect((await refusal(c.broker.token(caller, { resource: world.mcpUrl }, never))).code).toBe(ErrorCode.GrantRevoked);
  });

  it('B16: removing an agent says the same in the audit for each of its grants', async () => {
    const { caller, agentId } = await agentWithGrant();
    const token = await c.broker.token(caller, { resource: world.mcpUrl }, never);
    const exp = await expAtServer(token.access_token);
    await c.wallet.removeAgent({ agent: agentId });
    const revoked = (await c.wallet.queryAudit({ type: 'grant.revoked', agentId })).at(-1)!;
    expect(revoked).toMatchObject({ reason: 'revocation:unsupported_token_type', tokenExpiresAt: exp * 1000 });
  });

  it('B16: a token still being minted when the owner revokes goes to nobody, and the AS is asked to revoke it', async () => {
    const { caller, grantId } = await agentWithGrant();
    let release!: () => void;
    tokenGate = new Promise<void>((resolve) => (release = resolve));
    const mintsBefore = world.as.tokenRequestCount('refresh_token');
    const revocationsBefore = world.as.revocations.length;
    try {
      const asking = c.broker.token(caller, { resource: world.mcpUrl }, never);
      await expect.poll(() => gatedRequests).toBe(1);
      const revoking = c.wallet.revokeGrant({ id: grantId });
      await expect(revoking).resolves.toMatchObject({ unrevokedTokens: 0 });
      tokenGate = undefined;
      release();
      expect((await refusal(asking)).code).toBe(ErrorCode.GrantDenied);
    } finally {
      tokenGate = undefined;
      release();
    }
    expect(world.as.tokenRequestCount('refresh_token')).toBe(mintsBefore + 1);
    expect(world.as.revocations.slice(revocationsBefore)).toEqual([expect.objectContaining({ tokenTypeHint: 'access_token' })]);
  });
});
