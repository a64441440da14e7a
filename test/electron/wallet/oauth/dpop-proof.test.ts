import { calculateJwkThumbprint, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../../shared/errors.js';
import { generateDpopKey, publicJwkOf, supportsDpop } from '../../../../electron/wallet/oauth/dpop-key.js';
import { accessTokenHash, connectionProof, proofTarget, resourceNonceChallenge, signResourceProof } from '../../../../electron/wallet/oauth/dpop-proof.js';
import type { AuthorizationServer } from '../../../../electron/wallet/oauth/client-config.js';

const NOW = 1_700_000_000_000;
const RESOURCE = 'https://mcp.example.com/mcp';

async function verifyProof(proof: string): Promise<{ header: ReturnType<typeof decodeProtectedHeader>; claims: Record<string, unknown> }> {
  const header = decodeProtectedHeader(proof);
  const key = await importJWK(header.jwk as JWK, 'ES256');
  const { payload } = await jwtVerify(proof, key, { typ: 'dpop+jwt', algorithms: ['ES256'], currentDate: new Date(NOW) });
  return { header, claims: payload };
}

describe('DPoP keys (RFC 9449)', () => {
  it('a connection is DPoP-bound only when its AS lists ES256 among its proof algorithms', () => {
    const as = (algs: unknown): AuthorizationServer => {
      const metadata: Record<string, unknown> = { issuer: 'https://as.example.com', dpop_signing_alg_values_supported: algs };
      return metadata as AuthorizationServer;
    };
    expect(supportsDpop(as(['ES256', 'RS256']))).toBe(true);
    expect(supportsDpop(as(['RS256']))).toBe(false);
    expect(supportsDpop(as(undefined))).toBe(false);
    expect(supportsDpop(as('ES256'))).toBe(false);
  });

  it('a fresh P-256 key each time; its thumbprint is the public key\'s, and the public half carries no private part', async () => {
    const [a, b] = await Promise.all([generateDpopKey(), generateDpopKey()]);
    expect(a.thumbprint).not.toBe(b.thumbprint);
    expect(a.privateJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(publicJwkOf(a)).not.toHaveProperty('d');
    expect(await calculateJwkThumbprint(publicJwkOf(a), 'sha256')).toBe(a.thumbprint);
  });
});

describe('T42, T43: resource proofs', () => {
  it('a proof is a dpop+jwt with the public jwk, htm, htu without query or fragment, iat, ath and the nonce asked for', async () => {
    const key = await generateDpopKey();
    const ath = accessTokenHash('at-123');
    const proof = await signResourceProof(key, { method: 'post', url: `${RESOURCE}?session=1#x`, ath, nonce: 'n-1' }, NOW);
    const { header, claims } = await verifyProof(proof);
    expect(header).toMatchObject({ alg: 'ES256', typ: 'dpop+jwt' });
    expect(header.jwk).toEqual(publicJwkOf(key));
    expect(claims).toMatchObject({ htm: 'POST', htu: RESOURCE, iat: NOW / 1000, ath, nonce: 'n-1' });
    expect(typeof claims['jti']).toBe('string');
  });

  it('T43 proof replay: every proof has its own jti, so a server that remembers them refuses a copy', async () => {
    const key = await generateDpopKey();
    const request = { method: 'POST', url: RESOURCE, ath: accessTokenHash('at') };
    const proofs = await Promise.all([1, 2, 3].map(() => signResourceProof(key, request, NOW)));
    const jtis = await Promise.all(proofs.map(async (p) => (await verifyProof(p)).claims['jti']));
    expect(new Set(jtis).size).toBe(3);
  });

  it('ath is the base64url SHA-256 of the token (RFC 9449 §4.2 example)', () => {
    expect(accessTokenHash('Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU')).toBe('fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo');
    expect(proofTarget('https://a.example/p?q=1#f')).toBe('https://a.example/p');
  });

  it('T42 key theft: only a DPoP-bound connection signs, and only for its own origin', async () => {
    const key = await generateDpopKey();
    const request = { method: 'POST', url: RESOURCE, ath: accessTokenHash('at') };
    await expect(connectionProof({ resource: RESOURCE }, request, NOW)).rejects.toMatchObject({ code: ErrorCode.NotSenderConstrained });
    await expect(connectionProof({ resource: RESOURCE, dpopKey: key }, { ...request, url: 'https://evil.example/mcp' }, NOW)).rejects.toMatchObject({ code: ErrorCode.InvalidInput });
    await expect(connectionProof({ resource: RESOURCE, dpopKey: key }, { ...request, url: 'https://mcp.example.com/other' }, NOW)).resolves.toMatch(/^ey/);
  });

  it('a use_dpop_nonce challenge gives the server\'s nonce; any other answer none', () => {
    const answer = (status: number, headers: Record<string, string>): Pick<Response, 'status' | 'headers'> => ({ status, headers: new Headers(headers) });
    expect(resourceNonceChallenge(answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-2' }))).toBe('n-2');
    expect(resourceNonceChallenge(answer(401, { 'www-authenticate': 'DPoP error="invalid_token"', 'dpop-nonce': 'n-2' }))).toBeUndefined();
    expect(resourceNonceChallenge(answer(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"' }))).toBeUndefined();
    expect(resourceNonceChallenge(answer(400, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'n-2' }))).toBeUndefined();
  });
});
