/**
 * Enterprise-managed authorization, the identity provider's step (protocol.md R7): the owner's ID
 * token is exchanged at the organisation's identity provider for an Identity Assertion JWT
 * Authorization Grant (ID-JAG) for one authorization server and one MCP server (RFC 8693 token
 * exchange). The ID-JAG is then redeemed at that authorization server with the JWT-bearer grant
 * (jwt-bearer.ts); nothing here talks to it.
 *
 * The request is openid-client's `genericGrantRequest`, never hand-rolled. What comes back is
 * checked before anyone uses it: `issued_token_type` must be the ID-JAG type and the grant a JWT.
 */
import * as client from 'openid-client';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { z } from 'zod';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isLoopbackHost, truncate } from '../../../shared/url.js';
import { clientSecretBasic, type AuthorizationServer, type NetworkContext } from './client-config.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
/** The `typ` header an ID-JAG carries. */
export const ID_JAG_JWT_TYPE = 'oauth-id-jag+jwt';

/** Latchkey's client at the identity provider: public (PKCE, client id in the body) or with a secret (client_secret_basic). */
export const IdentityProviderClient = z.object({
  issuer: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1).optional(),
});
export type IdentityProviderClient = z.infer<typeof IdentityProviderClient>;

export interface IdJagRequest {
  /** The owner's ID token from the identity provider (the subject token). */
  idToken: string;
  /** The issuer of the authorization server the ID-JAG is for (its `aud`). */
  audience: string;
  /** The canonical MCP server URL (RFC 8707). */
  resource: string;
  scopes: readonly string[];
}

/** An ID-JAG as the identity provider issued it: a one-use grant, short-lived, never stored. */
export interface IdJag {
  value: string;
  /** Epoch ms, from `expires_in` or the JWT's `exp` (the earlier); absent when neither says. */
  expiresAt?: number;
  /** The scopes the identity provider says it allowed, when it says. */
  scope?: string[];
}

/** What an RFC 8693 response for an ID-JAG must hold; the rest is ignored. */
const IdJagResponse = z.object({
  access_token: z.string().min(1),
  issued_token_type: z.literal(ID_JAG_TOKEN_TYPE),
  expires_in: z.number().positive().optional(),
  scope: z.string().optional(),
});

/** The openid-client configuration for the identity provider: the guarded fetch, plain http only for an allowed loopback issuer. */
export function identityProviderConfiguration(idp: AuthorizationServer, idpClient: IdentityProviderClient, net: NetworkContext): client.Configuration {
  const secret = idpClient.clientSecret;
  const config = new client.Configuration(
    idp,
    idpClient.clientId,
    { token_endpoint_auth_method: secret === undefined ? 'none' : 'client_secret_basic' },
    secret === undefined ? client.None() : clientSecretBasic(idpClient.clientId, secret),
  );
  config[client.customFetch] = (url, options) => net.fetch(url, options as RequestInit);
  config.timeout = 30;
  if (net.policy.allowInsecureLoopback && isLoopbackHost(new URL(idp.issuer).hostname)) client.allowInsecureRequests(config);
  return config;
}

/** One RFC 8693 exchange at the identity provider: the ID token in, an ID-JAG for `audience` and `resource` out. */
export async function exchangeIdTokenForIdJag(
  idp: AuthorizationServer,
  idpClient: IdentityProviderClient,
  request: IdJagRequest,
  net: NetworkContext,
  now: () => number,
): Promise<IdJag> {
  const config = identityProviderConfiguration(idp, idpClient, net);
  const parameters: Record<string, string> = {
    requested_token_type: ID_JAG_TOKEN_TYPE,
    subject_token: request.idToken,
    subject_token_type: ID_TOKEN_TYPE,
    audience: request.audience,
    resource: request.resource,
    ...(request.scopes.length > 0 ? { scope: request.scopes.join(' ') } : {}),
  };
  let response: client.TokenEndpointResponse;
  try {
    response = await client.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, parameters);
  } catch (error) {
    throw exchangeError(idp.issuer, request, error);
  }
  return idJagFrom(idp.issuer, request, response, now());
}

/** The checked ID-JAG of an exchange response; IdJagInvalid when it is not one. */
export function idJagFrom(idpIssuer: string, request: Pick<IdJagRequest, 'audience'>, response: unknown, now: number): IdJag {
  const parsed = IdJagResponse.safeParse(response);
  if (!parsed.success) {
    throw new LatchkeyError(ErrorCode.IdJagInvalid, `${idpIssuer} did not answer the exchange with an ID-JAG.`, {
      hint: 'The identity provider may not support enterprise-managed authorization (the id-jag token type); ask its administrator.',
      details: { issuer: idpIssuer, audience: request.audience },
    });
  }
  const { access_token: value, expires_in: expiresIn, scope } = parsed.data;
  const exp = jwtExpiry(idpIssuer, request.audience, value);
  const expiries = [...(exp === undefined ? [] : [exp * 1000]), ...(expiresIn === undefined ? [] : [now + expiresIn * 1000])];
  return {
    value,
    ...(expiries.length === 0 ? {} : { expiresAt: Math.min(...expiries) }),
    ...(scope === undefined ? {} : { scope: scope.split(' ').filter((s) => s.length > 0) }),
  };
}

/** The grant's `exp` (seconds); IdJagInvalid when it is not a JWT or names another audience. Not verified: the authorization server does that. */
function jwtExpiry(idpIssuer: string, audience: string, value: string): number | undefined {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    decodeProtectedHeader(value);
    claims = decodeJwt(value);
  } catch {
    throw new LatchkeyError(ErrorCode.IdJagInvalid, `${idpIssuer} answered the exchange with an ID-JAG that is not a JWT.`, {
      hint: 'Ask the identity provider administrator; nothing was sent to the authorization server.',
      details: { issuer: idpIssuer, audience },
    });
  }
  const aud = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (aud.length > 0 && !aud.some((a) => sameIssuer(a, audience))) {
    throw new LatchkeyError(ErrorCode.IdJagInvalid, `${idpIssuer} issued an ID-JAG for another authorization server than ${audience}.`, {
      hint: 'Nothing was sent to the authorization server. Ask the identity provider administrator.',
      details: { issuer: idpIssuer, audience },
    });
  }
  return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp : undefined;
}

/** Issuers compared as strings, a trailing slash aside. */
function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

function exchangeError(idpIssuer: string, request: IdJagRequest, error: unknown): LatchkeyError {
  const code = oauthErrorCode(error);
  const details = { issuer: idpIssuer, audience: request.audience, resource: request.resource, ...(code === undefined ? {} : { error: truncate(code, 60) }) };
  if (code === 'invalid_grant') {
    return new LatchkeyError(ErrorCode.EnterpriseSignInNeeded, `${idpIssuer} no longer accepts your sign-in (invalid_grant).`, {
      hint: 'Run: latchkey enterprise sign-in',
      details,
      cause: error,
    });
  }
  if (code === 'invalid_client') {
    return new LatchkeyError(ErrorCode.IdJagRefused, `${idpIssuer} does not accept Latchkey's client there (invalid_client).`, {
      hint: 'Check the client id and secret given to latchkey enterprise set with the identity provider administrator.',
      details,
      cause: error,
    });
  }
  if (code === 'invalid_target' || code === 'invalid_scope' || code === 'unauthorized_client' || code === 'access_denied' || code === 'unsupported_grant_type' || code === 'invalid_request') {
    return new LatchkeyError(ErrorCode.IdJagRefused, `${idpIssuer} refused an ID-JAG for ${request.audience} and ${request.resource} (${truncate(code, 60)}).`, {
      hint:
        code === 'unsupported_grant_type'
          ? 'This identity provider does not do token exchange; enterprise-managed authorization needs it.'
          : 'Ask the identity provider administrator to allow this MCP server (and these scopes) for your account.',
      details,
      cause: error,
    });
  }
  return tokenRequestError(idpIssuer, 'exchange the ID token for an ID-JAG', error);
}
