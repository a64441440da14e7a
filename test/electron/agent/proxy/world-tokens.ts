/**
 * Real access tokens from the test world's AS without a browser: a confidential client that may
 * use client_credentials, asking for the MCP server as its resource. The tokens are JWTs the
 * world's MCP server verifies like any other (issuer, audience, typ at+jwt, scope).
 */
import * as oidc from 'openid-client';
import type { TokenResponse } from '../../../../shared/bridge.js';
import type { World } from '../../../world/index.js';

export interface WorldTokens {
  /** A fresh token with exactly these scopes (default mcp:read). */
  mint(scopes?: readonly string[]): Promise<TokenResponse>;
}

export async function worldTokens(world: World): Promise<WorldTokens> {
  const config = await oidc.dynamicClientRegistration(
    new URL(world.issuer),
    {
      client_name: 'proxy test machine client',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    undefined,
    { execute: [oidc.allowInsecureRequests] },
  );
  return {
    async mint(scopes = ['mcp:read']) {
      const tokens = await oidc.clientCredentialsGrant(config, { scope: scopes.join(' '), resource: world.mcpUrl });
      return {
        access_token: tokens.access_token,
        token_type: 'Bearer',
        expires_at: Math.floor(Date.now() / 1000) + (tokens.expiresIn() ?? 60),
        scope: tokens.scope ?? scopes.join(' '),
      };
    },
  };
}
