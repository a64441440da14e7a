import { UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issuedLifetime } from '../../../../electron/wallet/oauth/token-lifetime.js';

const NOW = 1_700_000_000_000;
const NOW_S = NOW / 1000;

function jwt(claims: Record<string, number | string>): string {
  return new UnsecuredJWT(claims).encode();
}

describe('T38: a token\'s real lifetime', () => {
  it('a JWT\'s exp wins over a longer expires_in; its lifetime is exp − iat', () => {
    expect(issuedLifetime(jwt({ iat: NOW_S, exp: NOW_S + 600 }), 3600, NOW)).toEqual({ expiresAt: NOW + 600_000, lifetimeSeconds: 600 });
  });

  it('a shorter expires_in wins over the JWT\'s exp', () => {
    expect(issuedLifetime(jwt({ iat: NOW_S, exp: NOW_S + 600 }), 60, NOW)).toEqual({ expiresAt: NOW + 60_000, lifetimeSeconds: 60 });
  });

  it('a JWT without expires_in: exp alone, and without iat the lifetime left', () => {
    expect(issuedLifetime(jwt({ exp: NOW_S + 300 }), undefined, NOW)).toEqual({ expiresAt: NOW + 300_000, lifetimeSeconds: 300 });
  });

  it('an opaque token: expires_in alone', () => {
    expect(issuedLifetime('opaque-token', 900, NOW)).toEqual({ expiresAt: NOW + 900_000, lifetimeSeconds: 900 });
  });

  it('nothing said (no expires_in, opaque or undecodable token, exp not a number): unknown, never a guess', () => {
    expect(issuedLifetime('opaque-token', undefined, NOW)).toEqual({});
    expect(issuedLifetime('a.b.c', 0, NOW)).toEqual({});
    expect(issuedLifetime(jwt({ exp: 'soon' }), 'x', NOW)).toEqual({});
  });
});
