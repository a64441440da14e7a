/**
 * How long an access token really lives at its server (T38): the token response's `expires_in`
 * and, when the token is a JWT, its own `exp` (decoded, not verified: the resource server does the
 * verifying; we only read the figure it will hold the token to). The earlier of the two wins, so
 * what Latchkey reports is never later than the truth, and never shorter than what the server
 * told us.
 */
import { decodeJwt } from 'jose';

export interface IssuedLifetime {
  /** Epoch ms the token stops being accepted; undefined when the server says nothing. */
  expiresAt?: number;
  /** The token's whole lifetime as issued, seconds (exp − iat, or expires_in; the smaller). */
  lifetimeSeconds?: number;
}

/** The `exp`/`iat` claims of a JWT access token, or undefined for opaque tokens. */
function jwtTimes(accessToken: string): { exp?: number; iat?: number } | undefined {
  if (accessToken.split('.').length !== 3) return undefined;
  try {
    const claims = decodeJwt(accessToken);
    const exp = typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : undefined;
    const iat = typeof claims.iat === 'number' && Number.isFinite(claims.iat) ? claims.iat : undefined;
    return { ...(exp === undefined ? {} : { exp }), ...(iat === undefined ? {} : { iat }) };
  } catch {
    return undefined;
  }
}

/** The token's real expiry and lifetime from `expires_in` (seconds, as received) and its JWT claims. */
export function issuedLifetime(accessToken: string, expiresIn: unknown, now: number): IssuedLifetime {
  const fromExpiresIn = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : undefined;
  const jwt = jwtTimes(accessToken);
  const expiries: number[] = [];
  const lifetimes: number[] = [];
  if (fromExpiresIn !== undefined) {
    expiries.push(now + fromExpiresIn * 1000);
    lifetimes.push(fromExpiresIn);
  }
  if (jwt?.exp !== undefined) {
    expiries.push(jwt.exp * 1000);
    lifetimes.push(jwt.iat === undefined ? Math.max(0, jwt.exp - now / 1000) : Math.max(0, jwt.exp - jwt.iat));
  }
  if (expiries.length === 0) return {};
  return { expiresAt: Math.min(...expiries), lifetimeSeconds: Math.round(Math.min(...lifetimes)) };
}
