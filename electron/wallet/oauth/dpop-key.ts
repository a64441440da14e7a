/**
 * A connection's DPoP key (RFC 9449): one ES256 key pair per connection, made when the connection
 * first signs in at an authorization server that advertises DPoP, kept in the vault record as a
 * private JWK and never shown, logged or handed out (only its thumbprint is). openid-client signs
 * the proofs of token and refresh requests with it (DpopHandles); dpop-proof.ts signs the proofs
 * of resource requests.
 */
import * as client from 'openid-client';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { AuthorizationServer } from './client-config.js';
import { DpopKey } from './records.js';

/** The one proof algorithm Latchkey signs with. */
export const DPOP_ALG = 'ES256';

/** True when the AS's metadata lists ES256 among its DPoP proof algorithms: its connections are DPoP-bound. */
export function supportsDpop(as: AuthorizationServer): boolean {
  const algs = as['dpop_signing_alg_values_supported'];
  return Array.isArray(algs) && algs.includes(DPOP_ALG);
}

/** A fresh key pair, as the vault keeps it. */
export async function generateDpopKey(): Promise<DpopKey> {
  const { privateKey } = await generateKeyPair(DPOP_ALG, { extractable: true });
  const privateJwk = DpopKey.shape.privateJwk.parse(await exportJWK(privateKey));
  const { kty, crv, x, y } = privateJwk;
  return { privateJwk, thumbprint: await calculateJwkThumbprint({ kty, crv, x, y }, 'sha256') };
}

/** The public half: what a proof's `jwk` header carries. */
export function publicJwkOf(key: DpopKey): JWK {
  const { kty, crv, x, y } = key.privateJwk;
  return { kty, crv, x, y };
}

/** Both halves as CryptoKeys; the private one not extractable. */
export async function cryptoKeyPairOf(key: DpopKey): Promise<client.CryptoKeyPair> {
  const privateKey = await importJWK({ ...key.privateJwk, alg: DPOP_ALG }, DPOP_ALG, { extractable: false });
  const publicKey = await importJWK({ ...publicJwkOf(key), alg: DPOP_ALG }, DPOP_ALG, { extractable: true });
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) throw new TypeError('an EC JWK imports as a CryptoKey');
  return { privateKey, publicKey };
}

/** openid-client's DPoP handle for the token and refresh requests of one connection (it retries once on `use_dpop_nonce`). */
export async function dpopHandleFor(config: client.Configuration, key: DpopKey | undefined): Promise<client.DPoPHandle | undefined> {
  if (key === undefined) return undefined;
  return client.getDPoPHandle(config, await cryptoKeyPairOf(key));
}

/**
 * The wallet's openid-client DPoP handles, one per authorization server and connection key. A handle
 * remembers the server's last `DPoP-Nonce` (RFC 9449 §8), so keeping it means a refresh carries the
 * nonce from the start instead of paying a `use_dpop_nonce` round trip every time. Bounded: the
 * least recently used handle goes first.
 */
export class DpopHandles {
  private readonly handles = new Map<string, Promise<client.DPoPHandle>>();

  constructor(private readonly max = 256) {}

  async handleFor(config: client.Configuration, key: DpopKey | undefined): Promise<client.DPoPHandle | undefined> {
    if (key === undefined) return undefined;
    const id = `${config.serverMetadata().issuer} ${key.thumbprint}`;
    const known = this.handles.get(id);
    if (known !== undefined) {
      this.handles.delete(id);
      this.handles.set(id, known);
      return known;
    }
    const made = cryptoKeyPairOf(key).then((pair) => client.getDPoPHandle(config, pair));
    this.handles.set(id, made);
    made.catch(() => this.handles.delete(id));
    for (const oldest of this.handles.keys()) {
      if (this.handles.size <= this.max) break;
      this.handles.delete(oldest);
    }
    return made;
  }
}
