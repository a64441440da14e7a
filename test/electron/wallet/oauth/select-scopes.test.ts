import { describe, expect, it } from 'vitest';
import { coversScopes, parseScope, selectScopes, unionScopes } from '../../../../electron/wallet/oauth/select-scopes.js';

describe('selectScopes (A6)', () => {
  it('A6: the challenge scope wins over PRM scopes_supported', () => {
    expect(selectScopes({ challenged: ['mcp:read'], resourceSupported: ['mcp:read', 'mcp:write'] })).toEqual(['mcp:read']);
  });

  it('A6: without a challenge scope, PRM scopes_supported is used', () => {
    expect(selectScopes({ resourceSupported: ['mcp:read', 'mcp:write'] })).toEqual(['mcp:read', 'mcp:write']);
  });

  it('A6: with neither, scope is omitted', () => {
    expect(selectScopes({})).toBeUndefined();
    expect(selectScopes({ challenged: [], resourceSupported: [], serverSupported: ['offline_access'] })).toBeUndefined();
  });

  it('A6: offline_access is added only when the AS lists it', () => {
    expect(selectScopes({ challenged: ['a'], serverSupported: ['a', 'offline_access'] })).toEqual(['a', 'offline_access']);
    expect(selectScopes({ challenged: ['a', 'offline_access'], serverSupported: ['a'] })).toEqual(['a']);
  });

  it('A6: re-authorization asks for the union of granted and newly challenged scopes', () => {
    expect(selectScopes({ previouslyGranted: ['mcp:read'], challenged: ['mcp:write'] })).toEqual(['mcp:read', 'mcp:write']);
  });

  it('an explicit user choice replaces challenge and PRM', () => {
    expect(selectScopes({ requested: ['x'], challenged: ['y'], resourceSupported: ['z'] })).toEqual(['x']);
  });

  it('helpers: parse, union, cover', () => {
    expect(parseScope('  a b  c ')).toEqual(['a', 'b', 'c']);
    expect(parseScope(undefined)).toEqual([]);
    expect(unionScopes(['a', 'b'], ['b', 'c', ''])).toEqual(['a', 'b', 'c']);
    expect(coversScopes(['a', 'b'], ['b'])).toBe(true);
    expect(coversScopes(['a'], ['a', 'b'])).toBe(false);
  });
});
