/**
 * The two DPoP (RFC 9449) facts both sides of a resource request need: the `ath` of a token, and
 * the nonce a resource server asks proofs to carry. The wallet signs proofs; `latchkey mcp` asks
 * for them; both read the wire the same way.
 */
import { hash } from 'node:crypto';
import { parseWwwAuthenticate } from '../../../shared/www-authenticate.js';

/** `ath` (RFC 9449 §4.2): base64url of the SHA-256 of the token's ASCII bytes (one byte per character, as 'latin1' encodes). */
export function accessTokenHash(accessToken: string): string {
  return hash('sha256', Buffer.from(accessToken, 'latin1'), 'base64url');
}

/**
 * The nonce a resource server asks proofs to carry (RFC 9449 §9): a 401 whose DPoP challenge says
 * `error="use_dpop_nonce"`, with the nonce in `DPoP-Nonce`. Undefined for any other answer.
 */
export function resourceNonceChallenge(response: { status: number; headers: { get(name: string): string | null } }): string | undefined {
  if (response.status !== 401) return undefined;
  const nonce = response.headers.get('dpop-nonce');
  if (nonce === null || nonce === '') return undefined;
  const asked = parseWwwAuthenticate(response.headers.get('www-authenticate')).some((c) => c.scheme === 'dpop' && c.params['error'] === 'use_dpop_nonce');
  return asked ? nonce : undefined;
}
