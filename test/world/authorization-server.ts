/**
 * The test world's authorization server: oidc-provider on plain http://127.0.0.1:<port>, with
 * open Dynamic Client Registration (native loopback clients), PKCE S256 required, resource
 * indicators giving JWT access tokens with aud = the resource, refresh tokens with rotation for
 * every client allowed the refresh_token grant, RFC 7009 revocation, RFC 9207 `iss`, and CIMD
 * (experimental) for a configured https client id whose document the world serves itself.
 *
 * Everything the tests want to observe is recorded: token requests per grant type, revocations,
 * registrations, server errors.
 */
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import express, { type NextFunction, type Request, type Response } from 'express';
import Provider, { errors, type Configuration, type KoaContextWithOIDC, type ResourceServer } from 'oidc-provider';
import { createInteractionRouter, type InteractionSettings } from './as-interactions.js';
import { renderErrorPage } from './as-pages.js';
import { listenOnLoopback } from './http.js';
import { deviceFlowFeature } from './device-flow.js';
import { installJwtBearerGrant, type JwtBearerGrant, type JwtBearerGrantOptions } from './jwt-bearer-grant.js';
import { registerTokenExchange } from './token-exchange-grant.js';

export const DEFAULT_PASSWORD = 'correct horse battery staple';
export const DEFAULT_CIMD_CLIENT_ID = 'https://client.latchkey.test/metadata.json';
/** Where the world serves CIMD documents on the AS origin (the custom fetch maps client ids here). */
const CIMD_PATH = '/_world/cimd';

export interface AuthorizationServerOptions {
  /** Password the login form accepts (default DEFAULT_PASSWORD). Any non-empty username works and becomes `sub`. */
  password?: string;
  /** Refuse every consent with access_denied (default false). */
  denyConsent?: boolean;
  /** Access-token lifetime in seconds (default 300). Use a few seconds for refresh tests. */
  accessTokenTtlSeconds?: number;
  /** Refresh-token lifetime in seconds (default 86400). */
  refreshTokenTtlSeconds?: number;
  /** The https client id the AS resolves as a Client ID Metadata Document (default DEFAULT_CIMD_CLIENT_ID). */
  cimdClientId?: string;
  /** The device grant's polling interval it announces, seconds (default 1: oidc-provider announces none, so clients would wait 5 s). */
  deviceFlowIntervalSeconds?: number;
  /** DPoP (RFC 9449): advertised (ES256) and bound to the proof's key; `requireNonce` makes the token endpoint ask for its nonce first. Absent: no DPoP. */
  dpop?: { requireNonce: boolean };
  /** The JWT-bearer grant (RFC 7523) with these trusted assertion issuers (more via `jwtBearer.trust`). Absent: not offered. */
  jwtBearer?: JwtBearerGrantOptions;
  /** RFC 8693 token exchange (token-exchange-grant.ts): advertised and offered to clients registered for it. Absent: no exchange. */
  tokenExchange?: boolean;
}

/** Live settings: tests may change them at any time; the next request uses the new values. */
export interface AuthorizationServerSettings extends InteractionSettings {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export interface TokenRequestRecord {
  grantType: string;
  status: number;
  /** OAuth error code when status >= 400. */
  error?: string;
  clientId?: string;
  resource?: string;
  /** Scope of the issued access token (successful requests only). */
  scope?: string;
}

export interface RevocationRecord {
  status: number;
  error?: string;
  clientId?: string;
  tokenTypeHint?: string;
  /** Kind of the token that was found and revoked ('RefreshToken', 'AccessToken', …), if any. */
  revokedKind?: string;
}

export interface RegistrationRecord {
  clientId: string;
  metadata: Record<string, unknown>;
}

export interface TestAuthorizationServer {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly settings: AuthorizationServerSettings;
  /** The oidc-provider instance (for advanced assertions; prefer the records below). */
  readonly provider: Provider;
  readonly tokenRequests: readonly TokenRequestRecord[];
  readonly revocations: readonly RevocationRecord[];
  readonly registrations: readonly RegistrationRecord[];
  /** Messages of oidc-provider `server_error` events (should stay empty). */
  readonly serverErrors: readonly string[];
  readonly cimdClientId: string;
  /** The JWT-bearer grant, when the server was started with `jwtBearer`. */
  readonly jwtBearer: JwtBearerGrant | undefined;
  /** Token endpoint requests so far, all or for one grant_type. */
  tokenRequestCount(grantType?: string): number;
  /** Accepts `resource` at the authorization and token endpoints, with these scopes. */
  addResourceServer(resource: string, scopes: readonly string[]): void;
  /** Replaces the CIMD document served for `cimdClientId` (to test broken documents). */
  setClientMetadataDocument(document: Record<string, unknown>): void;
  /** A registered (DCR) or CIMD client's metadata, or undefined. */
  findClient(clientId: string): Promise<Record<string, unknown> | undefined>;
  /** True while the refresh token is stored and usable (not consumed, revoked or expired). */
  isRefreshTokenActive(refreshToken: string): Promise<boolean>;
  close(): Promise<void>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

export async function startAuthorizationServer(options: AuthorizationServerOptions = {}): Promise<TestAuthorizationServer> {
  const settings: AuthorizationServerSettings = {
    password: options.password ?? DEFAULT_PASSWORD,
    denyConsent: options.denyConsent ?? false,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 300,
    refreshTokenTtlSeconds: options.refreshTokenTtlSeconds ?? 86_400,
  };
  const cimdClientId = options.cimdClientId ?? DEFAULT_CIMD_CLIENT_ID;
  const resources = new Map<string, readonly string[]>();
  const tokenRequests: TokenRequestRecord[] = [];
  const revocations: RevocationRecord[] = [];
  const registrations: RegistrationRecord[] = [];
  const serverErrors: string[] = [];

  // Routes are added once the port (and so the issuer) is known.
  const server = express();
  server.disable('x-powered-by');
  const [listener, signingKey] = await Promise.all([
    listenOnLoopback(server),
    generateKeyPairAsync('ec', { namedCurve: 'P-256' }),
  ]);
  const issuer = listener.origin;
  let cimdDocument: Record<string, unknown> = defaultCimdDocument(cimdClientId);
  const resourceServerInfo = (resource: string): ResourceServer | undefined => {
    const scopes = resources.get(resource);
    if (scopes === undefined) return undefined;
    return { scope: scopes.join(' '), audience: resource, accessTokenFormat: 'jwt', accessTokenTTL: settings.accessTokenTtlSeconds, jwt: { sign: { alg: 'ES256' } } };
  };

  const configuration: Configuration = {
    jwks: { keys: [{ ...signingKey.privateKey.export({ format: 'jwk' }), kid: 'world-es256', use: 'sig', alg: 'ES256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access', 'mcp:read', 'mcp:write'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      id_token_signed_response_alg: 'ES256',
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      deviceFlow: deviceFlowFeature(),
      clientCredentials: { enabled: true },
      // oidc-provider offers DPoP unless told not to: the world's AS offers it only when a test asks.
      ...(options.dpop === undefined
        ? { dPoP: { enabled: false } }
        : { dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => options.dpop?.requireNonce ?? false } }),
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resourceIndicator) => {
          const info = resourceServerInfo(resourceIndicator);
          if (info === undefined) throw new errors.InvalidTarget();
          return info;
        },
      },
      clientIdMetadataDocument: {
        enabled: true,
        ack: 'draft-02',
        allowFetch: (_ctx, clientId) => clientId === cimdClientId,
        cacheDuration: { min: 0, max: 0 },
      },
    },
    // A plain OAuth client (no openid / offline_access) still gets a refresh token when it may use the grant.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    ttl: {
      AccessToken: () => settings.accessTokenTtlSeconds,
      RefreshToken: () => settings.refreshTokenTtlSeconds,
      Grant: () => settings.refreshTokenTtlSeconds,
      Session: 86_400,
      Interaction: 3_600,
      AuthorizationCode: 60,
      IdToken: 3_600,
      ClientCredentials: 600,
      DeviceCode: 600,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage({ error: out.error, error_description: out.error_description });
    },
    // CIMD: map the configured https client id to the document this world serves on loopback.
    // Other URLs keep oidc-provider's SSRF-guarded fetch.
    fetch: (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url !== cimdClientId) return fetch(input, init);
      const { dispatcher: _guard, ...rest } = (init ?? {}) as RequestInit & { dispatcher?: unknown };
      return fetch(`${issuer}${CIMD_PATH}/metadata.json`, rest);
    },
  };

  const provider = new Provider(issuer, configuration);
  const jwtBearer = options.jwtBearer === undefined ? undefined : installJwtBearerGrant(provider, { resourceServer: resourceServerInfo }, options.jwtBearer);
  if (options.tokenExchange === true) {
    const { privateKey, publicKey } = signingKey;
    registerTokenExchange(provider, { issuer, privateKey, publicKey, kid: 'world-es256', ttlSeconds: () => settings.accessTokenTtlSeconds });
  }
  provider.use(async (ctx, next) => {
    await next();
    recordExchange(ctx as KoaContextWithOIDC, tokenRequests, revocations);
  });
  provider.on('registration_create.success', (_ctx, client) => {
    registrations.push({ clientId: client.clientId, metadata: client.metadata() });
  });
  provider.on('device_authorization.success', (_ctx, body: Record<string, unknown>) => {
    body['interval'] = options.deviceFlowIntervalSeconds ?? 1;
  });
  provider.on('server_error', (_ctx, error) => {
    serverErrors.push(error.message);
  });

  server.use('/interaction', createInteractionRouter(provider, settings));
  server.get(`${CIMD_PATH}/metadata.json`, (_req, res) => {
    res.set('cache-control', 'no-store').json(cimdDocument);
  });
  server.use(provider.callback());
  server.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const message = error instanceof Error ? error.message : String(error);
    res.status(400).type('html').send(renderErrorPage({ error: 'interaction_failed', error_description: message }));
  });

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    settings,
    provider,
    tokenRequests,
    revocations,
    registrations,
    serverErrors,
    cimdClientId,
    jwtBearer,
    tokenRequestCount: (grantType) =>
      grantType === undefined ? tokenRequests.length : tokenRequests.filter((r) => r.grantType === grantType).length,
    addResourceServer: (resource, scopes) => {
      resources.set(resource, [...scopes]);
    },
    setClientMetadataDocument: (document) => {
      cimdDocument = document;
    },
    findClient: async (clientId) => (await provider.Client.find(clientId))?.metadata(),
    isRefreshTokenActive: async (refreshToken) => {
      const token = await provider.RefreshToken.find(refreshToken);
      return token !== undefined && !token.isExpired && token.consumed === undefined;
    },
    close: () => listener.close(),
  };
}

function defaultCimdDocument(clientId: string): Record<string, unknown> {
  return {
    client_id: clientId,
    client_name: 'Latchkey (CIMD test client)',
    application_type: 'native',
    redirect_uris: ['http://127.0.0.1/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

function recordExchange(ctx: KoaContextWithOIDC, tokenRequests: TokenRequestRecord[], revocations: RevocationRecord[]): void {
  const oidc = ctx.oidc as KoaContextWithOIDC['oidc'] | undefined;
  if (oidc === undefined) return;
  const params = (oidc.params ?? {}) as Record<string, unknown>;
  const body = (typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
  const error = ctx.status >= 400 && typeof body.error === 'string' ? body.error : undefined;
  const clientId = oidc.client?.clientId ?? stringOrUndefined(params.client_id);
  if (oidc.route === 'token') {
    tokenRequests.push({
      grantType: stringOrUndefined(params.grant_type) ?? 'unknown',
      status: ctx.status,
      ...(error === undefined ? {} : { error }),
      ...(clientId === undefined ? {} : { clientId }),
      ...optional('resource', stringOrUndefined(params.resource)),
      ...optional('scope', ctx.status < 400 ? stringOrUndefined(body.scope) : undefined),
    });
  } else if (oidc.route === 'revocation') {
    const revoked = (['RefreshToken', 'AccessToken', 'ClientCredentials'] as const).find((kind) => oidc.entities[kind] !== undefined);
    revocations.push({
      status: ctx.status,
      ...(error === undefined ? {} : { error }),
      ...(clientId === undefined ? {} : { clientId }),
      ...optional('tokenTypeHint', stringOrUndefined(params.token_type_hint)),
      ...optional('revokedKind', revoked),
    });
  }
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
