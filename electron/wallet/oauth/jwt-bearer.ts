/**
 * The JWT-bearer grant (RFC 7523 §2.1): a signed assertion someone else issued (a platform's
 * workload token, an identity provider's ID-JAG) redeemed at an authorization server for an
 * access token, with the scopes and the RFC 8707 resource asked. No browser, no owner sign-in.
 *
 * The request is openid-client's `genericGrantRequest`, never hand-rolled. Client authentication
 * is what the caller's client has: none (the client id in the body, or no client at all, as a
 * workload federation set-up may have), client_secret_basic or private_key_jwt exactly as
 * client-credentials.ts does. A DPoP key, when given, proves possession on the request (RFC 9449).
 * The assertion is never logged or put into an error; refusals say why in our words.
 */
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import { isLoopbackHost, truncate } from '../../../shared/url.js';
import { clientSecretBasic, type AuthorizationServer, type NetworkContext } from './client-config.js';
import { grantErrorCode, privateKeyJwt, type AgentClientAuth } from './client-credentials.js';
import { dpopHandleFor, type DpopHandles } from './dpop-key.js';
import type { CachedAccessToken, DpopKey } from './records.js';
import { cachedTokenFrom } from './tokens.js';
import { tokenRequestError } from './token-errors.js';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const NO_CLIENT = 'latchkey-no-client';

/**
 * Who presents the assertion. No `auth` is a public client: its `clientId` goes in the body when
 * there is one; with neither, the request carries the assertion alone.
 */
export interface JwtBearerClient {
  clientId?: string | undefined;
  auth?: AgentClientAuth | undefined;
}

export interface JwtBearerRequest {
  /** The signed JWT to redeem; never logged, never in an error. */
  assertion: string;
  scopes: readonly string[];
  /** RFC 8707 resource indicator (the MCP server); omitted for an AS that rejects it. */
  resource?: string | undefined;
  /** Binds the token to this key (RFC 9449) when the authorization server offers DPoP. */
  dpopKey?: DpopKey | undefined;
  /** The wallet's handles, which keep the server's last nonce per key; without them, a fresh handle. */
  dpopHandles?: DpopHandles | undefined;
  /** What the assertion is, for messages: 'the workload token' (default), 'the ID-JAG', … */
  assertionName?: string | undefined;
}

/** Why an assertion was refused, as far as the assertion itself tells (it is read, never trusted). */
export type AssertionProblem = 'expired' | 'audience' | 'refused';

/** One JWT-bearer grant; resolves with the access token, or throws a LatchkeyError with a hint. */
export async function redeemJwtBearer(
  as: AuthorizationServer,
  who: JwtBearerClient,
  request: JwtBearerRequest,
  net: NetworkContext,
  now: () => number,
): Promise<CachedAccessToken> {
  const config = await jwtBearerConfiguration(as, who, net);
  const parameters: Record<string, string> = {
    assertion: request.assertion,
    ...(request.scopes.length > 0 ? { scope: request.scopes.join(' ') } : {}),
    ...(request.resource === undefined ? {} : { resource: request.resource }),
  };
  try {
    const DPoP = request.dpopHandles === undefined ? await dpopHandleFor(config, request.dpopKey) : await request.dpopHandles.handleFor(config, request.dpopKey);
    const response = await client.genericGrantRequest(config, JWT_BEARER_GRANT_TYPE, parameters, DPoP === undefined ? undefined : { DPoP });
    return cachedTokenFrom(response, request.scopes, now());
  } catch (error) {
    throw jwtBearerError(as, who, request, error, now());
  }
}

/** What an invalid_grant most likely means, read from the assertion's own claims (signature not checked). */
export function assertionProblem(assertion: string, as: AuthorizationServer, nowMs: number): AssertionProblem {
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(assertion);
  } catch {
    return 'refused';
  }
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= nowMs) return 'expired';
  const audiences = claims.aud === undefined ? [] : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const accepted = [as.issuer, as.token_endpoint].filter((value): value is string => typeof value === 'string').map(withoutTrailingSlash);
  if (!audiences.some((audience) => accepted.includes(withoutTrailingSlash(audience)))) return 'audience';
  return 'refused';
}

function withoutTrailingSlash(value: string): string {
  return value.replace(/\/+$/, '');
}

/** As client-credentials.ts builds it: the guarded fetch, a timeout, plain http only for a loopback issuer when allowed. */
async function jwtBearerConfiguration(as: AuthorizationServer, who: JwtBearerClient, net: NetworkContext): Promise<client.Configuration> {
  const auth = who.auth;
  const method = auth === undefined || auth.method === 'workload_token' ? 'none' : auth.method;
  // openid-client wants a client id even when there is none; with no client nothing sends it.
  const clientId = who.clientId === '' ? undefined : who.clientId;
  const config = new client.Configuration(as, clientId ?? NO_CLIENT, { token_endpoint_auth_method: method }, await clientAuthFor(clientId, auth));
  config[client.customFetch] = (url, options) => net.fetch(url, options as RequestInit);
  config.timeout = 30;
  if (net.policy.allowInsecureLoopback && isLoopbackHost(new URL(as.issuer).hostname)) client.allowInsecureRequests(config);
  return config;
}

async function clientAuthFor(clientId: string | undefined, auth: AgentClientAuth | undefined): Promise<client.ClientAuth> {
  // No client at all: the assertion is the only credential, so nothing is added to the request.
  if (clientId === undefined) return () => undefined;
  if (auth?.method === 'client_secret_basic') return clientSecretBasic(clientId, auth.clientSecret);
  if (auth?.method === 'private_key_jwt') return privateKeyJwt(auth);
  return client.None();
}

function jwtBearerError(as: AuthorizationServer, who: JwtBearerClient, request: JwtBearerRequest, error: unknown, nowMs: number): LatchkeyError {
  const code = grantErrorCode(error);
  const issuer = as.issuer;
  const name = request.assertionName ?? 'the workload token';
  const clientId = who.clientId === undefined || who.clientId === '' ? undefined : truncate(who.clientId, 80);
  const method = who.auth === undefined || who.auth.method === 'workload_token' ? 'none' : who.auth.method;
  const details = { issuer, ...(clientId === undefined ? {} : { clientId }), method, ...(code === undefined ? {} : { error: code }) };
  if (code === 'invalid_grant') {
    const problem = assertionProblem(request.assertion, as, nowMs);
    const why =
      problem === 'expired'
        ? `${name} has expired`
        : problem === 'audience'
          ? `${name} is meant for another audience, not ${issuer}`
          : `${name} is not accepted there (untrusted issuer, subject or signature)`;
    return new LatchkeyError(ErrorCode.AssertionRejected, `${issuer} refused ${name}: ${why} (invalid_grant).`, {
      hint:
        problem === 'expired'
          ? 'Platform tokens are short-lived: check that the platform still rotates the token Latchkey reads, then try again.'
          : problem === 'audience'
            ? `Ask the platform for a token whose audience is ${issuer} (or its token endpoint).`
            : `Ask the administrator of ${issuer} to trust the issuer and subject of ${name}.`,
      details: { ...details, problem },
      cause: error,
    });
  }
  if (code === 'unsupported_grant_type') {
    return new LatchkeyError(ErrorCode.JwtBearerUnsupported, `${issuer} does not take the JWT-bearer grant (unsupported_grant_type), so ${name} cannot be redeemed there.`, {
      hint: 'This authorization server offers no workload identity federation: give the agent a client of its own instead (`latchkey agent credentials … --client-id`).',
      details,
      cause: error,
    });
  }
  if (code === 'invalid_client') {
    return new LatchkeyError(ErrorCode.AgentClientRejected, `${issuer} does not accept the client ${clientId ?? '(none)'} that presented ${name} (invalid_client).`, {
      hint: 'Check the client id (and its secret or key) with the administrator of the authorization server.',
      details,
      cause: error,
    });
  }
  if (code === 'unauthorized_client') {
    return new LatchkeyError(ErrorCode.AgentClientNotAllowed, `${issuer} does not let the client ${clientId ?? '(none)'} use the JWT-bearer grant (unauthorized_client).`, {
      hint: 'Ask the administrator to allow the JWT-bearer grant for this client.',
      details,
      cause: error,
    });
  }
  if (code === 'invalid_scope' || code === 'invalid_target') {
    return new LatchkeyError(ErrorCode.AgentClientNotAllowed, `${issuer} refused ${code === 'invalid_scope' ? `the scopes ${request.scopes.join(' ') || '(none)'}` : `the resource ${request.resource ?? ''}`} for ${name} (${code}).`, {
      hint: 'Ask the administrator which scopes and resources this identity may have, and narrow the grant to them.',
      details,
      cause: error,
    });
  }
  return tokenRequestError(issuer, `redeem ${name}`, error);
}
