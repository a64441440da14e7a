/**
 * DPoP proofs for resource requests (RFC 9449 §4, §7): a `dpop+jwt` signed with the connection's
 * key, its public key in the `jwk` header, and `jti`, `htm`, `htu` (no query or fragment), `iat`,
 * `ath` (the hash of the access token it goes with) and, when the server asked for one, `nonce`.
 * A fresh `jti` every time: a proof is good for one request. The hash is taken by whoever holds
 * the token, so a proof can be asked for without handing the token over.
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
export { accessTokenHash, resourceNonceChallenge } from '../../base/net/dpop-wire.js';
import { DPOP_ALG, cryptoKeyPairOf, publicJwkOf } from './dpop-key.js';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { ConnectionRecord, DpopKey } from './records.js';

export interface ResourceProofRequest {
  /** The HTTP method of the request the proof goes with. */
  method: string;
  /** Its URL; the query and fragment are left out of `htu`. */
  url: string;
  /** `ath`: base64url SHA-256 of the access token (accessTokenHash). */
  ath: string;
  /** The server's latest `DPoP-Nonce`, when it asked for one. */
  nonce?: string | undefined;
}

/** `htu`: the request's URL without its query and fragment. */
export function proofTarget(url: string): string {
  const target = new URL(url);
  target.search = '';
  target.hash = '';
  return target.href;
}

/** A proof for one resource request, signed with the connection's key. */
export async function signResourceProof(key: DpopKey, request: ResourceProofRequest, nowMs: number): Promise<string> {
  const { privateKey } = await cryptoKeyPairOf(key);
  return new SignJWT({
    htm: request.method.toUpperCase(),
    htu: proofTarget(request.url),
    ath: request.ath,
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
  })
    .setProtectedHeader({ alg: DPOP_ALG, typ: 'dpop+jwt', jwk: publicJwkOf(key) })
    .setJti(randomUUID())
    .setIssuedAt(Math.floor(nowMs / 1000))
    .sign(privateKey);
}

/**
 * A proof for a request to the connection's own server: only a DPoP-bound connection has a key,
 * and only a URL on its resource's origin is signed for (a proof is no use anywhere else).
 */
export async function connectionProof(record: Pick<ConnectionRecord, 'resource' | 'dpopKey'>, request: ResourceProofRequest, nowMs: number): Promise<string> {
  if (record.dpopKey === undefined) {
    throw new LatchkeyError(ErrorCode.NotSenderConstrained, `The connection to ${record.resource} does not use DPoP: its token goes as a Bearer token, with no proof.`, {
      details: { resource: record.resource },
    });
  }
  if (!URL.canParse(request.url) || new URL(request.url).origin !== new URL(record.resource).origin) {
    throw new LatchkeyError(ErrorCode.InvalidInput, `A DPoP proof is signed only for requests to ${new URL(record.resource).origin}.`, {
      details: { resource: record.resource },
    });
  }
  return signResourceProof(record.dpopKey, request, nowMs);
}
