/**
 * An oidc-provider authorization server with the quirks real providers have, mounted on an
 * express app the caller owns (so it can share an origin with an MCP server, as 2025-03-26
 * servers did). It uses the world's login and consent pages (as-interactions.ts), so
 * `world.opener` signs in on it like on the world AS.
 *
 * Common ground with authorization-server.ts: open DCR, PKCE S256 required, RFC 9207 `iss`, JWT
 * access tokens (`typ at+jwt`, ES256) with `aud` = the resource, refresh tokens with rotation for
 * clients allowed the grant. Quirks (all optional):
 *   - `routes`: endpoint paths (for example `/oauth/token`, or the 2025-03-26 defaults `/token`).
 *   - `metadata`: 'openid' serves `/.well-known/openid-configuration` and
 *     `/.well-known/oauth-authorization-server`; 'oauth' only the RFC 8414 one; 'none' neither.
 *   - `metadataDelayMs()`: every `/.well-known/*` answer waits this long (a slow provider).
 *   - `rejectResource`: any `resource` parameter is refused with `invalid_target` (as Entra ID does
 *     for resources it does not know); without one the token's audience is `defaultResource`.
 *   - `exactRedirectUris`: redirect URIs must match a registered one exactly, port included (no
 *     RFC 8252 loopback port freedom).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Express, NextFunction, Request, Response } from 'express';
import Provider, { errors, type Configuration } from 'oidc-provider';
import { createInteractionRouter, type InteractionSettings } from './as-interactions.js';
import { renderErrorPage } from './as-pages.js';
import { DEFAULT_PASSWORD } from './authorization-server.js';

export interface VariantProviderOptions {
  /** The issuer: the origin of the app the provider is mounted on. */
  issuer: string;
  routes?: { authorization?: string; token?: string; registration?: string; jwks?: string; revocation?: string };
  metadata?: 'openid' | 'oauth' | 'none';
  metadataDelayMs?: () => number;
  rejectResource?: boolean;
  /** The audience of tokens requested without `resource` (default: none, tokens then need a resource). */
  defaultResource?: string;
  exactRedirectUris?: boolean;
  password?: string;
}

/** One request to the token or authorization endpoint, as the provider answered it. */
export interface VariantRequestRecord {
  route: string;
  status: number;
  error?: string;
  grantType?: string;
  resource?: string;
  redirectUri?: string;
}

export interface VariantProvider {
  readonly issuer: string;
  readonly jwksUri: string;
  readonly provider: Provider;
  readonly settings: InteractionSettings;
  /** Authorization, token and registration requests, in order. */
  readonly requests: readonly VariantRequestRecord[];
  /** How many `/.well-known/*` requests arrived (answered or not yet). */
  readonly metadataRequests: number;
  addResourceServer(resource: string, scopes: readonly string[]): void;
}

const WELL_KNOWN_OPENID = '/.well-known/openid-configuration';
const WELL_KNOWN_OAUTH = '/.well-known/oauth-authorization-server';

/** Mounts the provider on `app` (call after the caller's own routes: it is the catch-all). */
export function mountVariantProvider(app: Express, options: VariantProviderOptions): VariantProvider {
  const settings: InteractionSettings = { password: options.password ?? DEFAULT_PASSWORD, denyConsent: false };
  const resources = new Map<string, readonly string[]>();
  const requests: VariantRequestRecord[] = [];
  const signingKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const routes = options.routes ?? {};
  let metadataRequests = 0;

  const configuration: Configuration = {
    jwks: { keys: [{ ...signingKey.privateKey.export({ format: 'jwk' }), kid: 'variant-es256', use: 'sig', alg: 'ES256' }] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
    scopes: ['openid', 'offline_access', 'mcp:read', 'mcp:write'],
    clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'ES256' },
    pkce: { required: () => true },
    routes: {
      ...(routes.authorization === undefined ? {} : { authorization: routes.authorization }),
      ...(routes.token === undefined ? {} : { token: routes.token }),
      ...(routes.registration === undefined ? {} : { registration: routes.registration }),
      ...(routes.jwks === undefined ? {} : { jwks: routes.jwks }),
      ...(routes.revocation === undefined ? {} : { revocation: routes.revocation }),
    },
    features: {
      devInteractions: { enabled: false },
      registration: { enabled: true },
      revocation: { enabled: true },
      clientCredentials: { enabled: true },
      // oidc-provider offers DPoP unless told not to; these variants are about other quirks.
      dPoP: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? options.defaultResource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator) => {
          // The raw request, not ctx.oidc.params: oidc-provider writes the defaulted resource there.
          // A resumed authorization (after login or consent) carries no query of its own.
          const raw = ctx.method === 'POST' ? (ctx.oidc.body as Record<string, unknown> | undefined) : (ctx.query as Record<string, unknown>);
          if (options.rejectResource === true && raw?.resource !== undefined) {
            throw new errors.InvalidTarget('resource parameter is not supported by this server');
          }
          const scopes = resources.get(resourceIndicator);
          if (scopes === undefined) throw new errors.InvalidTarget();
          return { scope: scopes.join(' '), audience: resourceIndicator, accessTokenFormat: 'jwt', accessTokenTTL: 300, jwt: { sign: { alg: 'ES256' } } };
        },
      },
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = renderErrorPage({ error: out.error, error_description: out.error_description });
    },
  };

  const provider = new Provider(options.issuer, configuration);
  if (options.exactRedirectUris === true) {
    provider.Client.prototype.redirectUriAllowed = function redirectUriAllowedExactly(this: InstanceType<Provider['Client']>, value: string): boolean {
      return this.redirectUris?.includes(value) ?? false;
    };
  }
  provider.use(async (ctx, next) => {
    await next();
    const route = ctx.oidc?.route;
    if (route !== 'token' && route !== 'authorization' && route !== 'registration') return;
    const params = (ctx.oidc?.params ?? {}) as Record<string, unknown>;
    const body = (typeof ctx.body === 'object' && ctx.body !== null ? ctx.body : {}) as Record<string, unknown>;
    const location = ctx.response.get('location');
    const redirectError = location === '' ? null : new URL(location, options.issuer).searchParams.get('error');
    const error = ctx.status >= 400 && typeof body.error === 'string' ? body.error : (redirectError ?? undefined);
    requests.push({
      route,
      status: ctx.status,
      ...(error === undefined ? {} : { error }),
      ...(typeof params.grant_type === 'string' ? { grantType: params.grant_type } : {}),
      ...(typeof params.resource === 'string' ? { resource: params.resource } : {}),
      ...(typeof params.redirect_uri === 'string' ? { redirectUri: params.redirect_uri } : {}),
    });
  });

  const metadata = options.metadata ?? 'openid';
  app.use('/.well-known', (req: Request, _res: Response, next: NextFunction) => {
    metadataRequests += 1;
    const delay = options.metadataDelayMs?.() ?? 0;
    if (delay <= 0) {
      next();
      return;
    }
    const timer = setTimeout(next, delay);
    req.on('close', () => clearTimeout(timer));
  });
  app.get(WELL_KNOWN_OAUTH, (req: Request, res: Response, next: NextFunction) => {
    if (metadata === 'none') {
      res.status(404).json({ error: 'not_found' });
      return;
    }
    req.url = WELL_KNOWN_OPENID;
    next();
  });
  app.get(WELL_KNOWN_OPENID, (req: Request, res: Response, next: NextFunction) => {
    // The rewritten RFC 8414 request passes; a direct OpenID discovery request only in 'openid' mode.
    if (metadata === 'openid' || (metadata === 'oauth' && req.originalUrl.startsWith(WELL_KNOWN_OAUTH))) {
      next();
      return;
    }
    res.status(404).json({ error: 'not_found' });
  });
  app.use('/interaction', createInteractionRouter(provider, settings));
  app.use(provider.callback());
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const message = error instanceof Error ? error.message : String(error);
    res.status(400).type('html').send(renderErrorPage({ error: 'interaction_failed', error_description: message }));
  });

  return {
    issuer: options.issuer,
    jwksUri: `${options.issuer}${routes.jwks ?? '/jwks'}`,
    provider,
    settings,
    requests,
    get metadataRequests() {
      return metadataRequests;
    },
    addResourceServer: (resource, scopes) => {
      resources.set(resource, [...scopes]);
    },
  };
}
