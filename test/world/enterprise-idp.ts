/**
 * The test world's enterprise identity provider for enterprise-managed authorization (ID-JAG):
 * the world's oidc-provider (real login form, auth code + PKCE, ID tokens, refresh tokens) with the
 * RFC 8693 token exchange grant registered. The exchange takes the owner's ID token (verified
 * against the IdP's own keys: issuer, audience = the client asking, expiry) and issues an ID-JAG:
 * a JWT with typ `oauth-id-jag+jwt`, iss = the IdP, the ID token's sub, aud = the requested
 * authorization server, `resource`, `scope`, `client_id` (the MCP client's id at that
 * authorization server, as the administrator mapped it), jti and a short exp.
 *
 * ID-JAGs are signed with a key of their own; `idJagIssuer` is what an authorization server that
 * trusts this IdP is configured with (test/world/jwt-bearer-grant.ts).
 */
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWK } from 'jose';
import { errors, type KoaContextWithOIDC } from 'oidc-provider';
import { startAuthorizationServer, type AuthorizationServerOptions, type TestAuthorizationServer } from './authorization-server.js';

export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ID_JAG_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id-jag';
export const ID_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:id_token';
export const ID_JAG_TYP = 'oauth-id-jag+jwt';

export interface EnterpriseIdpOptions extends AuthorizationServerOptions {
  /** Lifetime of an ID-JAG, seconds (default 300). */
  idJagTtlSeconds?: number;
}

/** One token exchange the IdP answered. */
export interface IdJagIssue {
  audience: string;
  resource: string;
  scope: string | undefined;
  sub: string;
  clientId: string | undefined;
}

export interface EnterpriseIdp {
  readonly issuer: string;
  /** The IdP's oidc-provider (its records: `as.tokenRequests`, `as.tokenRequestCount(grant)`). */
  readonly as: TestAuthorizationServer;
  /** Latchkey's public client at the IdP (registered at start: code, refresh token and token exchange). */
  readonly clientId: string;
  /** What an authorization server trusting this IdP's ID-JAGs is given: the issuer, the public key set and the typ. */
  readonly idJagIssuer: { issuer: string; jwks: { keys: JWK[] }; typ: typeof ID_JAG_TYP };
  /** The ID-JAGs issued so far. */
  readonly issued: readonly IdJagIssue[];
  /** Live: ID-JAG lifetime in seconds. */
  idJagTtlSeconds: number;
  /** The MCP client's id at `audience` (an authorization server's issuer), written into its ID-JAGs' client_id. */
  mapClient(audience: string, clientId: string): void;
  /** Refuse every exchange for `audience` with access_denied (the administrator's policy says no). */
  refuseAudience(audience: string): void;
  /**
   * Ends every sign-in so far (an administrator logged the user out): an ID token from a login up to
   * now, refreshed or not (`auth_time` stays the login's), gets invalid_grant; a new login works.
   */
  endSignIns(): void;
  close(): Promise<void>;
}

export async function startEnterpriseIdp(options: EnterpriseIdpOptions = {}): Promise<EnterpriseIdp> {
  const as = await startAuthorizationServer(options);
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'idp-id-jag', alg: 'ES256', use: 'sig' };
  const idTokenKeys = createRemoteJWKSet(new URL(as.jwksUri));
  const clientIds = new Map<string, string>();
  const refused = new Set<string>();
  const issued: IdJagIssue[] = [];
  /** ID tokens of logins up to this (epoch s, their `auth_time`) are no longer exchanged. */
  let signInsEndedAt = 0;
  const idp: Omit<EnterpriseIdp, 'clientId'> = {
    issuer: as.issuer,
    as,
    idJagIssuer: { issuer: as.issuer, jwks: { keys: [publicJwk] }, typ: ID_JAG_TYP },
    issued,
    idJagTtlSeconds: options.idJagTtlSeconds ?? 300,
    mapClient: (audience: string, clientId: string) => {
      clientIds.set(trimSlash(audience), clientId);
    },
    refuseAudience: (audience: string) => {
      refused.add(trimSlash(audience));
    },
    endSignIns: () => {
      signInsEndedAt = Math.floor(Date.now() / 1000);
    },
    close: () => as.close(),
  };

  const exchange = async (ctx: KoaContextWithOIDC): Promise<void> => {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    const asker = ctx.oidc.client?.clientId;
    if (params['subject_token_type'] !== ID_TOKEN_TYPE) throw new errors.InvalidRequest(`subject_token_type must be ${ID_TOKEN_TYPE}`);
    if (params['requested_token_type'] !== ID_JAG_TOKEN_TYPE) throw new errors.InvalidRequest(`requested_token_type must be ${ID_JAG_TOKEN_TYPE}`);
    const { subject_token: subjectToken, audience, resource, scope } = params;
    if (subjectToken === undefined || audience === undefined || resource === undefined) throw new errors.InvalidRequest('subject_token, audience and resource are required');
    if (refused.has(trimSlash(audience))) throw new errors.AccessDenied('this identity provider does not issue grants for that authorization server');
    let sub: string;
    try {
      const { payload } = await jwtVerify(subjectToken, idTokenKeys, { issuer: as.issuer, ...(asker === undefined ? {} : { audience: asker }) });
      if (typeof payload.sub !== 'string') throw new Error('no sub');
      if (typeof payload.auth_time !== 'number' || payload.auth_time <= signInsEndedAt) throw new Error('that login has ended');
      sub = payload.sub;
    } catch {
      throw new errors.InvalidGrant('the subject token is not a valid, current ID token of this identity provider');
    }
    const clientId = clientIds.get(trimSlash(audience));
    const value = await new SignJWT({
      sub,
      resource,
      ...(scope === undefined ? {} : { scope }),
      ...(clientId === undefined ? {} : { client_id: clientId }),
    })
      .setProtectedHeader({ alg: 'ES256', typ: ID_JAG_TYP, kid: publicJwk.kid })
      .setIssuer(as.issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime(`${idp.idJagTtlSeconds}s`)
      .setJti(randomUUID())
      .sign(privateKey);
    issued.push({ audience, resource, scope, sub, clientId });
    ctx.body = {
      access_token: value,
      issued_token_type: ID_JAG_TOKEN_TYPE,
      token_type: 'N_A',
      expires_in: idp.idJagTtlSeconds,
      ...(scope === undefined ? {} : { scope }),
    };
  };
  as.provider.registerGrantType(TOKEN_EXCHANGE_GRANT, exchange, ['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope']);
  // The same object, so a test's `idJagTtlSeconds` reaches the grant handler.
  return Object.assign(idp, { clientId: await registerLatchkey(as.issuer) });
}

/** Registers Latchkey's public native client at the IdP (what the administrator does once). */
async function registerLatchkey(issuer: string): Promise<string> {
  const response = await fetch(`${issuer}/reg`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      application_type: 'native',
      client_name: 'Latchkey (enterprise)',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token', TOKEN_EXCHANGE_GRANT],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      // Every ID token says when its login was, refreshed ones too: endSignIns() ends logins, not tokens.
      require_auth_time: true,
    }),
  });
  const body = (await response.json()) as { client_id?: unknown };
  if (!response.ok || typeof body.client_id !== 'string') throw new Error(`the IdP refused Latchkey's registration (${response.status})`);
  return body.client_id;
}

function trimSlash(value: string): string {
  return value.replace(/\/+$/, '');
}
