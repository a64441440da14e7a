/** Scopes typed into a form field (space- or comma-separated), checked against the contract's limits. */

/** Scopes as typed, or a reason they cannot be used. */
export function parseScopes(text: string): string[] | string {
  const scopes = [...new Set(text.split(/[\s,]+/).filter((scope) => scope.length > 0))];
  if (scopes.length > 64) return 'At most 64 scopes.';
  if (scopes.some((scope) => scope.length > 128)) return 'A scope has at most 128 characters.';
  return scopes;
}
