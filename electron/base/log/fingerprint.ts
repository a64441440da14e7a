import { createHash } from 'node:crypto';

/** A stable, non-reversible short name for a secret: what logs and the UI show instead of it. */
export function fingerprint(secret: string): string {
  return `sha256:${createHash('sha256').update(secret).digest('base64url').slice(0, 12)}`;
}
