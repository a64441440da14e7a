/**
 * OAuth against the test world WITHOUT Latchkey code: openid-client directly, with the world's
 * Chromium as the browser. Used to prove the world works and by tests that only need a real
 * token (bridge, MCP calls) without going through the wallet.
 */
import * as oidc from 'openid-client';
import { startCallbackListener } from './callback-listener.js';
import type { BrowserFlowResult } from './browser.js';
import type { World } from './index.js';

export interface DirectAuthorizeOptions {
  /** Space-separated scopes (default 'mcp:read'). */
  scope?: string;
  /** Resource indicators for the authorization request (default [world.mcpUrl]). */
  resources?: readonly string[];
  /** Resource for the code exchange (default the first of `resources`). */
  tokenResource?: string;
}

export interface DirectAuthorizeResult {
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
  /** The callback URL the browser delivered (code, state, iss). */
  callback: URL;
  flow: BrowserFlowResult;
}

/** Discovery + open DCR of a native public client with a loopback redirect and the refresh grant. */
export async function registerNativeClient(world: World, clientName = 'world test client'): Promise<oidc.Configuration> {
  return oidc.dynamicClientRegistration(
    new URL(world.issuer),
    {
      client_name: clientName,
      application_type: 'native',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    },
    oidc.None(),
    { execute: [oidc.allowInsecureRequests] },
  );
}

/** A configuration for a client the AS resolves through its Client ID Metadata Document. */
export async function discoverForClientId(world: World, clientId: string): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(world.issuer), clientId, { token_endpoint_auth_method: 'none' }, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

/** Builds the authorization URL for a fresh loopback listener, with PKCE S256, state and resource(s). */
export async function buildDirectAuthorizationUrl(
  config: oidc.Configuration,
  redirectUri: string,
  options: { scope: string; resources: readonly string[] },
): Promise<{ url: URL; verifier: string; state: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const params = new URLSearchParams({
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: options.scope,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  });
  for (const resource of options.resources) params.append('resource', resource);
  return { url: oidc.buildAuthorizationUrl(config, params), verifier, state };
}

/** A full authorization-code + PKCE + resource flow through the world's Chromium. */
export async function authorizeDirectly(
  world: World,
  config: oidc.Configuration,
  options: DirectAuthorizeOptions = {},
): Promise<DirectAuthorizeResult> {
  const resources = options.resources ?? [world.mcpUrl];
  const listener = await startCallbackListener();
  try {
    const request = await buildDirectAuthorizationUrl(config, listener.redirectUri, { scope: options.scope ?? 'mcp:read', resources });
    const flow = world.opener.nextFlow();
    await world.opener.open(request.url);
    const [callback, flowResult] = await Promise.all([listener.received, flow]);
    const tokens = await oidc.authorizationCodeGrant(
      config,
      callback,
      { pkceCodeVerifier: request.verifier, expectedState: request.state },
      { resource: options.tokenResource ?? resources[0] ?? world.mcpUrl },
    );
    return { tokens, callback, flow: flowResult };
  } finally {
    await listener.close();
  }
}
