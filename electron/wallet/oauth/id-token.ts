/**
 * The owner's sign-in at the organisation's identity provider (protocol.md R7): OpenID Connect,
 * authorization code + PKCE through the system browser and the one loopback listener of
 * authorize.ts (nothing here listens itself), and the ID token's refresh with the IdP refresh
 * token. openid-client validates the ID token it receives (issuer, audience, expiry).
 */
import * as client from 'openid-client';
import { ErrorCode, LatchkeyError } from '../../../shared/errors.js';
import type { ConnectProgress } from '../../../shared/connections.js';
import type { Opener } from '../../base/ports.js';
import { authorizeInBrowser, type TokenResponse } from './authorize.js';
import type { AuthorizationServer, NetworkContext } from './client-config.js';
import { identityProviderConfiguration, type IdentityProviderClient } from './id-jag.js';
import { openLoopbackListener } from './loopback.js';
import { oauthErrorCode, tokenRequestError } from './token-errors.js';

/** What a sign-in or refresh at the IdP gives: the ID token and what the wallet needs to know of it. */
export interface IdTokenGrant {
  idToken: string;
  refreshToken?: string | undefined;
  subject: string;
  /** Epoch ms: the ID token's `exp`. */
  expiresAt: number;
}

export interface IdpSignInInput {
  idp: AuthorizationServer;
  idpClient: IdentityProviderClient;
  net: NetworkContext;
  opener: Opener;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((event: ConnectProgress) => void) | undefined;
}

/** The OIDC scopes asked for: `openid`, and `offline_access` where the IdP lists it (for a refresh token). */
export function idpScopes(idp: AuthorizationServer): string[] {
  const supported = idp.scopes_supported;
  return Array.isArray(supported) && supported.includes('offline_access') ? ['openid', 'offline_access'] : ['openid'];
}

/** An opener failure carried past authorizeInBrowser, which lets one pass only when the URL was shown to the owner. */
class NoBrowser extends Error {
  constructor(readonly failure: unknown) {
    super('no browser could be opened');
  }
}

/**
 * Signs the owner in at the IdP in the browser; resolves with the ID token. Without `onProgress`
 * nobody shows the sign-in URL, so a browser that cannot be opened ends the sign-in at once
 * (opener.failed) instead of waiting for a callback that cannot come.
 */
export async function signInAtIdentityProvider(input: IdpSignInInput): Promise<IdTokenGrant> {
  const config = identityProviderConfiguration(input.idp, input.idpClient, input.net);
  const shown = input.onProgress !== undefined;
  const opener: Opener = shown ? input.opener : { open: (url) => input.opener.open(url).catch((error: unknown) => Promise.reject(new NoBrowser(error))) };
  const listener = await openLoopbackListener();
  let tokens: TokenResponse;
  try {
    tokens = await authorizeInBrowser({
      config,
      listener,
      resource: input.idp.issuer,
      sendResource: false,
      scopes: idpScopes(input.idp),
      opener,
      policy: input.net.policy,
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      onProgress: input.onProgress,
    });
  } catch (error) {
    if (!(error instanceof NoBrowser)) throw error;
    throw new LatchkeyError(ErrorCode.OpenerFailed, `No browser could be opened for the sign-in at ${input.idp.issuer}.`, {
      hint: 'Set BROWSER for the wallet (the daemon reads its own environment) to a browser command, or sign in where a browser can open.',
      details: { issuer: input.idp.issuer },
      cause: error.failure,
    });
  }
  return idTokenGrantFrom(input.idp.issuer, tokens, undefined);
}

/**
 * The ID token renewed with the IdP refresh token. `invalid_grant`, or an answer without a new ID
 * token, is EnterpriseSignInNeeded: only the owner signing in again helps.
 */
export async function refreshIdToken(idp: AuthorizationServer, idpClient: IdentityProviderClient, refreshToken: string, net: NetworkContext): Promise<IdTokenGrant> {
  const config = identityProviderConfiguration(idp, idpClient, net);
  let tokens: TokenResponse;
  try {
    tokens = await client.refreshTokenGrant(config, refreshToken);
  } catch (error) {
    if (oauthErrorCode(error) === 'invalid_grant') throw signInNeeded(idp.issuer, 'it no longer accepts the saved sign-in (invalid_grant)');
    throw tokenRequestError(idp.issuer, 'renew your sign-in', error);
  }
  return idTokenGrantFrom(idp.issuer, tokens, refreshToken);
}

function idTokenGrantFrom(issuer: string, tokens: TokenResponse, previousRefreshToken: string | undefined): IdTokenGrant {
  const claims = tokens.claims();
  if (typeof tokens.id_token !== 'string' || claims === undefined || typeof claims.exp !== 'number') {
    throw signInNeeded(issuer, 'it answered without an ID token');
  }
  const refreshToken = typeof tokens.refresh_token === 'string' ? tokens.refresh_token : previousRefreshToken;
  return { idToken: tokens.id_token, ...(refreshToken === undefined ? {} : { refreshToken }), subject: claims.sub, expiresAt: claims.exp * 1000 };
}

export function signInNeeded(issuer: string, why: string): LatchkeyError {
  return new LatchkeyError(ErrorCode.EnterpriseSignInNeeded, `Your sign-in at the identity provider ${issuer} is needed again: ${why}.`, {
    hint: 'Run: latchkey enterprise sign-in',
    details: { issuer },
  });
}
