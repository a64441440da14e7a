/**
 * A 2025-03-26-style MCP server: the authorization server lives at the MCP server's own origin and
 * there is NO protected resource metadata (the 401 challenge names none). Two variants:
 *
 *   - 'metadata': RFC 8414 metadata at `<origin>/.well-known/oauth-authorization-server` (no
 *     OpenID discovery), endpoints under `/oauth/*` (`/oauth/authorize`, `/oauth/token`,
 *     `/oauth/register`, `/oauth/jwks`, `/oauth/revoke`).
 *   - 'defaults': no metadata at all; the spec's default endpoints `/authorize`, `/token`,
 *     `/register` at the origin (a client has to assume them, and S256).
 *
 * The AS is a real oidc-provider (variant-provider.ts) mounted on the same express app, with the
 * world's login and consent pages; issuer = the origin. Tokens without a `resource` get the MCP
 * URL as audience (2025-03-26 clients did not send one); with one it must be the MCP URL.
 *
 *   const legacy = await startLegacy20250326Server({ variant: 'metadata' });
 *   legacy.url        // http://127.0.0.1:<port>/mcp   (tools: echo, whoami; needs mcp:read)
 *   legacy.origin     // the issuer
 *   legacy.as         // requests (authorization/token/registration), metadataRequests
 *   await legacy.close();
 */
import express from 'express';
import { createAccessTokenCheck, type TrustedIssuer } from './access-tokens.js';
import { listenOnLoopback } from './http.js';
import { mountMcpResource, type McpResource } from './resource-server.js';
import { mountVariantProvider, type VariantProvider } from './variant-provider.js';

export type Legacy20250326Variant = 'metadata' | 'defaults';

export interface Legacy20250326Options {
  variant: Legacy20250326Variant;
}

export interface Legacy20250326Server {
  readonly variant: Legacy20250326Variant;
  /** `http://127.0.0.1:<port>/mcp`. */
  readonly url: string;
  /** The origin, also the AS issuer. */
  readonly origin: string;
  readonly as: VariantProvider;
  readonly mcp: McpResource;
  close(): Promise<void>;
}

const OAUTH_ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  jwks: '/oauth/jwks',
  revocation: '/oauth/revoke',
};
const DEFAULT_ROUTES = { authorization: '/authorize', token: '/token', registration: '/register' };

export async function startLegacy20250326Server(options: Legacy20250326Options): Promise<Legacy20250326Server> {
  const app = express();
  app.disable('x-powered-by');
  const listener = await listenOnLoopback(app);
  const url = `${listener.origin}/mcp`;
  // The provider is the app's catch-all, so it is mounted after /mcp; the check reads it late.
  const trusted: TrustedIssuer[] = [];
  const mcp = mountMcpResource(app, { url, check: createAccessTokenCheck(url, () => trusted) });
  const as = mountVariantProvider(app, {
    issuer: listener.origin,
    routes: options.variant === 'metadata' ? OAUTH_ROUTES : DEFAULT_ROUTES,
    metadata: options.variant === 'metadata' ? 'oauth' : 'none',
    defaultResource: url,
  });
  trusted.push({ issuer: as.issuer, jwksUri: as.jwksUri });
  as.addResourceServer(url, ['mcp:read', 'mcp:write']);
  return { variant: options.variant, url, origin: listener.origin, as, mcp, close: () => listener.close() };
}
