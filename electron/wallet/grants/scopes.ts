/** OAuth scope lists as grants and requests use them (RFC 6749 §3.3 scope-token). */

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
export const MAX_SCOPES = 64;

export function isScopeToken(scope: string): boolean {
  return SCOPE_TOKEN.test(scope);
}

/** Drops duplicates, keeping first-seen order. */
export function uniqueScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes)];
}

/** True when every scope in `wanted` is in `allowed`. */
export function isSubset(wanted: readonly string[], allowed: readonly string[]): boolean {
  const set = new Set(allowed);
  return wanted.every((scope) => set.has(scope));
}
