import { hash } from 'node:crypto';

/** A stable, non-reversible short name for a secret: what logs and the UI show instead of it. */
export function fingerprint(secret: string): string {
  return `sha256:${hash('sha256', secret, 'base64url').slice(0, 12)}`;
}
