/**
 * Verification of the world's JWT access tokens for resource servers that do not share the
 * default MCP server's code: issuer, audience = the resource, expiry, `typ at+jwt`, signature from
 * the issuer's JWKS (the same checks as mcp-server.ts). Several issuers may be trusted at once and
 * the trusted set may change between requests (an authorization server migration).
 */
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';

export interface TrustedIssuer {
  issuer: string;
  jwksUri: string;
}

export interface VerifiedAccessToken {
  payload: JWTPayload;
  scopes: string[];
  clientId: string;
  expiresAt: number | undefined;
}

export class AccessTokenRejected extends Error {}

/** Returns a checker for tokens meant for `audience`, signed by one of `trusted()` at call time. */
export function createAccessTokenCheck(audience: string, trusted: () => readonly TrustedIssuer[]): (token: string) => Promise<VerifiedAccessToken> {
  const keySets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const keySetOf = (issuer: TrustedIssuer): ReturnType<typeof createRemoteJWKSet> => {
    let keySet = keySets.get(issuer.jwksUri);
    if (keySet === undefined) {
      keySet = createRemoteJWKSet(new URL(issuer.jwksUri));
      keySets.set(issuer.jwksUri, keySet);
    }
    return keySet;
  };
  return async (token) => {
    const claimed = readIssuer(token);
    const issuer = trusted().find((candidate) => candidate.issuer === claimed);
    if (issuer === undefined) throw new AccessTokenRejected('The access token comes from an authorization server this resource does not trust.');
    try {
      const { payload } = await jwtVerify(token, keySetOf(issuer), {
        issuer: issuer.issuer,
        audience,
        typ: 'at+jwt',
        algorithms: ['ES256', 'RS256', 'PS256', 'EdDSA'],
      });
      return {
        payload,
        scopes: typeof payload.scope === 'string' ? payload.scope.split(' ').filter((scope) => scope !== '') : [],
        clientId: typeof payload.client_id === 'string' ? payload.client_id : '',
        expiresAt: payload.exp,
      };
    } catch (error) {
      const reason = error instanceof Error && 'code' in error ? String(error.code) : 'ERR_JWT_INVALID';
      throw new AccessTokenRejected(`The access token is not valid for this server (${reason}).`);
    }
  };
}

function readIssuer(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}
