/** T7: one automatic sign-in per refusal, per connection and issuer, while the signed-in token lives. */
import { describe, expect, it } from 'vitest';
import { ErrorCode, LatchkeyError } from '../../../../shared/errors.js';
import { SignInsAfter401 } from '../../../../electron/wallet/connections/sign-in-bound.js';
import type { ConnectionRecord } from '../../../../electron/wallet/oauth/records.js';

function record(issuer: string, expiresAt: number, resource = 'https://mcp.example.com/mcp'): ConnectionRecord {
  return {
    resource,
    serverUrl: resource,
    issuer,
    clientId: 'client',
    serverMetadata: { issuer },
    scopes: ['mcp:read'],
    deniedScopes: [],
    sendResource: true,
    accessToken: { value: 'at', expiresAt, scope: ['mcp:read'] },
    status: 'ok',
    connectedAt: 0,
    updatedAt: 0,
  };
}

function refusal(run: () => void): LatchkeyError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(LatchkeyError);
    return error as LatchkeyError;
  }
  throw new Error('expected a refusal');
}

describe('SignInsAfter401 (T7)', () => {
  it('refuses a second sign-in at the same issuer while the token of the first lives; allows it once that token expired', () => {
    let now = 1_000;
    const bound = new SignInsAfter401({ now: () => now });
    const signedIn = record('https://as.example.com', 61_000);
    bound.assertAllowed(signedIn);
    bound.remember(signedIn);
    const error = refusal(() => bound.assertAllowed(signedIn));
    expect(error.code).toBe(ErrorCode.SignInRejected);
    expect(error.hint).toContain('latchkey connect https://mcp.example.com/mcp');
    now = 61_000;
    expect(() => bound.assertAllowed(signedIn)).not.toThrow();
  });

  it('does not bind a sign-in at another issuer (a move), another connection, or after forget (disconnect)', () => {
    const bound = new SignInsAfter401({ now: () => 0 });
    bound.remember(record('https://old.example.com', 60_000));
    expect(() => bound.assertAllowed(record('https://new.example.com', 60_000))).not.toThrow();
    expect(() => bound.assertAllowed(record('https://old.example.com', 60_000, 'https://other.example.com/mcp'))).not.toThrow();
    bound.forget({ resource: 'https://mcp.example.com/mcp' });
    expect(() => bound.assertAllowed(record('https://old.example.com', 60_000))).not.toThrow();
  });
});
