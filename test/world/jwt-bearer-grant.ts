/**
 * The JWT-bearer grant (RFC 7523 §2.1) on the world's oidc-provider, which has none of its own.
 * An assertion is accepted when a trusted issuer signed it (its JWKS or key), it names this
 * authorization server (issuer or token endpoint) as `aud`, it has not expired, and — when the
 * issuer says so — its `typ` matches. The access token is the world's usual one: an at+jwt for
 * the `resource` with the scopes asked (within the resource's), `sub` the assertion's subject.
 *
 * Used for workload identity (a platform's token) and, with `typ` and the hooks, for an identity
 * provider's ID-JAG. The authenticating client is oidc-provider's as usual; `clientIdFrom` lets an
 * issuer insist that the assertion names that client. A DPoP proof on the request binds the token
 * to its key (token_type DPoP, `cnf.jkt`). Every redemption is recorded.
 */
import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, decodeJwt, EmbeddedJWK, errors as joseErrors, jwtVerify, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';
import { errors, type ResourceServer } from 'oidc-provider';
import type Provider from 'oidc-provider';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** An issuer whose assertions the authorization server redeems. */
export interface TrustedAssertionIssuer {
  issuer: string;
  /** Its public keys: a JWK set, or one key. */
  jwks?: JSONWebKeySet;
  key?: CryptoKey | KeyObject;
  /** The JWT `typ` header its assertions must carry (e.g. 'oauth-id-jag+jwt'); absent: any. */
  typ?: string;
  /** The token's subject (default: the assertion's `sub`). */
  subjectFrom?: (payload: JWTPayload) => string | undefined;
  /** The client the assertion was issued to; when it returns one, the authenticating client must be it. */
  clientIdFrom?: (payload: JWTPayload) => string | undefined;
}

export interface JwtBearerGrantOptions {
  /** Issuers trusted from the start; more can be added with `trust`. */
  trusted?: readonly TrustedAssertionIssuer[];
}

/** One redemption as the authorization server saw it. */
export interface JwtBearerRedemption {
  issuer: string | undefined;
  subject: string | undefined;
  clientId: string;
  resource: string | undefined;
  /** 'ok', or the OAuth error it was refused with. */
  outcome: string;
  /** Why it was refused (the error description). */
  reason?: string;
}

export interface JwtBearerGrant {
  readonly redemptions: readonly JwtBearerRedemption[];
  trust(issuer: TrustedAssertionIssuer): void;
  distrust(issuer: string): void;
}

export interface JwtBearerGrantDeps {
  /** The resource server the AS knows for a resource indicator, or undefined (invalid_target). */
  resourceServer: (resource: string) => ResourceServer | undefined;
}

/** Registers the grant on `provider` (before any client registers); resolves nothing, records everything. */
export function installJwtBearerGrant(provider: Provider, deps: JwtBearerGrantDeps, options: JwtBearerGrantOptions = {}): JwtBearerGrant {
  const trusted = new Map((options.trusted ?? []).map((issuer) => [issuer.issuer, issuer]));
  const redemptions: JwtBearerRedemption[] = [];

  provider.registerGrantType(
    JWT_BEARER_GRANT_TYPE,
    async (ctx) => {
      const { client, params } = ctx.oidc;
      const assertion = typeof params['assertion'] === 'string' ? params['assertion'] : undefined;
      const resource = typeof params.resource === 'string' ? params.resource : undefined;
      const seen: JwtBearerRedemption = { issuer: undefined, subject: undefined, clientId: client.clientId, resource, outcome: 'ok' };
      try {
        if (assertion === undefined || assertion === '') throw new errors.InvalidRequest('missing assertion parameter');
        seen.issuer = claimedIssuer(assertion);
        const { payload, issuer } = await verifyAssertion(assertion, trusted, [provider.issuer, ctx.oidc.urlFor('token')]);
        seen.issuer = issuer.issuer;
        const subject = issuer.subjectFrom?.(payload) ?? payload.sub;
        seen.subject = subject;
        if (subject === undefined || subject === '') throw new errors.InvalidGrant('the assertion names no subject');
        const boundClient = issuer.clientIdFrom?.(payload);
        if (boundClient !== undefined && boundClient !== client.clientId) throw new errors.InvalidGrant('the assertion was issued to another client');
        if (resource === undefined) throw new errors.InvalidTarget('a resource indicator is required for this grant');
        const info = deps.resourceServer(resource);
        if (info === undefined) throw new errors.InvalidTarget();
        const offered = new Set(info.scope.split(' '));
        const asked = (params.scope ?? '').split(' ').filter((scope) => scope !== '');
        const beyond = asked.filter((scope) => !offered.has(scope));
        if (beyond.length > 0) throw new errors.InvalidScope('requested scope is not available for this resource', beyond.join(' '));
        const scope = asked.length > 0 ? asked.join(' ') : info.scope;
        const token = new provider.AccessToken({
          accountId: subject,
          client,
          grantId: randomUUID(),
          gty: 'jwt_bearer',
          scope,
          resourceServer: new provider.ResourceServer(resource, info),
        });
        const jkt = await dpopThumbprint(ctx.get('dpop'), ctx.oidc.urlFor('token'));
        if (jkt !== undefined) token.setThumbprint('jkt', jkt);
        const value = await token.save();
        ctx.body = { access_token: value, token_type: token.tokenType, expires_in: token.expiration, scope };
        redemptions.push(seen);
      } catch (error) {
        // oidc-provider keeps a generic error_description and puts the specific reason in error_detail.
        const oauth = error as { error?: string; error_description?: string; error_detail?: string };
        const reason = oauth.error_detail ?? oauth.error_description;
        redemptions.push({ ...seen, outcome: oauth.error ?? 'server_error', ...(reason === undefined ? {} : { reason }) });
        throw error;
      }
    },
    ['assertion', 'scope', 'resource'],
  );

  return {
    redemptions,
    trust: (issuer) => {
      trusted.set(issuer.issuer, issuer);
    },
    distrust: (issuer) => {
      trusted.delete(issuer);
    },
  };
}

/**
 * A DPoP proof on the request (RFC 9449 §4.3): signed by the key it embeds, for POST to the token
 * endpoint, fresh. Its key's thumbprint binds the token; no header: a Bearer token. No nonces here.
 */
async function dpopThumbprint(header: string, tokenEndpoint: string): Promise<string | undefined> {
  if (header === '') return undefined;
  try {
    const { payload, protectedHeader } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', maxTokenAge: '60s', algorithms: ['ES256'] });
    if (payload['htm'] !== 'POST' || payload['htu'] !== tokenEndpoint || typeof payload.jti !== 'string') throw new Error('proof for another request');
    if (protectedHeader.jwk === undefined) throw new Error('no key');
    return await calculateJwkThumbprint(protectedHeader.jwk, 'sha256');
  } catch {
    throw new errors.InvalidDpopProof('invalid DPoP proof');
  }
}

/** The issuer an assertion names (not yet verified); a non-JWT is invalid_grant. */
function claimedIssuer(assertion: string): string | undefined {
  try {
    return decodeJwt(assertion).iss;
  } catch {
    throw new errors.InvalidGrant('the assertion is not a JWT');
  }
}

async function verifyAssertion(
  assertion: string,
  trusted: ReadonlyMap<string, TrustedAssertionIssuer>,
  audiences: readonly string[],
): Promise<{ payload: JWTPayload; issuer: TrustedAssertionIssuer }> {
  const claimed = claimedIssuer(assertion);
  const issuer = claimed === undefined ? undefined : trusted.get(claimed);
  if (issuer === undefined) throw new errors.InvalidGrant('the assertion comes from an issuer this server does not trust');
  const options = {
    issuer: issuer.issuer,
    audience: [...audiences],
    requiredClaims: ['exp'],
    ...(issuer.typ === undefined ? {} : { typ: issuer.typ }),
  };
  try {
    if (issuer.jwks !== undefined) return { payload: (await jwtVerify(assertion, createLocalJWKSet(issuer.jwks), options)).payload, issuer };
    if (issuer.key !== undefined) return { payload: (await jwtVerify(assertion, issuer.key, options)).payload, issuer };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) throw new errors.InvalidGrant('the assertion has expired');
    if (error instanceof joseErrors.JWTClaimValidationFailed) throw new errors.InvalidGrant(`the assertion's ${error.claim} claim is not acceptable`);
    throw new errors.InvalidGrant('the assertion signature or header is not acceptable');
  }
  throw new errors.InvalidGrant('the trusted issuer has no key configured');
}
