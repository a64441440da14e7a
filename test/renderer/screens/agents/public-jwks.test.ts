/** The JWK set shown for an administrator holds only public members, whatever it is handed. */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatJwks, publicJwksOf } from '../../../../renderer/screens/agents/public-jwks.js';

describe('publicJwksOf', () => {
  it.each([
    ['ES256', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey],
    ['RS256', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey],
  ] as const)('keeps the public members of a %s key and drops every private one', (alg, privateKey) => {
    const jwk = { ...privateKey.export({ format: 'jwk' }), alg, kid: 'k1', use: 'sig' } as Record<string, unknown>;
    expect(jwk['d']).toEqual(expect.any(String));
    const [key] = publicJwksOf([jwk]).keys;
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(member);
    expect(key).toMatchObject({ kty: alg === 'ES256' ? 'EC' : 'RSA', alg, kid: 'k1', use: 'sig' });
    expect(formatJwks(publicJwksOf([jwk]))).not.toContain(String(jwk['d']));
  });
});
