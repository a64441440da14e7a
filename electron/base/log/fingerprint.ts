import type * as Crypto from 'node:crypto';
import { builtinModule } from '../builtin-module.js';

/**
 * node:crypto, loaded on the first fingerprint: every CLI start loads the logger (its redaction) and
 * so this module, and node:crypto costs a short-lived process such as an agent's `latchkey token` some 15 ms.
 */
let cryptoHash: typeof Crypto.hash | undefined;

/** A stable, non-reversible short name for a secret: what logs and the UI show instead of it. */
export function fingerprint(secret: string): string {
  cryptoHash ??= builtinModule<typeof Crypto>('node:crypto').hash;
  return `sha256:${cryptoHash('sha256', secret, 'base64url').slice(0, 12)}`;
}
