/**
 * The world's DPoP resource checks (dpop-resource.ts) with real jose keys and tokens: the request
 * a DPoP client should send passes, and each copy an attacker could make is refused with its own
 * reason (T42, T43).
 */
import { randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessTokenHash } from '../../electron/base/net/dpop-wire.js';
import { createDpopResourceGuard, type DpopResourceGuard } from './dpop-resource.js';

const URL_ = 'http://127.0.0.1:4000/mcp';
const ISSUER = 'http://127.0.0.1:4001';

interface KeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
  jkt: string;
}

let issuerKey: KeyPair;
let holder: KeyPair;
let attacker: KeyPair;

async function keyPair(): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = await exportJWK(publicKey);
  return { privateKey, publicKey, jwk, jkt: await calculateJwkThumbprint(jwk, 'sha256') };
}

function accessToken(claims: JWTPayload): Promise<string> {
  return new SignJWT({ scope: 'mcp:read', client_id: 'c1', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(URL_)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(issuerKey.privateKey);
}

function proof(key: KeyPair, claims: JWTPayload, typ = 'dpop+jwt'): Promise<string> {
  return new SignJWT({ htm: 'POST', htu: URL_, jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ alg: 'ES256', typ, jwk: key.jwk })
    .sign(key.privateKey);
}

function guardFor(requireNonce: boolean): DpopResourceGuard {
  return createDpopResourceGuard({
    requireNonce,
    verifyToken: async (token) => (await jwtVerify(token, issuerKey.publicKey, { issuer: ISSUER, audience: URL_, typ: 'at+jwt' })).payload,
  });
}

beforeAll(async () => {
  [issuerKey, holder, attacker] = await Promise.all([keyPair(), keyPair(), keyPair()]);
});

describe('the world\'s DPoP resource server checks', () => {
  it('accepts a bound token with a fresh proof of its key, and records the headers it saw', async () => {
    const guard = guardFor(false);
    const token = await accessToken({ cnf: { jkt: holder.jkt } });
    const dpop = await proof(holder, { ath: accessTokenHash(token) });
    const outcome = await guard.check({ method: 'post', url: `${URL_}?x=1`, authorization: `DPoP ${token}`, proof: dpop });
    expect(outcome).toMatchObject({ ok: true });
    expect(guard.counters).toEqual({ accepted: 1, refused: {} });
    expect(guard.lastAccepted).toEqual({ authorization: `DPoP ${token}`, proof: dpop });
  });

  it('T43: a proof sent a second time is refused as a replay', async () => {
    const guard = guardFor(false);
    const token = await accessToken({ cnf: { jkt: holder.jkt } });
    const request = { method: 'POST', url: URL_, authorization: `DPoP ${token}`, proof: await proof(holder, { ath: accessTokenHash(token) }) };
    expect(await guard.check(request)).toMatchObject({ ok: true });
    expect(await guard.check(request)).toMatchObject({ ok: false, reason: 'replayed-proof' });
  });

  it('T42: each copy an attacker can make of a bound token is refused with its reason', async () => {
    const guard = guardFor(false);
    const token = await accessToken({ cnf: { jkt: holder.jkt } });
    const ath = accessTokenHash(token);
    const base = { method: 'POST', url: URL_, authorization: `DPoP ${token}` };
    const cases: Array<[string, Promise<unknown>]> = [
      ['bearer-for-bound-token', guard.check({ ...base, authorization: `Bearer ${token}`, proof: undefined })],
      ['missing-proof', guard.check({ ...base, proof: undefined })],
      ['wrong-key', guard.check({ ...base, proof: await proof(attacker, { ath }) })],
      ['invalid-proof', guard.check({ ...base, proof: await proof(holder, { ath }, 'JWT') })],
      ['wrong-method', guard.check({ ...base, proof: await proof(holder, { ath, htm: 'GET' }) })],
      ['wrong-url', guard.check({ ...base, proof: await proof(holder, { ath, htu: 'https://evil.example/mcp' }) })],
      ['stale-proof', guard.check({ ...base, proof: await proof(holder, { ath, iat: Math.floor(Date.now() / 1000) - 3600 }) })],
      ['wrong-token-hash', guard.check({ ...base, proof: await proof(holder, { ath: accessTokenHash('another token') }) })],
      ['invalid-token', guard.check({ ...base, authorization: 'DPoP not-a-token', proof: await proof(holder, { ath }) })],
      ['no-token', guard.check({ ...base, authorization: undefined, proof: undefined })],
    ];
    for (const [reason, outcome] of cases) expect(await outcome, reason).toMatchObject({ ok: false, reason });
    expect(guard.counters.accepted).toBe(0);
  });

  it('a token not bound to a key is refused, as Bearer and as DPoP', async () => {
    const guard = guardFor(false);
    const token = await accessToken({});
    const dpop = await proof(holder, { ath: accessTokenHash(token) });
    expect(await guard.check({ method: 'POST', url: URL_, authorization: `Bearer ${token}`, proof: undefined })).toMatchObject({ reason: 'token-not-bound' });
    expect(await guard.check({ method: 'POST', url: URL_, authorization: `DPoP ${token}`, proof: dpop })).toMatchObject({ reason: 'token-not-bound' });
  });

  it('with its nonce required, a proof without it is refused with use-dpop-nonce and one carrying it passes', async () => {
    const guard = guardFor(true);
    const token = await accessToken({ cnf: { jkt: holder.jkt } });
    const ath = accessTokenHash(token);
    const base = { method: 'POST', url: URL_, authorization: `DPoP ${token}` };
    expect(await guard.check({ ...base, proof: await proof(holder, { ath }) })).toMatchObject({ reason: 'use-dpop-nonce' });
    expect(await guard.check({ ...base, proof: await proof(holder, { ath, nonce: guard.nonce }) })).toMatchObject({ ok: true });
    guard.setRequireNonce(false);
    expect(await guard.check({ ...base, proof: await proof(holder, { ath }) })).toMatchObject({ ok: true });
    expect(guard.counters).toEqual({ accepted: 2, refused: { 'use-dpop-nonce': 1 } });
  });
});
