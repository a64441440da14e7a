/**
 * Scope selection (protocol.md A6): the 401 challenge's `scope` first, else the protected
 * resource metadata's `scopes_supported`, else no `scope` at all. `offline_access` is added only
 * when the AS lists it. A re-authorization asks for the union of what was granted and what the
 * resource now asks for (a refresh can never widen scope, so step-up re-authorizes).
 */
export interface ScopeSources {
  /** `scope` of the Bearer challenge that sent us here, split on spaces. */
  challenged?: readonly string[] | undefined;
  /** PRM `scopes_supported`. */
  resourceSupported?: readonly string[] | undefined;
  /** AS metadata `scopes_supported`. */
  serverSupported?: readonly string[] | undefined;
  /** Scopes granted by an earlier authorization of the same connection. */
  previouslyGranted?: readonly string[] | undefined;
  /** The user's explicit choice (`--scope`), which replaces challenge/PRM selection. */
  requested?: readonly string[] | undefined;
}

export const OFFLINE_ACCESS = 'offline_access';

/** Returns the scopes to request, or `undefined` to omit the parameter. Order is stable. */
export function selectScopes(sources: ScopeSources): string[] | undefined {
  const base = firstNonEmpty(sources.requested, sources.challenged, sources.resourceSupported);
  const wanted = unionScopes(sources.previouslyGranted ?? [], base ?? []).filter((s) => s !== OFFLINE_ACCESS);
  if (wanted.length === 0) return undefined;
  if (sources.serverSupported?.includes(OFFLINE_ACCESS) === true) wanted.push(OFFLINE_ACCESS);
  return wanted;
}

/** Union preserving first-seen order; empty strings dropped. */
export function unionScopes(...lists: ReadonlyArray<readonly string[]>): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const scope of list) if (scope !== '') seen.add(scope);
  return [...seen];
}

export function parseScope(value: string | undefined | null): string[] {
  return value === undefined || value === null ? [] : value.split(' ').filter((s) => s !== '');
}

/** True when every scope of `needed` is in `held`. */
export function coversScopes(held: readonly string[], needed: readonly string[]): boolean {
  const have = new Set(held);
  return needed.every((s) => have.has(s));
}

function firstNonEmpty(...lists: Array<readonly string[] | undefined>): readonly string[] | undefined {
  return lists.find((list) => list !== undefined && list.length > 0);
}
