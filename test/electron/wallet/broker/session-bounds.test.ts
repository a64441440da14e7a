/** T40: how a delegated session's bounds cut a token request, the audit chain, and the owner read from a JWT. */
import { describe, expect, it } from 'vitest';
import type { SessionSummary } from '../../../../shared/agents.js';
import { ErrorCode } from '../../../../shared/errors.js';
import { boundedScopes, chainOf, subjectOfToken } from '../../../../electron/wallet/broker/session-bounds.js';
import { thrownCode as codeOf } from '../../../support/rejection.js';

const SERVER = 'https://mcp.example.com/mcp';
const session = (bounds?: SessionSummary['bounds']): SessionSummary => ({
  id: 'ses_0123456789abcdef01',
  agentId: 'agt_0123456789abcdef01',
  createdAt: 0,
  expiresAt: 1,
  ...(bounds === undefined ? {} : { bounds }),
});

describe('T40: session bounds', () => {
  it('an unbounded session asks as it is', () => {
    expect(boundedScopes(undefined, SERVER, ['a'], () => [])).toEqual(['a']);
    expect(boundedScopes(session(), SERVER, undefined, () => [])).toBeUndefined();
  });

  it('a bounded session is refused outside its servers and scopes, never narrowed', () => {
    const bounded = session({ resources: [SERVER], scopes: ['mcp:read'] });
    expect(codeOf(() => boundedScopes(bounded, 'https://other.example/mcp', ['mcp:read'], () => ['mcp:read']))).toBe(ErrorCode.GrantDenied);
    expect(codeOf(() => boundedScopes(bounded, SERVER, ['mcp:read', 'mcp:write'], () => ['mcp:read', 'mcp:write']))).toBe(ErrorCode.ScopeNotGranted);
    expect(boundedScopes(bounded, SERVER, ['mcp:read'], () => [])).toEqual(['mcp:read']);
  });

  it('without scopes, a bounded session asks for its scopes the grant holds there, or is refused when none', () => {
    const bounded = session({ scopes: ['mcp:read', 'files:read'] });
    expect(boundedScopes(bounded, SERVER, [], () => ['mcp:read', 'mcp:write'])).toEqual(['mcp:read']);
    expect(codeOf(() => boundedScopes(bounded, SERVER, undefined, () => ['mcp:write']))).toBe(ErrorCode.ScopeNotGranted);
  });

  it('the chain runs from the innermost session to the owner', () => {
    expect(chainOf('lead', [session()])).toEqual(['ses_0123456789abcdef01', 'lead', 'owner']);
    expect(chainOf('lead', [])).toEqual(['lead', 'owner']);
  });

  it("the owner is a JWT's sub; opaque or odd tokens give none", () => {
    const jwt = (payload: unknown): string => `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
    expect(subjectOfToken(jwt({ sub: 'alice@example.com' }))).toBe('alice@example.com');
    expect(subjectOfToken(jwt({ sub: 42 }))).toBeUndefined();
    expect(subjectOfToken(jwt(null))).toBeUndefined();
    expect(subjectOfToken('opaque-token')).toBeUndefined();
    expect(subjectOfToken('a.!!!.c')).toBeUndefined();
  });
});
