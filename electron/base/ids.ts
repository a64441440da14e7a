/**
 * Random ids and agent/session secrets (threats T11, T12, T16).
 *
 * Ids name things (agents, sessions, grants, approvals): random, never guessable, and never
 * accepted as proof of anything. Secrets authenticate agents: 256 random bits behind a
 * recognisable prefix, so secret scanners can find a leaked one. Only a secret's hash is stored;
 * a fast hash is right because the secret has full entropy (nothing to brute-force).
 */
import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/** agt agent, ses session, grt grant, apr approval, req request, rpc owner RPC call. */
export const ID_PREFIXES = ['agt', 'ses', 'grt', 'apr', 'req', 'rpc'] as const;
export type IdPrefix = (typeof ID_PREFIXES)[number];

const ID_BYTES = 24;
const SECRET_BYTES = 32;

/** `<prefix>_<24 random bytes, base64url>`: 32 characters after the prefix; matches shared `Id`. */
export function newId(prefix: IdPrefix): string {
  if (!(ID_PREFIXES as readonly string[]).includes(prefix)) throw new TypeError(`Unknown id prefix "${String(prefix)}".`);
  return `${prefix}_${randomBytes(ID_BYTES).toString('base64url')}`;
}

export type SecretKind = 'agent' | 'session';

/** Every Latchkey secret matches this (for scanners, redaction and quick shape checks). */
export const SECRET_PATTERN = /(?<![A-Za-z0-9_-])lk_(?:agent|session)_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/;

/** `lk_agent_…` or `lk_session_…` followed by 32 random bytes, base64url (43 characters). */
export function newSecret(kind: SecretKind): string {
  return `lk_${kind}_${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** SHA-256 of the secret's UTF-8 bytes, hex: what the vault keeps instead of a secret. */
export function hashSecret(secret: string): string {
  return hash('sha256', secret, 'hex');
}

/** hashSecret's digest as bytes, for a constant-time compare without decoding the hex again. */
export function hashSecretBytes(secret: string): Buffer {
  return hash('sha256', secret, 'buffer');
}

/**
 * Constant-time equality for secrets or hashes of any length: both sides are hashed first, so
 * neither the content nor the length of the expected value leaks through timing.
 */
export function secretsEqual(a: string, b: string): boolean {
  return timingSafeEqual(hashSecretBytes(a), hashSecretBytes(b));
}
