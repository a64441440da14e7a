/**
 * The 2025-03-26 revision's discovery (protocol.md P5), for a server that asks for a token (401)
 * but publishes no protected resource metadata. That revision had no RFC 9728: the authorization
 * server is the MCP server's origin (the URL with its path dropped).
 *
 * 1. RFC 8414 metadata at `<origin>/.well-known/oauth-authorization-server`, asked for with
 *    `MCP-Protocol-Version: 2025-03-26` as that revision recommends, and checked as P3 checks any
 *    metadata (its `issuer` must be the origin, byte for byte; usable endpoints).
 * 2. None there (every miss "not published"): the revision's default endpoints `/authorize`,
 *    `/token`, `/register` at the origin, issuer = origin. PKCE with S256 was mandatory in that
 *    revision, so it is assumed and still sent; the state check applies, and so does the `iss`
 *    check (not advertised: an `iss` in the response must still equal the origin).
 *
 * A timeout, a refused redirect or a bad document at step 1 ends discovery with its own error: the
 * defaults are for a server that publishes nothing, not one whose metadata could not be read.
 */
import { ErrorCode, isLatchkeyError } from '../../../shared/errors.js';
import type { DiscoveryDeps } from './discover-resource.js';
import { discoverIssuerAt, type AuthorizationServer } from './discover-issuer.js';

const LEGACY_PROTOCOL_VERSION = '2025-03-26';

/** How a connection found its authorization server without resource metadata (stored on the connection). */
export type LegacyDiscovery = 'metadata' | 'default-endpoints';

export interface LegacyAuthorizationServer {
  as: AuthorizationServer;
  legacy: LegacyDiscovery;
}

export async function discoverLegacyAuthorizationServer(serverUrl: URL, deps: DiscoveryDeps): Promise<LegacyAuthorizationServer> {
  const origin = serverUrl.origin;
  try {
    const as = await discoverIssuerAt(origin, [`${origin}/.well-known/oauth-authorization-server`], deps, {
      'mcp-protocol-version': LEGACY_PROTOCOL_VERSION,
    });
    deps.logger?.debug('discovery: 2025-03-26 authorization server metadata at the origin', { issuer: origin });
    return { as, legacy: 'metadata' };
  } catch (error) {
    if (!isLatchkeyError(error, ErrorCode.AuthServerMetadataNotFound)) throw error;
  }
  deps.logger?.debug('discovery: 2025-03-26 default endpoints at the origin', { issuer: origin });
  return { as: defaultEndpoints(origin), legacy: 'default-endpoints' };
}

/** The 2025-03-26 default endpoints of an origin, as metadata. */
export function defaultEndpoints(origin: string): AuthorizationServer {
  return {
    issuer: origin,
    authorization_endpoint: `${origin}/authorize`,
    token_endpoint: `${origin}/token`,
    registration_endpoint: `${origin}/register`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    code_challenge_methods_supported: ['S256'],
  };
}
