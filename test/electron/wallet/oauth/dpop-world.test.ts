/**
 * DPoP-bound connections (protocol.md A8) against the real test world: oidc-provider with DPoP
 * enabled and its nonce required, Chromium signing in. The wallet proves its key on the code
 * exchange and on every refresh (answering the nonce challenge), its tokens are bound to that key
 * (`cnf.jkt`), and the proofs it signs carry the same key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWallet } from '../../../../electron/wallet/wallet.js';
import type { Wallet } from '../../../../electron/wallet/wallet-api.js';
import { accessTokenHash } from '../../../../electron/wallet/oauth/dpop-proof.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { startWorld, type World } from '../../../world/index.js';

let world: World;
let home: string;
let wallet: Wallet;

beforeAll(async () => {
  world = await startWorld({ dpop: { requireNonce: true } });
  home = await mkdtemp(join(tmpdir(), 'latchkey-dpop-'));
  wallet = await openWallet({ home, allowInsecureLoopback: true, vault: { mode: 'memory' } }, { opener: world.opener });
});
afterAll(async () => {
  await wallet?.close();
  await world?.close();
  await rm(home, { recursive: true, force: true });
});

function boundKey(accessToken: string): unknown {
  const cnf = decodeJwt(accessToken)['cnf'] as { jkt?: unknown } | undefined;
  return cnf?.jkt;
}

async function proofKey(proof: string): Promise<string> {
  return calculateJwkThumbprint(decodeProtectedHeader(proof).jwk as JWK, 'sha256');
}

describe('A8: DPoP-bound connections × oidc-provider', () => {
  it('the code exchange proves the key (after the nonce challenge); the token is DPoP and bound to the key the wallet signs with', async () => {
    await wallet.connect({ url: world.mcpUrl });
    const exchanges = world.as.tokenRequests.filter((r) => r.grantType === 'authorization_code');
    expect(exchanges.map((r) => r.error ?? r.status)).toEqual(['use_dpop_nonce', 200]);
    const token = await wallet.accessToken({ url: world.mcpUrl });
    expect(token.tokenType).toBe('DPoP');
    const { proof } = await wallet.dpopProof({ url: world.mcpUrl, method: 'POST', target: world.mcpUrl, ath: accessTokenHash(token.accessToken) });
    expect(boundKey(token.accessToken)).toBe(await proofKey(proof));
  });

  it('a refresh proves the same key with the nonce the sign-in learnt (no use_dpop_nonce round trip): the new token stays bound to it', async () => {
    const before = await wallet.accessToken({ url: world.mcpUrl });
    const refreshed = await wallet.accessToken({ url: world.mcpUrl, minTtlSeconds: 3600 });
    expect(refreshed.accessToken).not.toBe(before.accessToken);
    expect(refreshed.tokenType).toBe('DPoP');
    expect(boundKey(refreshed.accessToken)).toBe(boundKey(before.accessToken));
    expect(world.as.tokenRequests.filter((r) => r.grantType === 'refresh_token').map((r) => r.error ?? r.status)).toEqual([200]);
  });

  it('T42: no proof for another origin, and the vault record\'s key is never in a summary', async () => {
    const token = await wallet.accessToken({ url: world.mcpUrl });
    await expect(
      wallet.dpopProof({ url: world.mcpUrl, method: 'POST', target: 'http://localhost:1/mcp', ath: accessTokenHash(token.accessToken) }),
    ).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    expect(JSON.stringify(await wallet.listConnections())).not.toMatch(/privateJwk|"d":/);
  });
});
